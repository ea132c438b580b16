"""The calendar of reports on a phone, in Debian's chromium: a list of the days that have
reports, nothing spilling sideways, a tap opens the report."""

import datetime

import pytest

from projects import workflow
from projects.models import Report
from tests.browser_support import ARTIFACTS
from tests.projects.conftest import make_contract

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 375, "height": 812}
TODAY = datetime.date(2025, 6, 20)


def test_the_calendar_on_a_phone_lists_the_days_with_reports(
    browser,
    live_server,
    actors,
    tree,
    monkeypatch,
    request,
):
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *args: TODAY)
    contract = make_contract(
        actor=actors.county_admin,
        area=tree.county_a,
        contractor=actors.contractor_org,
        status="active",
    )
    april = Report.objects.get(contract=contract, kind="monthly", period=datetime.date(2025, 4, 1))
    workflow.report_transition(actor=actors.contractor, report_id=april.pk, action="submit")
    context = browser.new_context(locale="zh-CN", viewport=PHONE, is_mobile=True, has_touch=True)
    phone = context.new_page()
    try:
        phone.goto(f"{live_server.url}/portal/login/")
        phone.fill("#id_username", "contractor_a")
        phone.fill("#id_password", "Passw0rd!long")
        phone.click("#login-submit")
        phone.wait_for_url(f"{live_server.url}/portal/")

        phone.goto(f"{live_server.url}/portal/calendar/?month=2025-05")
        ARTIFACTS.mkdir(exist_ok=True)
        phone.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)

        assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        visible_days = phone.locator("table.calendar td:visible")
        assert visible_days.count() == 1
        assert visible_days.first.get_attribute("data-date") == "2025-05-05"
        link = phone.locator(f'a[data-report="{april.pk}"]')
        assert link.get_attribute("data-state") == "submitted"
        assert link.bounding_box()["height"] >= 44
        link.click()
        phone.wait_for_url(f"{live_server.url}/portal/reports/{april.pk}/")
        assert phone.locator("#report-status").count() == 1
    finally:
        context.close()
