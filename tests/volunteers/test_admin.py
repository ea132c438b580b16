"""The volunteers admin: scoped changelists, 404 for other counties, masked personal data, imports,
bulk verification, and changelists whose queries do not grow with the rows."""

import datetime

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

import pytest

from tests.volunteers.factories import (
    make_activity,
    make_record,
    make_team,
    make_volunteer,
    valid_id_number,
)
from volunteers import services
from volunteers.models import (
    Activity,
    PointsEntry,
    PointsRule,
    ServicePoint,
    ServiceRecord,
    TeamMembership,
    Volunteer,
)

pytestmark = pytest.mark.django_db

CHANGELISTS = [
    ("volunteers", "volunteer"),
    ("teams", "team"),
    ("points", "servicepoint"),
    ("activities", "activity"),
    ("records", "servicerecord"),
    ("ledger", "pointsentry"),
    ("rules", "pointsrule"),
]


@pytest.fixture
def login(client):
    def as_user(user):
        client.force_login(user)
        return client

    return as_user


def _verify(record) -> None:
    services.record_verify(actor=services.command_line_actor(), record=record)


def populate(tree, suffix: str, community, *, verified: bool = False) -> Volunteer:
    volunteer = make_volunteer(community, name=f"志愿者{suffix}")
    team = make_team(community, name=f"队{suffix}")
    ServicePoint.objects.create(
        area=community,
        name=f"站点{suffix}",
        facility="服务中心",
        opened_on=datetime.date(2024, 1, 1),
    )
    record = make_record(volunteer, make_activity(community, title=f"活动{suffix}", team=team), "2")
    if verified:
        _verify(record)
    PointsRule.objects.get_or_create(area=community, defaults={"points_per_hour": 10})
    return volunteer


@pytest.mark.parametrize(("_case", "model"), CHANGELISTS)
def test_changelists_show_only_the_county(login, tree, actors, _case, model):
    populate(tree, "A", tree.comm_a2, verified=True)
    populate(tree, "B", tree.comm_b1, verified=True)

    response = login(actors.county_admin).get(f"/admin/volunteers/{model}/")

    assert response.status_code == 200
    assert [
        row.get_additional_data()["area_path"] for row in response.context["cl"].result_list
    ] == [tree.comm_a2.path]


def test_other_countys_volunteer_pages_are_not_found(login, tree, actors):
    other = populate(tree, "B", tree.comm_b1)
    client = login(actors.county_admin)

    change = client.get(f"/admin/volunteers/volunteer/{other.pk}/change/")
    delete = client.post(f"/admin/volunteers/volunteer/{other.pk}/delete/", {"post": "yes"})

    assert (change.status_code, delete.status_code) == (404, 404)
    assert Volunteer.objects.filter(pk=other.pk).exists()


@pytest.mark.parametrize(
    ("_case", "actor", "shown"),
    [("administrator", "county_admin", True), ("reviewer", "reviewer", False)],
)
def test_changelist_masks_id_numbers_per_role(login, tree, actors, _case, actor, shown):
    volunteer = populate(tree, "A", tree.comm_a2)

    page = login(getattr(actors, actor)).get("/admin/volunteers/volunteer/").content.decode()

    assert (volunteer.id_number in page) is shown
    assert (f"{volunteer.id_number[:4]}**********{volunteer.id_number[-4:]}" in page) is not shown


def test_changelist_queries_do_not_grow_with_the_rows(login, tree, actors):
    client = login(actors.county_admin)
    for index in range(2):
        populate(tree, str(index), tree.comm_a2)
    client.get("/admin/volunteers/servicerecord/")
    counts = []
    for model in ("volunteer", "team", "servicepoint", "activity", "servicerecord"):
        with CaptureQueriesContext(connection) as few:
            client.get(f"/admin/volunteers/{model}/")
        counts.append(len(few))
    for index in range(2, 6):
        populate(tree, str(index), tree.comm_a2)
    after = []
    for model in ("volunteer", "team", "servicepoint", "activity", "servicerecord"):
        with CaptureQueriesContext(connection) as many:
            client.get(f"/admin/volunteers/{model}/")
        after.append(len(many))

    assert counts == after


def test_bulk_verify_action_verifies_and_earns_points(login, tree, actors):
    volunteer = populate(tree, "A", tree.comm_a2)
    record = ServiceRecord.objects.get(volunteer=volunteer)

    response = login(actors.county_admin).post(
        "/admin/volunteers/servicerecord/",
        {"action": "verify_selected", "_selected_action": [record.pk]},
    )

    assert response.status_code == 302
    assert ServiceRecord.objects.get(pk=record.pk).is_verified is True
    assert list(PointsEntry.objects.values_list("kind", "amount")) == [("earn", 20)]


