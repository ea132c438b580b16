"""The volunteers API: scoped (other county → 404, no area → nothing), masked per role, writes
through services, and list queries that do not grow with the rows."""

import datetime
from decimal import Decimal
from types import SimpleNamespace

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

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
    IssuedProof,
    PointsEntry,
    ServicePoint,
    ServiceRecord,
    ServiceRecordCorrection,
    Team,
    TeamMembership,
    Volunteer,
)

pytestmark = pytest.mark.django_db


def add_side(tree, actors, community, suffix: str) -> SimpleNamespace:
    volunteer = make_volunteer(community, name=f"志愿者{suffix}")
    team = make_team(community, name=f"服务队{suffix}")
    TeamMembership.objects.create(
        team=team, volunteer=volunteer, joined_on=datetime.date(2024, 1, 1)
    )
    point = ServicePoint.objects.create(
        area=community,
        name=f"站点{suffix}",
        facility="社区综合服务中心",
        opened_on=datetime.date(2023, 6, 1),
    )
    activity = make_activity(community, title=f"活动{suffix}", team=team)
    record = make_record(volunteer, activity, "2")
    services.record_verify(actor=actors.superuser, record=record)
    proof = IssuedProof.objects.create(
        serial=f"SERIAL{suffix}".ljust(20, "X"),
        volunteer=volunteer,
        period_start=datetime.date(2025, 1, 1),
        period_end=datetime.date(2025, 12, 31),
        total_hours=Decimal(2),
        activity_count=1,
        issuer_name=team.name,
        area=community,
        team=team,
        issued_at=timezone.now(),
        content_hash="0" * 64,
        pdf=b"%PDF-",
    )
    return SimpleNamespace(
        volunteer=volunteer,
        team=team,
        point=point,
        activity=activity,
        record=record,
        entry=PointsEntry.objects.get(volunteer=volunteer),
        proof=proof,
    )


@pytest.fixture
def sides(tree, actors):
    """One of everything in county A (交通街道, 巴音孟克社区) and in county B (康城社区)."""
    return SimpleNamespace(
        a=add_side(tree, actors, tree.comm_a1_urban, "A"),
        b=add_side(tree, actors, tree.comm_b1, "B"),
    )


ENDPOINTS = [
    ("volunteers", "volunteers", "volunteer"),
    ("teams", "teams", "team"),
    ("service_points", "volunteer-service-points", "point"),
    ("activities", "activities", "activity"),
    ("records", "service-records", "record"),
    ("ledger", "points", "entry"),
    ("proofs", "proofs", "proof"),
]


@pytest.mark.parametrize(("_case", "endpoint", "attribute"), ENDPOINTS)
@pytest.mark.parametrize(
    ("actor", "expected"),
    [
        ("superuser", {"A", "B"}),
        ("city_admin", {"A", "B"}),
        ("viewer", {"A", "B"}),
        ("county_admin", {"A"}),
        ("township_admin", {"A"}),
        ("reviewer", {"A"}),
        ("other_county_admin", {"B"}),
        ("nobody", set()),
    ],
)
def test_lists_are_the_actors_subtree(
    api, actors, sides, _case, endpoint, attribute, actor, expected
):
    ids = {side: getattr(getattr(sides, side.lower()), attribute).pk for side in ("A", "B")}

    response = api(getattr(actors, actor)).get(f"/api/v1/{endpoint}/")

    assert response.status_code == 200
    assert {row["id"] for row in response.json()["results"]} == {ids[side] for side in expected}


@pytest.mark.parametrize(("_case", "endpoint", "attribute"), ENDPOINTS)
def test_another_countys_rows_read_as_404_and_stay_unchanged(
    api, actors, sides, _case, endpoint, attribute
):
    obj = getattr(sides.b, attribute)
    client = api(actors.county_admin)
    url = f"/api/v1/{endpoint}/{obj.pk}/"

    read = client.get(url)
    change = client.patch(url, {"name": "改名", "hours": "5", "reason": "x"}, format="json")
    delete = client.delete(url)

    assert read.status_code == 404
    assert change.status_code in (404, 405)
    assert delete.status_code in (404, 405)
    assert type(obj).objects.filter(pk=obj.pk).count() == 1
    assert ServiceRecord.objects.get(pk=sides.b.record.pk).hours == Decimal(2)
    assert Volunteer.objects.get(pk=sides.b.volunteer.pk).name == "志愿者B"


