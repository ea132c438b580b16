"""The stations and six-haves inspections API: scoping, writes through the services, filters."""

import datetime

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

import pytest

from stations.models import Station, StationInspection, StationStatusChange, User
from stations.station_selectors import six_haves_result, with_latest_inspection
from tests.factories import make_area, make_station

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
DAY = datetime.timedelta(days=1)
ALL_PASSED = {
    f"{item}_passed": True
    for item in ("premises", "equipment", "staff", "functions", "rules", "workflow")
}


@pytest.fixture
def network(tree):
    """A centre in each county, stations in three townships, a room in one community."""
    return {
        "centre_a": make_station(tree.county_a),
        "station_a1": make_station(tree.town_a1),
        "station_a2": make_station(tree.town_a2, status="building", opened_on=None),
        "room_a1": make_station(tree.comm_a1_urban),
        "centre_b": make_station(tree.county_b),
        "station_b1": make_station(tree.town_b1),
    }


def inspect(station, on, **passed):
    return StationInspection.objects.create(
        station=station, area=station.area, inspected_on=on, **{**ALL_PASSED, **passed}
    )


def names(response) -> set[str]:
    return {row["area"] for row in response.json()["results"]}


@pytest.mark.parametrize(
    ("_case", "actor", "expected"),
    [
        ("superuser", "superuser", 6),
        ("city", "city_admin", 6),
        ("county", "county_admin", 4),
        ("township", "township_admin", 2),
        ("other county", "other_county_admin", 2),
        ("viewer", "viewer", 6),
        ("no area", "nobody", 0),
    ],
)
@pytest.mark.parametrize("endpoint", ["stations", "station-inspections"])
def test_lists_are_the_actors_subtree(api, actors, network, _case, actor, expected, endpoint):
    for station in network.values():
        inspect(station, TODAY)
    response = api(getattr(actors, actor)).get(f"/api/v1/{endpoint}/")
    assert response.status_code == 200
    assert response.json()["count"] == expected


@pytest.mark.parametrize("endpoint", ["stations", "station-inspections"])
def test_anonymous_gets_nothing(api, network, endpoint):
    assert api().get(f"/api/v1/{endpoint}/").status_code == 401


def test_contractor_role_does_not_see_stations(api, actors, network):
    assert api(actors.contractor).get("/api/v1/stations/").status_code == 403


def test_another_countys_station_is_not_found(api, actors, network):
    station = network["station_b1"]
    client = api(actors.county_admin)

    read = client.get(f"/api/v1/stations/{station.pk}/")
    change = client.patch(f"/api/v1/stations/{station.pk}/", {"name": "改名"}, format="json")
    status_change = client.post(
        f"/api/v1/stations/{station.pk}/status/",
        {"status": "suspended", "on": TODAY.isoformat()},
        format="json",
    )
    delete = client.delete(f"/api/v1/stations/{station.pk}/")

    assert [r.status_code for r in (read, change, status_change, delete)] == [404] * 4
    stored = Station.objects.get(pk=station.pk)
    assert (stored.name, stored.status) == ("康巴什区哈巴格希街道社会工作服务站", "operating")


def test_another_countys_inspection_is_not_found(api, actors, network):
    inspection = inspect(network["station_b1"], TODAY, rules_passed=False)
    client = api(actors.county_admin)

    read = client.get(f"/api/v1/station-inspections/{inspection.pk}/")
    change = client.patch(
        f"/api/v1/station-inspections/{inspection.pk}/", {"rules_passed": True}, format="json"
    )
    delete = client.delete(f"/api/v1/station-inspections/{inspection.pk}/")

    assert [r.status_code for r in (read, change, delete)] == [404, 404, 404]
    assert StationInspection.objects.get(pk=inspection.pk).rules_passed is False


def test_unknown_station_is_not_found(api, actors):
    assert api(actors.superuser).get("/api/v1/stations/-1/").status_code == 404


def test_creating_a_station_through_the_api(api, tree, actors):
    response = api(actors.county_admin).post(
        "/api/v1/stations/",
        {
            "area": tree.town_a2.code,
            "address": "公园街道党群服务中心二楼",
            "host_facility": "party_mass_centre",
            "status": "planned",
        },
        format="json",
    )

    assert response.status_code == 201
    body = response.json()
    assert {
        key: body[key] for key in ("kind", "area", "signboard_name", "status", "six_haves")
    } == {
        "kind": "township_station",
        "area": "150602002000",
        "signboard_name": "东胜区公园街道社会工作服务站",
        "status": "planned",
        "six_haves": {
            "inspection": None,
            "inspected_on": None,
            "meets_standard": None,
            "failing_items": [],
        },
    }
    assert StationStatusChange.objects.get().to_status == "planned"