def test_bulk_verify_ignores_other_countys_records(login, tree, actors):
    other = populate(tree, "B", tree.comm_b1)
    record = ServiceRecord.objects.get(volunteer=other)

    login(actors.county_admin).post(
        "/admin/volunteers/servicerecord/",
        {"action": "verify_selected", "_selected_action": [record.pk]},
    )

    assert ServiceRecord.objects.get(pk=record.pk).is_verified is False
    assert PointsEntry.objects.count() == 0


def test_import_page_imports_volunteers(login, tree, actors):
    upload = SimpleUploadedFile(
        "volunteers.csv",
        f"name,id_number,community\n王五,{valid_id_number(55)},150602002001\n".encode(),
    )

    response = login(actors.county_admin).post(
        "/admin/volunteers/volunteer/import/", {"file": upload}
    )

    assert response.status_code == 302
    assert list(Volunteer.objects.values_list("name", "area__code")) == [("王五", "150602002001")]


def test_import_page_lists_row_errors_and_writes_nothing(login, tree, actors):
    upload = SimpleUploadedFile(
        "volunteers.csv",
        f"name,id_number,community\n王五,{valid_id_number(55)},150603001001\n".encode(),
    )

    response = login(actors.county_admin).post(
        "/admin/volunteers/volunteer/import/", {"file": upload}
    )

    assert response.status_code == 200
    assert response.context["errors"] == [
        "Row 2, column community: No community 150603001001 within your reach."
    ]
    assert Volunteer.objects.count() == 0


def records_upload(rows: list[str]) -> SimpleUploadedFile:
    return SimpleUploadedFile(
        "records.csv", ("id_number,activity,hours,verified\n" + "\n".join(rows) + "\n").encode()
    )


def test_import_page_imports_service_records(login, tree, actors):
    volunteer = make_volunteer(tree.comm_a2)
    activity = make_activity(tree.comm_a2)

    response = login(actors.county_admin).post(
        "/admin/volunteers/servicerecord/import/",
        {"file": records_upload([f"{volunteer.id_number},{activity.pk},2.5,t"])},
    )

    assert response.status_code == 302
    assert list(
        ServiceRecord.objects.values_list("volunteer", "activity", "is_verified", "recorded_by")
    ) == [(volunteer.pk, activity.pk, True, actors.county_admin.pk)]
    assert list(PointsEntry.objects.values_list("volunteer", "amount")) == [(volunteer.pk, 25)]


def test_import_page_lists_record_row_errors_and_writes_nothing(login, tree, actors):
    volunteer = make_volunteer(tree.comm_a2)
    activity = make_activity(tree.comm_a2)
    other = make_activity(tree.comm_b1, title="康城活动")

    response = login(actors.county_admin).post(
        "/admin/volunteers/servicerecord/import/",
        {
            "file": records_upload(
                [
                    f"{volunteer.id_number},{activity.pk},2.5,t",
                    f"{volunteer.id_number},{other.pk},2,f",
                ]
            )
        },
    )

    assert response.status_code == 200
    assert response.context["errors"] == [
        f"Row 3, column activity: No activity {other.pk} within your reach."
    ]
    assert ServiceRecord.objects.count() == 0
    assert PointsEntry.objects.count() == 0


