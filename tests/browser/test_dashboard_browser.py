"""A city leader opens the dashboard, sees the chart, drills down to a county and exports Excel."""

from decimal import Decimal
from io import BytesIO, StringIO
from pathlib import Path

from django.core.management import call_command
from django.utils import timezone

import pytest
from openpyxl import load_workbook

from reports.models import ReportExport, Target, TargetThreshold
from stations.models import AreaPopulation

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_city_leader_reads_the_dashboard_and_drills_down(live_server, page, screenshot, actors):
    tree = actors.city_admin.admin_area
    AreaPopulation.objects.create(
        area=tree.children.get(code="150602000000").children.first().children.first(),
        year=2025,
        population=4000,
    )
    target = Target.objects.create(
        metric="population", area=tree, year=2025, source_document="演示文件"
    )
    TargetThreshold.objects.create(target=target, value=Decimal(5000), valid_from=timezone.now())
    call_command("compute_compliance", "--year", "2025", stdout=StringIO())

    page.goto(f"{live_server.url}/admin/login/?next=/dashboard/")
    page.fill("#id_username", "city_viewer")
    page.fill("#id_password", "Passw0rd!long")
    screenshot("1-login")
    page.click("input[type=submit]")
    page.wait_for_url(f"{live_server.url}/dashboard/")
    bars = page.locator("#chart rect.bar").count()
    screenshot("2-city")

    page.click("#children a:text('东胜区')")
    page.wait_for_load_state()
    heading = page.locator("h1").inner_text()
    screenshot("3-county")

    with page.expect_download() as download:
        page.click("#exports button[value=xlsx]")
        page.wait_for_selector("#download")
        page.click("#download")
    screenshot("4-export")

    assert bars == 2
    assert "东胜区" in heading
    assert download.value.suggested_filename.endswith(".xlsx")
    export = ReportExport.objects.get()
    assert (export.area.code, export.format, export.status, export.requested_by) == (
        "150602000000",
        "xlsx",
        "ready",
        actors.viewer,
    )
    content = BytesIO(Path(download.value.path()).read_bytes())
    sheet = load_workbook(content, read_only=True).active
    cells = {str(value) for row in sheet.iter_rows(values_only=True) for value in row}
    assert "东胜区" in cells
