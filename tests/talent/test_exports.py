"""The workforce sheet export: the import's layout, masked per role, re-importable in full."""

import datetime
import io

from django.db import connection
from django.test.utils import CaptureQueriesContext

import pytest
from openpyxl import load_workbook

from stations.models import User
from stations.tabular import ImportRejected
from talent.exports import EXPORT_COLUMNS
from talent.imports import worker_import
from talent.models import Certificate, IncentiveGrant, Worker
from tests.talent.factories import make_certificate, make_worker

pytestmark = pytest.mark.django_db


def sheet_rows(response) -> list[dict]:
    workbook = load_workbook(io.BytesIO(response.content), read_only=True)
    rows = list(workbook.worksheets[0].iter_rows(values_only=True))
    header = list(rows[0])
    return [dict(zip(header, row, strict=True)) for row in rows[1:]]


@pytest.mark.parametrize(
    ("_case", "actor", "id_number", "phone", "birth_date"),
    [
        ("administrator", "county_admin", "150602198803091247", "13912345678", "1988-03-09"),
        ("reviewer", "reviewer", "1506**********1247", "139****5678", None),
    ],
)
def test_the_api_export_is_masked_per_role(
    api, workforce, actors, _case, actor, id_number, phone, birth_date
):
    response = api(getattr(actors, actor)).get("/api/v1/workers/export/?area=150602001001")

    rows = sheet_rows(response)
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert len(rows) == 1
    row = rows[0]
    shown_birth = row["birth_date"].date().isoformat() if row["birth_date"] else None
    assert (row["id_number"], row["phone"], shown_birth) == (id_number, phone, birth_date)
    assert (row["name"], row["area_code"], row["certificate_number"], row["area_name"]) == (
        "王芳",
        "150602001001",
        workforce.certificate_a.number,
        "巴音孟克社区",
    )


def test_the_export_header_is_the_import_layout(api, workforce, actors):
    response = api(actors.viewer).get("/api/v1/workers/export/")
    header = next(
        load_workbook(io.BytesIO(response.content)).worksheets[0].iter_rows(values_only=True)
    )
    assert list(header) == EXPORT_COLUMNS


def test_the_export_is_scoped(api, workforce, actors):
    rows = sheet_rows(api(actors.county_admin).get("/api/v1/workers/export/"))
    assert sorted(row["name"] for row in rows) == ["李强", "王芳"]


@pytest.mark.parametrize(
    ("_case", "actor", "expected"),
    [
        ("administrator", "city_admin", "150602198803091247"),
        ("viewer", "viewer", "1506**********1247"),
    ],
)
def test_the_admin_export_action_is_masked_per_role(
    client, workforce, actors, _case, actor, expected
):
    client.force_login(getattr(actors, actor))

    response = client.post(
        "/admin/talent/worker/",
        {
            "action": "export_xlsx",
            "_selected_action": [workforce.worker_a.pk, workforce.worker_b.pk],
        },
    )

    rows = sheet_rows(response)
    assert [row["id_number"] for row in rows if row["name"] == "王芳"] == [expected]
    assert len(rows) == 2


def test_an_administrators_export_imports_back_unchanged(api, workforce, actors, tmp_path):
    path = tmp_path / "workers.xlsx"
    path.write_bytes(api(actors.city_admin).get("/api/v1/workers/export/").content)
    before = list(Worker.objects.order_by("pk").values())

    result = worker_import(path, actor=actors.city_admin)

    assert (result.rows, result.created, result.updated, result.unchanged) == (3, 0, 0, 3)
    assert (result.certificates_created, result.certificates_updated) == (0, 0)
    assert list(Worker.objects.order_by("pk").values()) == before


def test_a_masked_export_cannot_overwrite_anyone(api, workforce, actors, tmp_path):
    path = tmp_path / "workers.xlsx"
    path.write_bytes(api(actors.viewer).get("/api/v1/workers/export/").content)

    with pytest.raises(ImportRejected) as rejected:
        worker_import(path, actor=actors.city_admin)

    assert {(error.row, error.column) for error in rejected.value.errors} == {
        (row, column) for row in (2, 3, 4) for column in ("id_number", "phone")
    }
    assert Worker.objects.get(pk=workforce.worker_a.pk).id_number == "150602198803091247"


def test_the_export_query_count_does_not_grow_with_rows(api, tree, workforce, actors):
    def fetch():
        client = api(User.objects.get(pk=actors.city_admin.pk))
        with CaptureQueriesContext(connection) as queries:
            response = client.get("/api/v1/workers/export/")
        return len(sheet_rows(response)), len(queries.captured_queries)

    rows_before, before = fetch()
    for number in range(4):
        make_certificate(make_worker(tree.comm_a2, name=f"新人{number}"), Certificate.Level.SENIOR)
    rows_after, after = fetch()

    assert (rows_before, rows_after) == (3, 7)
    assert after == before


def test_a_worker_with_two_certificates_takes_two_rows(api, workforce, actors):
    second = make_certificate(
        workforce.worker_a, Certificate.Level.INTERMEDIATE, obtained_on=datetime.date(2023, 9, 10)
    )

    rows = sheet_rows(api(actors.county_admin).get("/api/v1/workers/export/"))

    assert sorted(
        (row["name"], row["certificate_number"] or "", row["registration_valid_until"] is None)
        for row in rows
    ) == sorted(
        [
            ("王芳", workforce.certificate_a.number, False),
            ("王芳", second.number, True),
            ("李强", "", True),
        ]
    )


def test_two_certificates_round_trip_export_to_import(api, workforce, actors, tmp_path):
    make_certificate(
        workforce.worker_a,
        Certificate.Level.INTERMEDIATE,
        obtained_on=datetime.date(2023, 9, 10),
        number="B2023000001",
    )
    path = tmp_path / "workers.xlsx"
    path.write_bytes(api(actors.county_admin).get("/api/v1/workers/export/").content)
    expected = sorted(
        Certificate.objects.filter(worker=workforce.worker_a).values_list(
            "level", "number", "obtained_on"
        )
    )
    IncentiveGrant.objects.filter(worker=workforce.worker_a).delete()
    Worker.objects.filter(pk=workforce.worker_a.pk).delete()

    result = worker_import(path, actor=actors.county_admin)

    worker = Worker.objects.get(id_number="150602198803091247")
    assert (result.rows, result.created, result.unchanged, result.certificates_created) == (
        3,
        1,
        1,
        2,
    )
    assert (worker.name, worker.area.code) == ("王芳", "150602001001")
    assert sorted(worker.certificates.values_list("level", "number", "obtained_on")) == expected


def test_two_certificates_import_back_unchanged(api, workforce, actors, tmp_path):
    make_certificate(
        workforce.worker_a, Certificate.Level.INTERMEDIATE, obtained_on=datetime.date(2023, 9, 10)
    )
    path = tmp_path / "workers.xlsx"
    path.write_bytes(api(actors.city_admin).get("/api/v1/workers/export/").content)
    before = list(Certificate.objects.order_by("pk").values())

    result = worker_import(path, actor=actors.city_admin)

    assert (result.rows, result.created, result.updated, result.unchanged) == (4, 0, 0, 3)
    assert (result.certificates_created, result.certificates_updated) == (0, 0)
    assert list(Certificate.objects.order_by("pk").values()) == before