@pytest.mark.parametrize(("_case", "endpoint", "attribute"), ENDPOINTS)
def test_anonymous_and_contractors_get_nothing(api, actors, sides, _case, endpoint, attribute):
    anonymous = api().get(f"/api/v1/{endpoint}/")
    contractor = api(actors.contractor).get(f"/api/v1/{endpoint}/")

    assert (anonymous.status_code, contractor.status_code) == (401, 403)


@pytest.mark.parametrize(
    ("_case", "actor", "id_number", "phone"),
    [
        ("administrator_sees_all", "county_admin", "full", "13800005678"),
        ("reviewer_masked", "reviewer", "masked", "138****5678"),
        ("viewer_masked", "viewer", "masked", "138****5678"),
    ],
)
def test_personal_data_is_masked_per_role(api, actors, sides, _case, actor, id_number, phone):
    volunteer = sides.a.volunteer
    expected_id = (
        volunteer.id_number
        if id_number == "full"
        else f"{volunteer.id_number[:4]}**********{volunteer.id_number[-4:]}"
    )

    response = api(getattr(actors, actor)).get(f"/api/v1/volunteers/{volunteer.pk}/")

    assert (response.json()["id_number"], response.json()["phone"]) == (expected_id, phone)


def test_creating_a_volunteer_with_a_bad_id_number_names_the_field(api, tree, actors):
    response = api(actors.county_admin).post(
        "/api/v1/volunteers/",
        {
            "name": "李四",
            "id_number": "150602199001010010",
            "area": tree.comm_a2.code,
            "joined_on": "2024-01-01",
        },
        format="json",
    )

    assert response.status_code == 400
    assert response.json() == {
        "id_number": ["The check digit of this resident ID number is wrong."]
    }
    assert Volunteer.objects.count() == 0


def test_creating_a_volunteer_in_another_county_reads_as_unknown_area(api, tree, actors):
    response = api(actors.county_admin).post(
        "/api/v1/volunteers/",
        {
            "name": "李四",
            "id_number": valid_id_number(3),
            "area": tree.comm_b1.code,
            "joined_on": "2024-01-01",
            "skills": ["medical"],
        },
        format="json",
    )

    assert response.status_code == 400
    assert list(response.json()) == ["area"]
    assert Volunteer.objects.count() == 0


def test_creating_a_volunteer(api, tree, actors):
    response = api(actors.county_admin).post(
        "/api/v1/volunteers/",
        {
            "name": "李四",
            "id_number": valid_id_number(3),
            "area": tree.comm_a2.code,
            "joined_on": "2024-01-01",
            "skills": ["medical", "legal"],
            "national_number": "NV001",
        },
        format="json",
    )

    assert response.status_code == 201
    stored = Volunteer.objects.get()
    assert (stored.name, stored.skills, stored.points_balance) == ("李四", ["legal", "medical"], 0)


def test_recording_and_verifying_hours_through_the_api(api, tree, actors):
    volunteer = make_volunteer(tree.comm_a2)
    activity = make_activity(tree.comm_a2)
    client = api(actors.county_admin)

    created = client.post(
        "/api/v1/service-records/",
        {"volunteer": volunteer.pk, "activity": activity.pk, "hours": "1.5"},
        format="json",
    )
    verified = client.post(
        f"/api/v1/service-records/{created.json()['id']}/verify/", {}, format="json"
    )

    assert created.status_code == 201
    assert (created.json()["is_verified"], created.json()["recorded_by"]) == (
        False,
        "county_a_admin",
    )
    assert (verified.status_code, verified.json()["is_verified"]) == (200, True)
    assert Volunteer.objects.get(pk=volunteer.pk).points_balance == 15


def test_unverify_needs_a_reason_and_changes_nothing_without(api, actors, sides):
    response = api(actors.county_admin).post(
        f"/api/v1/service-records/{sides.a.record.pk}/unverify/", {}, format="json"
    )

    assert response.status_code == 400
    assert response.json() == {"reason": ["Say why the record changes."]}
    assert ServiceRecord.objects.get(pk=sides.a.record.pk).is_verified is True
    assert PointsEntry.objects.filter(volunteer=sides.a.volunteer).count() == 1


def test_unverify_reverses_points_and_shows_in_the_history(api, actors, sides):
    client = api(actors.county_admin)

    response = client.post(
        f"/api/v1/service-records/{sides.a.record.pk}/unverify/",
        {"reason": "签到表无此人"},
        format="json",
    )
    history = client.get(f"/api/v1/service-records/{sides.a.record.pk}/corrections/")

    assert (response.status_code, response.json()["is_verified"]) == (200, False)
    assert [(row["kind"], row["reason"]) for row in history.json()] == [
        ("verify", ""),
        ("unverify", "签到表无此人"),
    ]
    assert Volunteer.objects.get(pk=sides.a.volunteer.pk).points_balance == 0


