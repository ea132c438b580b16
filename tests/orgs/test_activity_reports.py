"""Major-activity reports: filed in advance, then acknowledged or objected to (with a reason) by the
organisation's community or township, once."""

import datetime

from django.utils import timezone

import pytest

from orgs.models import ActivityReport, CommunityOrg
from tests.factories import make_user
from tests.orgs.factories import make_org, make_report

pytestmark = pytest.mark.django_db


@pytest.fixture
def org(tree):
    return make_org(tree.comm_a1_urban, name="巴音孟克社区乌兰牧骑文艺队")


def payload(org, *, days_ahead: int) -> dict:
    return {
        "organisation": org.pk,
        "kind": "performance",
        "title": "乌兰牧骑进社区演出",
        "held_on": (timezone.localdate() + datetime.timedelta(days=days_ahead)).isoformat(),
        "place": "社区文化广场",
        "expected_participants": 300,
    }


def stored(report) -> tuple:
    return (
        ActivityReport.objects.filter(pk=report.pk)
        .values_list("status", "reviewed_by__username", "objection_reason")
        .get()
    )


@pytest.mark.parametrize(("_case", "days_ahead"), [("today", 0), ("yesterday", -1)])
def test_an_activity_is_reported_before_its_date(api, org, actors, _case, days_ahead):
    response = api(actors.county_admin).post(
        "/api/v1/activity-reports/", payload(org, days_ahead=days_ahead), format="json"
    )

    assert response.status_code == 400
    assert response.json() == {
        "held_on": ["An activity is reported in advance: the date must be after today."]
    }
    assert ActivityReport.objects.count() == 0


def test_a_report_for_tomorrow_is_filed(api, org, actors):
    response = api(actors.county_admin).post(
        "/api/v1/activity-reports/", payload(org, days_ahead=1), format="json"
    )

    assert response.status_code == 201
    body = response.json()
    assert (body["status"], body["reviewed_by"], body["community"]) == (
        "filed",
        None,
        "150602001001",
    )
    assert ActivityReport.objects.get().title == "乌兰牧骑进社区演出"


def test_a_deregistered_organisation_files_nothing(api, tree, actors):
    gone = make_org(tree.comm_a1_urban, status=CommunityOrg.Status.DEREGISTERED)

    response = api(actors.county_admin).post(
        "/api/v1/activity-reports/", payload(gone, days_ahead=5), format="json"
    )

    assert (response.status_code, response.json()) == (
        400,
        {"organisation": ["The organisation is deregistered."]},
    )
    assert ActivityReport.objects.count() == 0


def test_the_township_acknowledges(api, org, actors):
    report = make_report(org)
    before = timezone.now()

    response = api(actors.township_admin).post(f"/api/v1/activity-reports/{report.pk}/acknowledge/")

    assert response.status_code == 200
    assert stored(report) == ("acknowledged", "town_a1_admin", "")
    assert before <= ActivityReport.objects.get(pk=report.pk).reviewed_at <= timezone.now()


def test_the_community_objects_with_a_reason(api, tree, org, actors):
    community_user = make_user("community_worker", area=tree.comm_a1_urban, role="administrator")
    report = make_report(org)

    response = api(community_user).post(
        f"/api/v1/activity-reports/{report.pk}/object/",
        {"objection_reason": "与社区消防检查冲突"},
        format="json",
    )

    assert (response.status_code, response.json()["status"]) == (200, "objected")
    assert stored(report) == ("objected", "community_worker", "与社区消防检查冲突")


def test_an_objection_needs_a_reason(api, org, actors):
    report = make_report(org)

    response = api(actors.township_admin).post(
        f"/api/v1/activity-reports/{report.pk}/object/", {"objection_reason": "  "}, format="json"
    )

    assert (response.status_code, response.json()) == (
        400,
        {"objection_reason": ["Give the reason for objecting."]},
    )
    assert stored(report) == ("filed", None, "")


def test_a_county_administrator_is_not_the_reviewer(api, org, actors):
    report = make_report(org)

    response = api(actors.county_admin).post(f"/api/v1/activity-reports/{report.pk}/acknowledge/")

    assert response.status_code == 403
    assert response.json() == {
        "detail": "Only the organisation's community or township reviews its activity reports."
    }
    assert stored(report) == ("filed", None, "")


def test_a_report_is_reviewed_once_and_then_frozen(api, org, actors):
    report = make_report(org)
    client = api(actors.township_admin)
    client.post(f"/api/v1/activity-reports/{report.pk}/acknowledge/")

    again = client.post(
        f"/api/v1/activity-reports/{report.pk}/object/", {"objection_reason": "晚了"}, format="json"
    )
    edit = client.patch(f"/api/v1/activity-reports/{report.pk}/", {"place": "别处"}, format="json")

    assert (again.status_code, again.json()) == (
        400,
        {"status": ["This report is already reviewed."]},
    )
    assert (edit.status_code, edit.json()) == (
        400,
        {"status": ["This report is already reviewed; it cannot be changed."]},
    )
    assert stored(report) == ("acknowledged", "town_a1_admin", "")
    assert ActivityReport.objects.get(pk=report.pk).place == "社区广场"


def test_a_viewer_cannot_review(api, org, actors):
    report = make_report(org)

    response = api(actors.viewer).post(f"/api/v1/activity-reports/{report.pk}/acknowledge/")

    assert response.status_code == 403
    assert stored(report) == ("filed", None, "")


def test_another_county_cannot_see_or_review(api, org, actors):
    report = make_report(org)

    response = api(actors.other_county_admin).post(
        f"/api/v1/activity-reports/{report.pk}/acknowledge/"
    )

    assert response.status_code == 404
    assert stored(report) == ("filed", None, "")


# Admin -------------------------------------------------------------------------------------------


def test_the_admin_review_form_objects_only_with_a_reason(client, org, actors):
    report = make_report(org)
    client.force_login(actors.township_admin)
    url = f"/admin/orgs/activityreport/{report.pk}/change/"

    without = client.post(url, {"decision": "object", "objection_reason": ""})
    with_reason = client.post(url, {"decision": "object", "objection_reason": "场地冲突"})

    assert without.context["adminform"].form.errors == {
        "objection_reason": ["Give the reason for objecting."]
    }
    assert with_reason.status_code == 302
    assert stored(report) == ("objected", "town_a1_admin", "场地冲突")


def test_the_admin_acknowledge_action(client, org, actors):
    reports = [make_report(org), make_report(org)]
    client.force_login(actors.township_admin)

    client.post(
        "/admin/orgs/activityreport/",
        {"action": "acknowledge", "_selected_action": [report.pk for report in reports]},
    )

    assert [stored(report)[0] for report in reports] == ["acknowledged", "acknowledged"]


def test_the_admin_acknowledge_action_reports_a_refusal(client, org, actors):
    report = make_report(org)
    client.force_login(actors.county_admin)

    response = client.post(
        "/admin/orgs/activityreport/",
        {"action": "acknowledge", "_selected_action": [report.pk]},
        follow=True,
    )

    assert [str(message) for message in response.context["messages"]] == [
        "Only the organisation's community or township reviews its activity reports.",
        "0 reports acknowledged.",
    ]
    assert stored(report) == ("filed", None, "")


def test_the_admin_refuses_a_date_in_the_past(client, org, actors):
    client.force_login(actors.county_admin)
    data = payload(org, days_ahead=-3)

    response = client.post("/admin/orgs/activityreport/add/", data)

    assert response.context["adminform"].form.errors == {
        "held_on": ["An activity is reported in advance: the date must be after today."]
    }
    assert ActivityReport.objects.count() == 0