def test_adding_an_activity_without_its_team_shows_the_error_on_the_form(login, tree, actors):
    response = login(actors.county_admin).post(
        "/admin/volunteers/activity/add/",
        {
            "title": "义诊",
            "starts_at_0": "2025-05-01",
            "starts_at_1": "09:00:00",
            "place": "广场",
            "area": tree.comm_a2.pk,
            "organiser_kind": "team",
            "planned_participants": "5",
        },
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {"__all__": ["Name the organising team."]}
    assert Activity.objects.count() == 0


def test_adding_a_service_point_to_a_township_shows_the_error(login, tree, actors):
    response = login(actors.county_admin).post(
        "/admin/volunteers/servicepoint/add/",
        {
            "name": "站点",
            "area": tree.town_a2.pk,
            "facility": "服务中心",
            "opened_on": "2024-01-01",
            "is_active": "on",
        },
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {"area": ["Choose a community or village."]}
    assert ServicePoint.objects.count() == 0


def team_change_data(team, membership, volunteer) -> dict:
    return {
        "name": team.name,
        "area": team.area_id,
        "sponsor_kind": team.sponsor_kind,
        "sponsor_name": "",
        "is_active": "on",
        "memberships-TOTAL_FORMS": "1",
        "memberships-INITIAL_FORMS": "1",
        "memberships-MIN_NUM_FORMS": "0",
        "memberships-MAX_NUM_FORMS": "1000",
        "memberships-0-id": membership.pk,
        "memberships-0-team": team.pk,
        "memberships-0-volunteer": volunteer.pk,
        "memberships-0-joined_on": "2024-02-01",
    }


def test_team_inline_refuses_a_volunteer_of_another_county(login, tree, actors):
    team = make_team(tree.comm_a2)
    membership = TeamMembership.objects.create(
        team=team, volunteer=make_volunteer(tree.comm_a2), joined_on=datetime.date(2024, 1, 1)
    )
    stranger = make_volunteer(tree.comm_b1, name="外县人")

    response = login(actors.county_admin).post(
        f"/admin/volunteers/team/{team.pk}/change/", team_change_data(team, membership, stranger)
    )

    assert response.status_code == 200
    assert list(response.context["inline_admin_formsets"][0].formset.errors[0]) == ["volunteer"]
    stored = TeamMembership.objects.get(pk=membership.pk)
    assert (stored.volunteer_id, stored.joined_on) == (
        membership.volunteer_id,
        datetime.date(2024, 1, 1),
    )


def test_team_inline_changes_a_membership_within_the_county(login, tree, actors):
    team = make_team(tree.comm_a2)
    membership = TeamMembership.objects.create(
        team=team, volunteer=make_volunteer(tree.comm_a2), joined_on=datetime.date(2024, 1, 1)
    )
    neighbour = make_volunteer(tree.comm_a2, name="邻居")

    response = login(actors.county_admin).post(
        f"/admin/volunteers/team/{team.pk}/change/", team_change_data(team, membership, neighbour)
    )

    assert response.status_code == 302
    stored = TeamMembership.objects.get(pk=membership.pk)
    assert (stored.volunteer_id, stored.joined_on) == (neighbour.pk, datetime.date(2024, 2, 1))


def changelist_names(response) -> list[str]:
    return sorted(str(row) for row in response.context["cl"].result_list)


def test_volunteers_filter_by_area_and_skill(login, tree, actors):
    make_volunteer(tree.comm_a1_urban, name="交通甲", skills=["medical", "legal"])
    make_volunteer(tree.comm_a1_rural, name="交通乙", skills=["legal"])
    make_volunteer(tree.comm_a2, name="公园丙", skills=["medical"])
    client = login(actors.county_admin)

    within = client.get("/admin/volunteers/volunteer/", {"within": tree.town_a1.code})
    skilled = client.get("/admin/volunteers/volunteer/", {"skill": "medical"})
    both = client.get(
        "/admin/volunteers/volunteer/", {"within": tree.town_a1.code, "skill": "medical"}
    )

    assert changelist_names(within) == ["交通乙", "交通甲"]
    assert changelist_names(skilled) == ["交通甲", "公园丙"]
    assert changelist_names(both) == ["交通甲"]


def test_area_filter_offers_the_two_levels_below_the_users_area(login, tree, actors):
    response = login(actors.county_admin).get("/admin/volunteers/team/")

    area_filter = next(
        spec for spec in response.context["cl"].filter_specs if spec.parameter_name == "within"
    )
    assert [code for code, _label in area_filter.lookup_choices] == [
        tree.town_a1.code,
        tree.comm_a1_urban.code,
        tree.comm_a1_rural.code,
        tree.town_a2.code,
        tree.comm_a2.code,
    ]


@pytest.mark.parametrize(
    ("_case", "model"),
    [("teams", "team"), ("activities", "activity"), ("records", "servicerecord")],
)
def test_area_filter_narrows_teams_activities_and_records(login, tree, actors, _case, model):
    populate(tree, "A1", tree.comm_a1_urban)
    populate(tree, "A2", tree.comm_a2)

    response = login(actors.county_admin).get(
        f"/admin/volunteers/{model}/", {"within": tree.town_a2.code}
    )

    assert [
        row.get_additional_data()["area_path"] for row in response.context["cl"].result_list
    ] == [tree.comm_a2.path]


def test_records_filter_by_the_volunteers_skill(login, tree, actors):
    activity = make_activity(tree.comm_a2)
    make_record(make_volunteer(tree.comm_a2, name="医生", skills=["medical"]), activity)
    make_record(make_volunteer(tree.comm_a2, name="律师", skills=["legal"]), activity)

    response = login(actors.county_admin).get(
        "/admin/volunteers/servicerecord/", {"skill": "medical"}
    )

    assert [row.volunteer.name for row in response.context["cl"].result_list] == ["医生"]
