"""A contractor on a phone fills in and submits a monthly briefing, sees it returned, submits
it again and sees it approved (a screenshot of every step)."""

import datetime

from django.utils import translation

import pytest

from projects import workflow
from projects.models import Report
from tests.browser_support import ARTIFACTS
from tests.projects.conftest import make_contract

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 375, "height": 812}


@pytest.fixture
def phone(browser):
    context = browser.new_context(locale="zh-CN", viewport=PHONE, is_mobile=True, has_touch=True)
    opened = context.new_page()
    yield opened
    context.close()


def test_contractor_files_a_briefing_on_a_phone_and_sees_it_returned_then_approved(
    browser, live_server, phone, actors, tree, request
):
    ARTIFACTS.mkdir(exist_ok=True)

    def shot(step: str) -> None:
        phone.screenshot(path=str(ARTIFACTS / f"{request.node.name}-{step}.png"), full_page=True)

    contract = make_contract(
        actor=actors.county_admin,
        area=tree.county_a,
        contractor=actors.contractor_org,
        status="active",
    )
    report = Report.objects.get(contract=contract, kind="monthly", period=datetime.date(2025, 1, 1))

    phone.goto(f"{live_server.url}/portal/login/")
    phone.fill("#id_username", "contractor_a")
    phone.fill("#id_password", "Passw0rd!long")
    shot("1-login")
    phone.click("#login-submit")
    phone.wait_for_url(f"{live_server.url}/portal/")
    shot("2-home")
    # Nothing spills sideways on a 375px screen.
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    phone.goto(f"{live_server.url}/portal/reports/{report.pk}/")
    phone.fill("#id_cases_opened", "3")
    phone.fill("#id_cases_closed", "1")
    phone.fill("#id_service_case_count", "5")
    phone.fill("#id_service_case_hours", "7.5")
    phone.fill("#id_people_lone_elderly", "12")
    phone.fill("#id_highlights", "开展重阳节敬老活动，服务独居老人12人")
    shot("3-filled")
    phone.click("#submit-report")
    phone.wait_for_selector("#report-status")
    shot("4-submitted")
    submitted = Report.objects.get(pk=report.pk)
    assert (submitted.status, submitted.cases_opened) == ("submitted", 3)
    assert submitted.services_delivered == {"case": {"count": 5, "hours": "7.5"}}
    assert phone.locator("#submit-report").count() == 0

    workflow.report_transition(
        actor=actors.reviewer,
        report_id=report.pk,
        action=workflow.Action.RETURN,
        expected_version=submitted.version,
        reason="请补充活动照片和签到表",
    )
    phone.reload()
    shot("5-returned")

    assert phone.locator("#return-reason").inner_text().endswith("请补充活动照片和签到表")
    assert phone.locator("#submit-report").is_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    # submits it again with the photos' count, and the reviewer approves it
    phone.fill("#id_activities", "2")
    shot("6-corrected")
    phone.click("#submit-report")
    phone.wait_for_selector("#report-status")
    resubmitted = Report.objects.get(pk=report.pk)
    assert (resubmitted.status, resubmitted.activities) == ("resubmitted", 2)
    shot("7-resubmitted")
    workflow.report_transition(
        actor=actors.reviewer,
        report_id=report.pk,
        action=workflow.Action.APPROVE,
        expected_version=resubmitted.version,
    )
    phone.reload()
    shot("8-approved")

    with translation.override("zh-hans"):
        approved_label = str(Report.Status.APPROVED.label)
    assert phone.locator("#report-status").inner_text() == approved_label
    assert phone.locator("#submit-report").count() == 0
    assert phone.locator("#return-reason").count() == 0
    approved = Report.objects.get(pk=report.pk)
    assert (approved.status, approved.approved_at is not None) == ("approved", True)
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
