"""Township reviewers, where the county says so, reach the reports of contracts landing there."""

import pytest

from projects import workflow
from projects.models import CountyProjectConfig, Report
from stations.roles import Role
from tests.factories import make_user

pytestmark = pytest.mark.django_db

MONTHLY = "/api/v1/reports/monthly/"


@pytest.fixture
def submitted(report, actors, tree):
    """The January briefing, submitted, of a contract landing in 交通街道 (town A1)."""
    report.contract.townships.set([tree.town_a1])
    workflow.report_transition(actor=actors.contractor, report_id=report.pk, action="submit")
    return report


@pytest.fixture
def consent(tree):
    return CountyProjectConfig.objects.create(area=tree.county_a, township_reviewers=True)


def test_township_reviewer_sees_and_approves_in_the_portal(client, actors, submitted, consent):
    client.force_login(actors.township_admin)

    queue = client.get("/portal/review/")
    page = client.get(f"/portal/review/{submitted.pk}/")
    approved = client.post(f"/portal/review/{submitted.pk}/", {"version": 1, "approve": "1"})

    assert [r.pk for r in queue.context["reports"]] == [submitted.pk]
    assert page.status_code == 200
    assert approved.status_code == 302
    assert Report.objects.get(pk=submitted.pk).status == "approved"


def test_township_reviewer_lists_and_approves_in_the_api(api, actors, submitted, consent):
    client = api(actors.township_admin)

    listed = client.get(MONTHLY, {"status": "submitted"})
    approved = client.post(MONTHLY + f"{submitted.pk}/approve/", {"version": 1}, format="json")

    assert [row["id"] for row in listed.json()["results"]] == [submitted.pk]
    assert approved.status_code == 200
    assert approved.json()["status"] == "approved"


def test_township_reviewer_finds_the_report_in_the_admin(client, actors, submitted, consent):
    client.force_login(actors.township_admin)

    changelist = client.get("/admin/projects/report/", {"status__exact": "submitted"})
    change = client.get(f"/admin/projects/report/{submitted.pk}/change/")

    assert [r.pk for r in changelist.context["cl"].result_list] == [submitted.pk]
    assert change.status_code == 200


@pytest.mark.parametrize(
    ("_case", "township_reviewers", "who", "queue_status"),
    [
        ("the county did not consent", False, "township_admin", 200),
        ("another township of the county", True, "town_a2_admin", 200),
        ("a township viewer", True, "town_a1_viewer", 404),
    ],
)
def test_others_at_township_level_get_nothing(
    client, api, actors, tree, submitted, _case, township_reviewers, who, queue_status
):
    CountyProjectConfig.objects.create(area=tree.county_a, township_reviewers=township_reviewers)
    users = {
        "township_admin": actors.township_admin,
        "town_a2_admin": make_user("town_a2_admin", area=tree.town_a2, role=Role.ADMINISTRATOR),
        "town_a1_viewer": make_user("town_a1_viewer", area=tree.town_a1, role=Role.VIEWER),
    }
    user = users[who]
    client.force_login(user)

    queue = client.get("/portal/review/")
    page = client.get(f"/portal/review/{submitted.pk}/")
    listed = api(user).get(MONTHLY)
    approved = api(user).post(MONTHLY + f"{submitted.pk}/approve/", {"version": 1}, format="json")
    admin_change = client.get(f"/admin/projects/report/{submitted.pk}/change/")

    assert queue.status_code == queue_status
    if queue_status == 200:
        assert list(queue.context["reports"]) == []
    assert page.status_code == 404
    assert listed.json()["results"] == []
    assert approved.status_code == 404
    assert admin_change.status_code == 404
    assert Report.objects.get(pk=submitted.pk).status == "submitted"
