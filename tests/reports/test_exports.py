"""Excel and PDF exports of a compliance report, built in the background, for the requester only."""

from decimal import Decimal
from io import BytesIO, StringIO

from django.core.management import call_command
from django.utils import timezone

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from reports.models import ReportExport, Target, TargetThreshold
from stations.models import AreaPopulation

pytestmark = pytest.mark.django_db


@pytest.fixture
def computed(tree):
    AreaPopulation.objects.create(area=tree.comm_a1_urban, year=2025, population=4000)
    AreaPopulation.objects.create(area=tree.comm_b1, year=2025, population=12000)
    target = Target.objects.create(
        metric="population", area=tree.city, year=2025, source_document="测试文件"
    )
    TargetThreshold.objects.create(target=target, value=Decimal(5000), valid_from=timezone.now())
    call_command("compute_compliance", "--year", "2025", stdout=StringIO())


def _export(client, area, file_format, capture):
    with capture(execute=True):
        response = client.post(
            "/dashboard/export/", {"area": area.code, "year": 2025, "format": file_format}
        )
    return ReportExport.objects.get(pk=int(response["Location"].rstrip("/").split("/")[-1]))


def test_excel_export_lists_the_area_and_its_children(
    client, tree, actors, computed, django_capture_on_commit_callbacks
):
    client.force_login(actors.viewer)
    export = _export(client, tree.city, "xlsx", django_capture_on_commit_callbacks)

    download = client.get(f"/dashboard/exports/{export.pk}/download/")
    rows = [
        [c.value for c in row]
        for row in load_workbook(BytesIO(download.content)).active.iter_rows()
    ]

    assert export.status == "ready"
    assert rows[0][:5] == ["Code", "Area", "Resident population", "Target", "Met"]
    assert rows[1][:5] == ["150600000000", "鄂尔多斯市", 16000, "≥ 5000", "met"]
    assert rows[2][:5] == ["150602000000", "东胜区", 4000, "≥ 5000", "not met"]
    # Metrics without a target have a value and neither a target nor a verdict.
    assert rows[0][5:8] == ["Townships with an operating social-work station", "Target", "Met"]
    assert rows[2][5:8] == [0, None, None]  # empty cells read back as None
    assert len(rows) == 4


def test_pdf_report_has_the_chinese_text(
    client, tree, actors, computed, django_capture_on_commit_callbacks
):
    client.force_login(actors.county_admin)
    export = _export(client, tree.county_a, "pdf", django_capture_on_commit_callbacks)

    download = client.get(f"/dashboard/exports/{export.pk}/download/")
    text = "".join(page.extract_text() for page in PdfReader(BytesIO(download.content)).pages)

    assert download["Content-Type"] == "application/pdf"
    assert "东胜区" in text
    assert "鄂尔多斯市" in text  # addressed to the level above
    assert "测试文件" in text


def test_pdf_prints_names_with_markup_characters_as_written(
    client, tree, actors, computed, django_capture_on_commit_callbacks
):
    # reportlab reads a little markup in paragraphs: an unescaped "<b" failed the whole file
    tree.county_a.name = "东胜<b>区"
    tree.county_a.save()
    call_command("compute_compliance", "--year", "2025", stdout=StringIO())
    client.force_login(actors.county_admin)
    export = _export(client, tree.county_a, "pdf", django_capture_on_commit_callbacks)

    download = client.get(f"/dashboard/exports/{export.pk}/download/")
    text = "".join(page.extract_text() for page in PdfReader(BytesIO(download.content)).pages)

    assert ReportExport.objects.get(pk=export.pk).status == "ready"
    assert "东胜<b>区" in text


def test_another_users_export_is_not_found(
    client, tree, actors, computed, django_capture_on_commit_callbacks
):
    client.force_login(actors.viewer)
    export = _export(client, tree.city, "xlsx", django_capture_on_commit_callbacks)
    client.force_login(actors.county_admin)
    assert client.get(f"/dashboard/exports/{export.pk}/").status_code == 404
    assert client.get(f"/dashboard/exports/{export.pk}/download/").status_code == 404


def test_exporting_another_county_is_not_found(client, tree, actors, computed):
    client.force_login(actors.county_admin)
    response = client.post(
        "/dashboard/export/", {"area": tree.county_b.code, "year": 2025, "format": "pdf"}
    )
    assert response.status_code == 404
    assert ReportExport.objects.count() == 0


def test_an_export_of_an_uncomputed_year_fails_with_a_reason(
    client, tree, actors, computed, django_capture_on_commit_callbacks
):
    client.force_login(actors.viewer)
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/dashboard/export/", {"area": tree.city.code, "year": 2020, "format": "pdf"})
    export = ReportExport.objects.get()
    assert export.status == "failed"
    assert export.error == "Nothing has been computed for this area and year yet."