def test_another_countys_record_cannot_be_verified(api, actors, sides):
    response = api(actors.county_admin).post(
        f"/api/v1/service-records/{sides.b.record.pk}/unverify/", {"reason": "x"}, format="json"
    )

    assert response.status_code == 404
    assert ServiceRecord.objects.get(pk=sides.b.record.pk).is_verified is True


def test_reviewers_cannot_verify(api, actors, sides):
    response = api(actors.reviewer).post(
        f"/api/v1/service-records/{sides.a.record.pk}/unverify/", {"reason": "x"}, format="json"
    )

    assert response.status_code == 403
    assert ServiceRecord.objects.get(pk=sides.a.record.pk).is_verified is True


def test_patching_hours_is_a_correction_with_history(api, actors, sides):
    response = api(actors.county_admin).patch(
        f"/api/v1/service-records/{sides.a.record.pk}/",
        {"hours": "3", "reason": "补录签退时间"},
        format="json",
    )

    assert (response.status_code, response.json()["hours"]) == (200, "3.00")
    assert list(
        ServiceRecordCorrection.objects.filter(record=sides.a.record, kind="hours").values_list(
            "old_hours", "new_hours", "reason"
        )
    ) == [(Decimal(2), Decimal(3), "补录签退时间")]
    assert Volunteer.objects.get(pk=sides.a.volunteer.pk).points_balance == 30


def test_spending_points_through_the_api(api, actors, sides):
    response = api(actors.county_admin).post(
        "/api/v1/points/",
        {"volunteer": sides.a.volunteer.pk, "points": 5, "reason": "兑换毛巾", "reference": "R1"},
        format="json",
    )

    assert response.status_code == 201
    assert (
        response.json()["kind"],
        response.json()["amount"],
        response.json()["balance_after"],
    ) == (
        "spend",
        -5,
        15,
    )


def test_overdraft_through_the_api_is_400_and_writes_nothing(api, actors, sides):
    response = api(actors.county_admin).post(
        "/api/v1/points/",
        {"volunteer": sides.a.volunteer.pk, "points": 21, "reason": "兑换"},
        format="json",
    )

    assert response.status_code == 400
    assert response.json() == {"points": ["Not enough points: the balance is 20, 21 are needed."]}
    assert PointsEntry.objects.filter(volunteer=sides.a.volunteer).count() == 1
    assert Volunteer.objects.get(pk=sides.a.volunteer.pk).points_balance == 20


def test_spending_for_another_countys_volunteer_reads_as_unknown(api, actors, sides):
    response = api(actors.county_admin).post(
        "/api/v1/points/",
        {"volunteer": sides.b.volunteer.pk, "points": 1, "reason": "兑换"},
        format="json",
    )

    assert response.status_code == 400
    assert list(response.json()) == ["volunteer"]
    assert PointsEntry.objects.filter(volunteer=sides.b.volunteer).count() == 1


def test_balances_are_scoped(api, actors, sides):
    response = api(actors.county_admin).get("/api/v1/points/balances/")

    assert response.status_code == 200
    assert response.json()["results"] == [
        {"id": sides.a.volunteer.pk, "name": "志愿者A", "points_balance": 20}
    ]


def test_team_members_are_added_in_reach_only(api, actors, sides, tree):
    newcomer = make_volunteer(tree.comm_a1_urban, name="新人")
    client = api(actors.county_admin)

    added = client.post(
        f"/api/v1/teams/{sides.a.team.pk}/members/",
        {"volunteer": newcomer.pk, "joined_on": "2025-02-01"},
        format="json",
    )
    stranger = client.post(
        f"/api/v1/teams/{sides.a.team.pk}/members/",
        {"volunteer": sides.b.volunteer.pk},
        format="json",
    )

    assert added.status_code == 200
    assert [member["name"] for member in added.json()["members"]] == ["志愿者A", "新人"]
    assert (stranger.status_code, list(stranger.json())) == (400, ["volunteer"])
    assert TeamMembership.objects.filter(team=sides.a.team).count() == 2