def test_a_second_township_station_through_the_api_is_a_400_naming_the_area(
    api, tree, actors, network
):
    response = api(actors.county_admin).post(
        "/api/v1/stations/", {"area": tree.town_a1.code}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {
        "area": [
            "交通街道 already has a township (street) social-work station: "
            f"东胜区交通街道社会工作服务站 (station {network['station_a1'].pk})."
        ]
    }
    assert Station.objects.filter(area=tree.town_a1).count() == 1


def test_a_second_county_centre_through_the_api_is_a_400(api, tree, actors, network):
    response = api(actors.county_admin).post(
        "/api/v1/stations/", {"area": tree.county_a.code, "kind": "county_centre"}, format="json"
    )
    assert response.status_code == 400
    assert list(response.json()) == ["area"]
    assert Station.objects.filter(area=tree.county_a).count() == 1


def test_creating_in_another_county_reads_as_an_unknown_area(api, tree, actors):
    response = api(actors.county_admin).post(
        "/api/v1/stations/", {"area": tree.town_b1.code}, format="json"
    )
    assert response.status_code == 400
    assert list(response.json()) == ["area"]
    assert Station.objects.count() == 0


def test_the_status_changes_through_its_own_action(api, actors, network):
    station = network["station_a2"]

    response = api(actors.county_admin).post(
        f"/api/v1/stations/{station.pk}/status/",
        {"status": "operating", "on": TODAY.isoformat(), "note": "挂牌运营"},
        format="json",
    )
    update = api(actors.county_admin).patch(
        f"/api/v1/stations/{station.pk}/", {"status": "closed"}, format="json"
    )

    assert response.status_code == 200
    assert (response.json()["status"], response.json()["opened_on"]) == (
        "operating",
        TODAY.isoformat(),
    )
    assert update.status_code == 200
    assert Station.objects.get(pk=station.pk).status == "operating"
    assert list(station.status_changes.values_list("to_status", "note")) == [
        ("operating", "挂牌运营")
    ]


def test_a_bad_status_change_is_a_400(api, actors, network):
    station = network["station_a2"]
    response = api(actors.county_admin).post(
        f"/api/v1/stations/{station.pk}/status/",
        {"status": "planned", "on": TODAY.isoformat()},
        format="json",
    )
    assert response.status_code == 400
    assert response.json() == {"status": ["A station cannot go from “Being built” to “Planned”."]}
    assert Station.objects.get(pk=station.pk).status == "building"


def test_a_viewer_cannot_change_the_status(api, actors, network):
    station = network["station_a2"]
    response = api(actors.viewer).post(
        f"/api/v1/stations/{station.pk}/status/",
        {"status": "operating", "on": TODAY.isoformat()},
        format="json",
    )
    assert response.status_code == 403
    assert Station.objects.get(pk=station.pk).status == "building"


@pytest.mark.parametrize(
    ("_case", "query", "expected"),
    [
        ("area", "area=150602001000", {"150602001000"}),
        ("within", "within=150602001000", {"150602001000", "150602001001"}),
        ("within county", "within=150603000000", {"150603000000", "150603001000"}),
        ("kind", "kind=county_centre", {"150602000000", "150603000000"}),
        ("status", "status=building", {"150602002000"}),
        ("six haves met", "six_haves=met", {"150602001000"}),
        ("six haves failing", "six_haves=failing", {"150603001000"}),
        ("within unknown", "within=150699000000", set()),
    ],
)
def test_station_filters(api, actors, network, _case, query, expected):
    inspect(network["station_a1"], TODAY - DAY)
    inspect(network["station_b1"], TODAY - DAY, staff_passed=False)
    response = api(actors.superuser).get(f"/api/v1/stations/?{query}")
    assert names(response) == expected


def test_six_haves_follow_the_latest_inspection(api, actors, network):
    station = network["station_a1"]
    inspect(station, TODAY - 10 * DAY)
    latest = inspect(station, TODAY - DAY, equipment_passed=False, rules_passed=False)
    inspect(network["station_a2"], TODAY, premises_passed=False)

    response = api(actors.county_admin).get(f"/api/v1/stations/{station.pk}/")

    assert response.json()["six_haves"] == {
        "inspection": latest.pk,
        "inspected_on": (TODAY - DAY).isoformat(),
        "meets_standard": False,
        "failing_items": ["equipment", "rules"],
    }


def test_an_older_inspection_entered_later_does_not_win(api, actors, network):
    station = network["station_a1"]
    inspect(station, TODAY - DAY)
    inspect(station, TODAY - 30 * DAY, premises_passed=False)

    response = api(actors.county_admin).get(f"/api/v1/stations/{station.pk}/")

    assert response.json()["six_haves"]["meets_standard"] is True


def test_the_station_list_issues_a_constant_number_of_queries(api, tree, actors, network):
    for station in network.values():
        inspect(station, TODAY)

    def fresh_client():
        return api(User.objects.get(pk=actors.city_admin.pk))

    with CaptureQueriesContext(connection) as before:
        first = fresh_client().get("/api/v1/stations/")
    for number in range(3, 8):
        town = make_area(f"15060200{number}000", f"街道{number}", 3, tree.county_a)
        inspect(make_station(town), TODAY, staff_passed=False)
    with CaptureQueriesContext(connection) as after:
        second = fresh_client().get("/api/v1/stations/")

    assert (first.json()["count"], second.json()["count"]) == (6, 11)
    assert len(after.captured_queries) == len(before.captured_queries)


def test_creating_an_inspection_copies_the_stations_area(api, actors, network):
    station = network["station_a1"]
    response = api(actors.county_admin).post(
        "/api/v1/station-inspections/",
        {
            "station": station.pk,
            "inspected_on": TODAY.isoformat(),
            "inspector": "区民政局 王",
            **ALL_PASSED,
            "workflow_passed": False,
            "workflow_note": "服务流程未上墙",
        },
        format="json",
    )
    assert response.status_code == 201
    body = response.json()
    assert (body["area"], body["meets_standard"], body["failing_items"]) == (
        "150602001000",
        False,
        ["workflow"],
    )
    assert body["items"][5] == {
        "item": "workflow",
        "label": "Standard workflow",
        "passed": False,
        "note": "服务流程未上墙",
    }
    assert StationInspection.objects.get().area_id == station.area_id


@pytest.mark.parametrize(
    ("_case", "payload", "field"),
    [
        ("future", {"inspected_on": (TODAY + DAY).isoformat()}, "inspected_on"),
        ("same day twice", {"inspected_on": TODAY.isoformat()}, "__all__"),
    ],
)
def test_bad_inspections_are_a_400(api, actors, network, _case, payload, field):
    station = network["station_a1"]
    inspect(station, TODAY)
    response = api(actors.county_admin).post(
        "/api/v1/station-inspections/", {"station": station.pk, **payload}, format="json"
    )
    assert response.status_code == 400
    assert list(response.json()) == [field]
    assert StationInspection.objects.count() == 1


def test_an_inspection_of_another_countys_station_is_refused(api, actors, network):
    response = api(actors.county_admin).post(
        "/api/v1/station-inspections/",
        {"station": network["station_b1"].pk, "inspected_on": TODAY.isoformat()},
        format="json",
    )
    assert response.status_code == 400
    assert list(response.json()) == ["station"]
    assert StationInspection.objects.count() == 0


def test_the_inspection_list_issues_a_constant_number_of_queries(api, actors, network):
    def fresh_client():
        return api(User.objects.get(pk=actors.city_admin.pk))

    inspect(network["station_a1"], TODAY)
    with CaptureQueriesContext(connection) as before:
        fresh_client().get("/api/v1/station-inspections/")
    for offset, station in enumerate(network.values()):
        inspect(station, TODAY - (offset + 1) * DAY)
    with CaptureQueriesContext(connection) as after:
        response = fresh_client().get("/api/v1/station-inspections/")

    assert response.json()["count"] == 7
    assert len(after.captured_queries) == len(before.captured_queries)


def test_the_latest_inspection_selector_is_one_query(network, django_assert_num_queries):
    for offset, station in enumerate(network.values()):
        inspect(station, TODAY - 10 * DAY)
        inspect(station, TODAY - DAY, rules_passed=offset % 2 == 0)

    with django_assert_num_queries(1):
        results = [
            six_haves_result(station)
            for station in with_latest_inspection(Station.objects.order_by("area__code"))
        ]

    # By area code: centre A, station A1, room A1, station A2, centre B, station B1.
    assert [result.meets_standard for result in results] == [True, False, False, True, True, False]


@pytest.mark.parametrize(
    ("_case", "query", "expected"),
    [
        ("area", {"area": "150602001000"}, {"150602001000"}),
        ("within a township", {"within": "150602001000"}, {"150602001000", "150602001001"}),
        ("within a county", {"within": "150603000000"}, {"150603000000", "150603001000"}),
        ("kind", {"kind": "county_centre"}, {"150602000000", "150603000000"}),
        ("status", {"status": "building"}, {"150602002000"}),
        (
            "kind and within",
            {"kind": "township_station", "within": "150602000000"},
            {
                "150602001000",
                "150602002000",
            },
        ),
    ],
)
def test_inspection_list_filters(api, actors, network, _case, query, expected):
    for station in network.values():
        inspect(station, TODAY)

    response = api(actors.city_admin).get("/api/v1/station-inspections/", query)

    assert response.status_code == 200
    assert names(response) == expected
    assert response.json()["count"] == len(expected)


def test_an_unknown_inspection_filter_value_is_a_400(api, actors, network):
    response = api(actors.city_admin).get("/api/v1/station-inspections/", {"kind": "palace"})

    assert (response.status_code, list(response.json())) == (400, ["kind"])
