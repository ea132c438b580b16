"""The station-staff and service-logs API (scoping, writes, filters, query counts) and the
staffing and ledger results on the station detail."""

import datetime
from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext

import pytest

from stations.models import ServiceLogEntry, StationAssignment, User
from tests.factories import make_area, make_station
from tests.talent.factories import make_certificate, make_id_number, make_worker

pytestmark = pytest.mark.django_db

D = datetime.date
OPENED = D(2024, 1, 1)
BORN = D(1990, 1, 1)


def staffed(area, *, community=None, staff=3, birth=BORN):
    station = make_station(area, opened_on=OPENED, status_since=OPENED)
    workers = []
    for number in range(staff):
        worker = make_worker(area, name=f"社工{number}", id_number=make_id_number(birth))
        make_certificate(worker)
        StationAssignment.objects.create(
            station=station, area=area, worker=worker, role="resident", starts_on=OPENED
        )
        workers.append(worker)
        if community is not None:
            ServiceLogEntry.objects.create(
                station=station,
                area=area,
                worker=worker,
                served_on=D(2025, 3, 1),
                kind="case",
                case_reference=f"C-{number}",
                community=community,
                hours=Decimal(2),
            )
    return station, workers


@pytest.fixture
def network(tree):
    own, own_workers = staffed(tree.town_a1, community=tree.comm_a1_urban)
    other, other_workers = staffed(tree.town_b1, community=tree.comm_b1)
    return own, own_workers, other, other_workers


@pytest.mark.parametrize(
    ("_case", "actor", "expected"),
    [
        ("superuser", "superuser", 6),
        ("city", "city_admin", 6),
        ("county", "county_admin", 3),
        ("township", "township_admin", 3),
        ("other county", "other_county_admin", 3),
        ("no area", "nobody", 0),
    ],
)
@pytest.mark.parametrize("endpoint", ["station-staff", "service-logs"])
def test_lists_are_the_actors_subtree(api, actors, network, _case, actor, expected, endpoint):
    response = api(getattr(actors, actor)).get(f"/api/v1/{endpoint}/")
    assert response.status_code == 200
    assert response.json()["count"] == expected


@pytest.mark.parametrize("endpoint", ["station-staff", "service-logs"])
def test_anonymous_gets_nothing(api, network, endpoint):
    assert api().get(f"/api/v1/{endpoint}/").status_code == 401


def test_another_countys_staff_and_entries_are_not_found(api, actors, network):
    _own, _own_workers, other, _other_workers = network
    assignment = StationAssignment.objects.filter(station=other).first()
    entry = ServiceLogEntry.objects.filter(station=other).first()
    client = api(actors.county_admin)

    responses = [
        client.get(f"/api/v1/station-staff/{assignment.pk}/"),
        client.patch(f"/api/v1/station-staff/{assignment.pk}/", {"note": "x"}, format="json"),
        client.delete(f"/api/v1/station-staff/{assignment.pk}/"),
        client.get(f"/api/v1/service-logs/{entry.pk}/"),
        client.patch(f"/api/v1/service-logs/{entry.pk}/", {"hours": "1"}, format="json"),
        client.delete(f"/api/v1/service-logs/{entry.pk}/"),
    ]

    assert [response.status_code for response in responses] == [404] * 6
    assert StationAssignment.objects.get(pk=assignment.pk).note == ""
    assert ServiceLogEntry.objects.get(pk=entry.pk).hours == Decimal(2)


def test_assigning_a_worker_through_the_api(api, tree, actors, network):
    own = network[0]
    worker = make_worker(tree.town_a1, name="新人")
    response = api(actors.county_admin).post(
        "/api/v1/station-staff/",
        {"station": own.pk, "worker": worker.pk, "role": "supervisor", "starts_on": "2025-01-01"},
        format="json",
    )
    assert response.status_code == 201
    assert (response.json()["worker_name"], response.json()["area"]) == ("新人", "150602001000")


def test_a_second_resident_post_is_a_400(api, tree, actors, network):
    _own, own_workers, *_other = network
    second = make_station(tree.town_a2, opened_on=OPENED, status_since=OPENED)
    response = api(actors.county_admin).post(
        "/api/v1/station-staff/",
        {
            "station": second.pk,
            "worker": own_workers[0].pk,
            "role": "resident",
            "starts_on": "2025-01-01",
        },
        format="json",
    )
    assert response.status_code == 400
    assert list(response.json()) == ["worker"]
    assert StationAssignment.objects.filter(station=second).count() == 0


def test_a_worker_of_another_county_reads_as_unknown(api, actors, network):
    own, _own_workers, _other, other_workers = network
    response = api(actors.county_admin).post(
        "/api/v1/station-staff/",
        {
            "station": own.pk,
            "worker": other_workers[0].pk,
            "role": "supervisor",
            "starts_on": "2025-01-01",
        },
        format="json",
    )
    assert response.status_code == 400
    assert list(response.json()) == ["worker"]
    assert StationAssignment.objects.filter(station=own).count() == 3