def test_activity_organised_by_a_team_of_another_county_is_refused(api, actors, sides, tree):
    response = api(actors.county_admin).post(
        "/api/v1/activities/",
        {
            "title": "联合义诊",
            "starts_at": "2025-05-01T09:00:00+08:00",
            "place": "广场",
            "area": tree.comm_a2.code,
            "organiser_kind": "team",
            "organiser_team": sides.b.team.pk,
        },
        format="json",
    )

    assert response.status_code == 400
    assert list(response.json()) == ["organiser_team"]
    assert Activity.objects.count() == 2


def add_rows(tree, actors, start: int, stop: int) -> None:
    for index in range(start, stop):
        volunteer = make_volunteer(tree.comm_a2, name=f"批量{index}")
        team = make_team(tree.comm_a2, name=f"批量队{index}")
        TeamMembership.objects.create(
            team=team, volunteer=volunteer, joined_on=datetime.date(2024, 1, 1)
        )
        ServicePoint.objects.create(
            area=tree.comm_a2,
            name=f"批量站点{index}",
            facility="服务中心",
            opened_on=datetime.date(2024, 1, 1),
        )
        record = make_record(
            volunteer, make_activity(tree.comm_a2, title=f"批量活动{index}", team=team)
        )
        services.record_verify(actor=actors.county_admin, record=record)
        services.record_correct_hours(
            actor=actors.county_admin, record=record, hours=Decimal(3), reason="更正"
        )
        IssuedProof.objects.create(
            serial=f"BULK{index}".ljust(20, "Y"),
            volunteer=volunteer,
            period_start=datetime.date(2025, 1, 1),
            period_end=datetime.date(2025, 12, 31),
            total_hours=Decimal(3),
            activity_count=1,
            issuer_name="东胜区",
            area=tree.county_a,
            issued_by=actors.county_admin,
            issued_at=timezone.now(),
            content_hash="0" * 64,
            pdf=b"%PDF-",
        )


def count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize(
    ("_case", "url"),
    [
        ("volunteers", "/api/v1/volunteers/"),
        ("teams", "/api/v1/teams/"),
        ("points", "/api/v1/volunteer-service-points/"),
        ("activities", "/api/v1/activities/"),
        ("records", "/api/v1/service-records/"),
        ("ledger", "/api/v1/points/"),
        ("balances", "/api/v1/points/balances/"),
        ("proofs", "/api/v1/proofs/"),
    ],
)
def test_list_queries_do_not_grow_with_the_rows(api, tree, actors, _case, url):
    client = api(actors.county_admin)
    add_rows(tree, actors, 0, 1)
    client.get(url)  # warms the permission cache of the (shared) user object
    few = count_queries(client, url)

    add_rows(tree, actors, 1, 5)
    many = count_queries(client, url)

    assert few == many
    assert client.get(url).json()["count"] >= 5


def test_team_leader_from_another_county_is_refused(api, actors, sides, tree):
    response = api(actors.county_admin).post(
        "/api/v1/teams/",
        {
            "name": "新队",
            "area": tree.comm_a2.code,
            "sponsor_kind": "company",
            "leader": sides.b.volunteer.pk,
        },
        format="json",
    )

    assert (response.status_code, list(response.json())) == (400, ["leader"])
    assert Team.objects.filter(name="新队").count() == 0


def test_volunteers_filter_by_skill(api, tree, actors):
    medic = make_volunteer(tree.comm_a2, name="医生", skills=["medical", "legal"])
    make_volunteer(tree.comm_a2, name="老师", skills=["education"])

    response = api(actors.county_admin).get("/api/v1/volunteers/?skill=medical")

    assert [row["id"] for row in response.json()["results"]] == [medic.pk]


def test_activities_are_listed_latest_first_with_ties_by_id(api, actors, tree):
    march = datetime.datetime(2025, 3, 1, 9, 0, tzinfo=datetime.UTC)
    first_tie = make_activity(tree.comm_a2, title="同时甲", when=march)
    second_tie = make_activity(tree.comm_a2, title="同时乙", when=march)
    earlier = make_activity(tree.comm_a2, title="更早", when=march - datetime.timedelta(days=9))
    later = make_activity(tree.comm_a2, title="更晚", when=march + datetime.timedelta(days=9))
    make_record(make_volunteer(tree.comm_a2), second_tie, "2", verified=True)

    response = api(actors.county_admin).get("/api/v1/activities/")

    assert [row["id"] for row in response.json()["results"]] == [
        later.pk,
        first_tie.pk,
        second_tie.pk,
        earlier.pk,
    ]
