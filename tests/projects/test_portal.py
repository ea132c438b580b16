import datetime

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

import pytest

from projects import workflow
from projects.models import Report, ReportAttachment
from stations.roles import Role
from tests.factories import ContractorFactory, make_user

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def login(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


@pytest.fixture
def stranger(tree):
    user = make_user("other_contractor", area=tree.county_a, role=Role.CONTRACTOR)
    user.contractor = ContractorFactory(area=tree.county_a)
    user.is_staff = False
    user.save()
    return user


def briefing(version: int, **extra) -> dict:
    data = {
        "version": version,
        "cases_opened": "2",
        "cases_closed": "1",
        "activities": "3",
        "volunteers": "8",
        "volunteer_hours": "24.5",
        "charity_yuan": "1200",
        "highlights": "重阳节敬老活动",
        "problems": "",
        "next_month_plan": "入户走访",
        "service_case_count": "4",
        "service_case_hours": "6",
        "people_lone_elderly": "15",
    }
    data.update(extra)
    return data


def test_login_page_is_the_portals_own(client, actors):
    response = client.post(
        "/portal/login/", {"username": "contractor_a", "password": "Passw0rd!long"}
    )

    assert response.status_code == 302
    assert response["Location"] == "/portal/"


def test_anonymous_is_sent_to_the_portal_login(client):
    response = client.get("/portal/")

    assert response.status_code == 302
    assert response["Location"] == "/portal/login/?next=/portal/"


def test_repeated_wrong_passwords_lock_the_account_out(client, actors):
    for _attempt in range(5):
        client.post("/portal/login/", {"username": "contractor_a", "password": "wrong"})

    response = client.post(
        "/portal/login/", {"username": "contractor_a", "password": "Passw0rd!long"}
    )

    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_home_lists_due_and_returned_reports(actors, contract, report):
    workflow.report_transition(actor=actors.contractor, report_id=report.pk, action="submit")
    workflow.report_transition(
        actor=actors.reviewer, report_id=report.pk, action="return", reason="请补充照片"
    )

    response = login(actors.contractor).get("/portal/")

    assert response.status_code == 200
    returned = response.context["sections"]["returned"]
    assert [r.pk for r in returned] == [report.pk]
    assert list(response.context["contracts"]) == [contract]


def test_contractor_saves_a_draft_then_submits(actors, report):
    client = login(actors.contractor)

    saved = client.post(f"/portal/reports/{report.pk}/", {**briefing(0), "save": "1"})
    submitted = client.post(f"/portal/reports/{report.pk}/", {**briefing(1), "submit": "1"})

    assert saved.status_code == 302
    assert submitted.status_code == 302
    report.refresh_from_db()
    assert (report.status, report.version) == ("submitted", 3)
    assert report.services_delivered == {"case": {"count": 4, "hours": "6.0"}}
    assert report.people_served == {"lone_elderly": 15}
    assert report.volunteer_hours == pytest.approx(24.5)


def test_field_errors_are_shown_and_nothing_is_saved(actors, report):
    response = login(actors.contractor).post(
        f"/portal/reports/{report.pk}/", {**briefing(0, cases_opened="-1"), "save": "1"}
    )

    assert response.status_code == 400
    assert response.context["form"].errors["cases_opened"] == [
        "Ensure this value is greater than or equal to 0."
    ]
    assert Report.objects.get(pk=report.pk).version == 0


def test_a_second_submit_with_the_old_form_is_refused(actors, report):
    client = login(actors.contractor)
    client.post(f"/portal/reports/{report.pk}/", {**briefing(0), "submit": "1"})

    response = client.post(f"/portal/reports/{report.pk}/", {**briefing(0), "submit": "1"})

    assert response.status_code == 302
    report.refresh_from_db()
    assert (report.status, report.version) == ("submitted", 2)
    assert report.transitions.count() == 1


@pytest.mark.parametrize(
    ("_case", "url"),
    [
        ("report", "/portal/reports/{report}/"),
        ("contract", "/portal/contracts/{contract}/"),
        ("attachment", "/portal/attachments/{attachment}/"),
        ("nonexistent report", "/portal/reports/-1/"),
    ],
)
def test_another_contractor_gets_404(actors, report, stranger, _case, url):
    attachment = workflow.report_attachment_add(
        actor=actors.contractor,
        report_id=report.pk,
        upload=SimpleUploadedFile("a.png", PNG),
    )
    url = url.format(report=report.pk, contract=report.contract_id, attachment=attachment.pk)

    response = login(stranger).get(url)

    assert response.status_code == 404


def test_another_contractor_cannot_post_to_a_report(actors, report, stranger):
    response = login(stranger).post(f"/portal/reports/{report.pk}/", {**briefing(0), "submit": "1"})

    assert response.status_code == 404
    assert Report.objects.get(pk=report.pk).status == "draft"


def test_attachment_is_served_as_a_download_only(actors, report):
    client = login(actors.contractor)
    client.post(
        f"/portal/reports/{report.pk}/attachments/", {"file": SimpleUploadedFile("活动.png", PNG)}
    )
    attachment = ReportAttachment.objects.get()

    response = client.get(f"/portal/attachments/{attachment.pk}/")

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PNG
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"] == "application/octet-stream"


def test_a_refused_upload_says_why(actors, report):
    response = login(actors.contractor).post(
        f"/portal/reports/{report.pk}/attachments/",
        {"file": SimpleUploadedFile("x.exe", b"MZ")},
        follow=True,
    )

    assert [str(m) for m in response.context["messages"]] == [
        "Only JPG, PNG, PDF, DOCX and XLSX files can be attached."
    ]
    assert ReportAttachment.objects.count() == 0


def test_reviewer_returns_with_a_reason_in_the_portal(actors, report):
    workflow.report_transition(actor=actors.contractor, report_id=report.pk, action="submit")
    client = login(actors.reviewer)

    refused = client.post(
        f"/portal/review/{report.pk}/", {"version": 1, "reason": "", "return": "1"}
    )
    returned = client.post(
        f"/portal/review/{report.pk}/", {"version": 1, "reason": "数据不全", "return": "1"}
    )

    assert refused.status_code == 400
    assert refused.context["form"].errors["reason"] == ["Give the reason for returning the report."]
    assert returned.status_code == 302
    report.refresh_from_db()
    assert (report.status, report.return_reason) == ("returned", "数据不全")


def test_contractor_sees_the_return_reason(actors, report):
    workflow.report_transition(actor=actors.contractor, report_id=report.pk, action="submit")
    workflow.report_transition(
        actor=actors.reviewer, report_id=report.pk, action="return", reason="缺少签到表"
    )

    response = login(actors.contractor).get(f"/portal/reports/{report.pk}/")

    assert response.status_code == 200
    assert "缺少签到表" in response.content.decode()
    assert response.context["editable"] is True


def test_an_approved_report_is_read_only_in_the_portal(actors, report):
    workflow.report_transition(actor=actors.contractor, report_id=report.pk, action="submit")
    workflow.report_transition(actor=actors.reviewer, report_id=report.pk, action="approve")

    response = login(actors.contractor).post(
        f"/portal/reports/{report.pk}/", {**briefing(2), "save": "1"}
    )

    assert response.status_code == 302
    report.refresh_from_db()
    assert (report.status, report.version, report.highlights) == ("approved", 2, "")


def test_review_page_is_404_for_contractors_and_other_counties(actors, report):
    workflow.report_transition(actor=actors.contractor, report_id=report.pk, action="submit")

    assert login(actors.contractor).get(f"/portal/review/{report.pk}/").status_code == 404
    assert login(actors.other_county_admin).get(f"/portal/review/{report.pk}/").status_code == 404
    assert login(actors.reviewer).get(f"/portal/review/{report.pk}/").status_code == 200


def test_portal_is_chinese_by_default(actors):
    client = Client()
    client.force_login(actors.contractor)

    response = client.get("/portal/")

    assert response.status_code == 200
    assert '<html lang="zh-hans">' in response.content.decode()


def test_review_queue_lists_submitted_reports_of_the_county(actors, report, contract):
    workflow.report_transition(actor=actors.contractor, report_id=report.pk, action="submit")
    february = Report.objects.get(
        contract=contract, kind="monthly", period=datetime.date(2025, 2, 1)
    )

    response = login(actors.reviewer).get("/portal/review/")

    assert [r.pk for r in response.context["reports"]] == [report.pk]
    assert february.status == "draft"


def test_contract_page_shows_staff_on_post_with_the_days_late(actors, tree):
    from projects import services
    from tests.projects.conftest import make_contract
    from tests.projects.test_staff_on_post import SIGNED, make_station, staff

    station = make_station(tree.town_a1, "交通街道社工站")
    staff(station, [datetime.date(2025, 1, 20)] * 2 + [datetime.date(2025, 2, 18)])
    contract = services.contract_transition(
        actor=actors.county_admin,
        contract=make_contract(
            actor=actors.county_admin,
            area=tree.county_a,
            contractor=actors.contractor_org,
            station_ids=[station.pk],
        ),
        to_status="signed",
        effective_on=SIGNED,
    )

    response = login(actors.contractor).get(f"/portal/contracts/{contract.pk}/")

    assert response.status_code == 200
    assert response.context["staff_flag"]["days_late"] == 3
    assert (
        '<dd class="staff-on-post"><span class="late">3 days late</span> (due by 2025-02-15)</dd>'
        in response.content.decode()
    )