def test_recording_a_ledger_entry_through_the_api(api, tree, actors, network):
    own, own_workers, *_other = network
    response = api(actors.township_admin).post(
        "/api/v1/service-logs/",
        {
            "station": own.pk,
            "worker": own_workers[0].pk,
            "served_on": "2025-04-02",
            "kind": "group",
            "community": tree.comm_a1_rural.code,
            "hours": "2.5",
            "people_served": {"left_behind_children": 12},
            "volunteers": 3,
        },
        format="json",
    )
    assert response.status_code == 201
    body = response.json()
    assert (body["community"], body["hours"], body["people_served"]) == (
        "150602001201",
        2.5,
        {"left_behind_children": 12},
    )


def test_a_community_of_another_county_reads_as_unknown(api, tree, actors, network):
    own, own_workers, *_other = network
    response = api(actors.county_admin).post(
        "/api/v1/service-logs/",
        {
            "station": own.pk,
            "worker": own_workers[0].pk,
            "served_on": "2025-04-02",
            "kind": "group",
            "community": tree.comm_b1.code,
            "hours": "2",
        },
        format="json",
    )
    assert response.status_code == 400
    assert list(response.json()) == ["community"]
    assert ServiceLogEntry.objects.filter(station=own).count() == 3


@pytest.mark.parametrize(
    ("_case", "query", "expected"),
    [
        ("kind", "kind=case", 6),
        ("area", "area=150602001000", 3),
        ("within", "within=150603000000", 3),
        ("year", "year=2025", 6),
        ("other year", "year=2024", 0),
        ("community", "community=150602001001", 3),
        ("station status", "status=operating", 6),
    ],
)
def test_service_log_filters(api, actors, network, _case, query, expected):
    response = api(actors.superuser).get(f"/api/v1/service-logs/?{query}")
    assert response.json()["count"] == expected


@pytest.mark.parametrize(
    ("_case", "query", "expected"),
    [
        ("role", "role=resident", 6),
        ("running", "active_on=2025-01-01", 6),
        ("before", "active_on=2023-12-31", 0),
        ("kind", "kind=township_station", 6),
        ("within", "within=150602001000", 3),
    ],
)
def test_station_staff_filters(api, actors, network, _case, query, expected):
    response = api(actors.superuser).get(f"/api/v1/station-staff/?{query}")
    assert response.json()["count"] == expected


def test_the_station_detail_shows_staffing_and_the_years_figures(api, actors, network):
    own = network[0]

    response = api(actors.county_admin).get(f"/api/v1/stations/{own.pk}/?on=2025-06-30&year=2025")

    body = response.json()
    assert body["staffing"] == {
        "on": "2025-06-30",
        "applies": True,
        "passed": True,
        "rule": {"area": None, "area_name": None, "label": "the default rule"},
        "resident_staff": 3,
        "qualified": 3,
        "failures": [],
    }
    ledger = body["ledger"]
    assert {
        key: ledger[key]
        for key in ("year", "period_end", "community_hours", "cases", "supervision_hours", "passed")
    } == {
        "year": 2025,
        "period_end": "2025-06-30",
        "community_hours": 6.0,
        "cases": 3,
        "supervision_hours": 0.0,
        "passed": False,
    }
    # 6 hours over three residents for the 181 days to 30 June.
    assert ledger["resident_weeks"] == 77.57
    assert ledger["hours_per_resident_week"] == 0.08


def test_the_staffing_failure_names_the_people(api, tree, actors):
    station, _workers = staffed(tree.town_a2, staff=3, birth=D(1980, 1, 1))
    response = api(actors.county_admin).get(f"/api/v1/stations/{station.pk}/?on=2025-06-30")
    assert response.json()["staffing"]["failures"] == [
        {
            "code": "over_age",
            "message": "Older than 40 on 2025-06-30: 社工0 (45), 社工1 (45), 社工2 (45).",
            "people": ["社工0 (45)", "社工1 (45)", "社工2 (45)"],
        }
    ]


@pytest.mark.parametrize(
    ("_case", "query", "field"),
    [("bad date", "on=30-06-2025", "on"), ("bad year", "year=25", "year")],
)
def test_bad_parameters_are_a_400(api, actors, network, _case, query, field):
    response = api(actors.county_admin).get(f"/api/v1/stations/{network[0].pk}/?{query}")
    assert response.status_code == 400
    assert list(response.json()) == [field]


@pytest.mark.parametrize("endpoint", ["stations", "station-staff", "service-logs"])
def test_list_queries_do_not_grow_with_rows(api, tree, actors, network, endpoint):
    def fresh_client():
        return api(User.objects.get(pk=actors.city_admin.pk))

    with CaptureQueriesContext(connection) as before:
        first = fresh_client().get(f"/api/v1/{endpoint}/")
    for number in range(3, 7):
        town = make_area(f"15060200{number}000", f"街道{number}", 3, tree.county_a)
        staffed(town, community=make_area(f"15060200{number}001", f"社区{number}", 4, town))
    with CaptureQueriesContext(connection) as after:
        second = fresh_client().get(f"/api/v1/{endpoint}/")

    assert second.json()["count"] > first.json()["count"]
    assert len(after.captured_queries) == len(before.captured_queries)
