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
