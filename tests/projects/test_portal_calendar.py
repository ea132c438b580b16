"""The portal's calendar of reports, and the stations a contractor reaches through its contracts
(portal and API), in and out of scope."""

import datetime

from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

import pytest

from projects import workflow
from projects.models import Contract, Report
from stations.roles import Role
from tests.factories import ContractorFactory, make_user
from tests.projects.conftest import make_contract
from tests.projects.test_staff_on_post import make_station

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2025, 6, 20)


def login(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


@pytest.fixture
def stranger(tree):
    """A contractor account of another contractor in the same county."""
    user = make_user("other_contractor", area=tree.county_a, role=Role.CONTRACTOR)
    user.contractor = ContractorFactory(area=tree.county_a)
    user.is_staff = False
    user.save()
    return user


@pytest.fixture
def today(monkeypatch):
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *args: TODAY)
    return TODAY


def monthly(contract, month: int) -> Report:
    return Report.objects.get(
        contract=contract, kind=Report.Kind.MONTHLY, period=datetime.date(2025, month, 1)
    )


def counts(response) -> dict[str, list[int]]:
    return {
        row["contract"].number: [count for _key, _label, count in row["counts"]]
        for row in response.context["per_contract"]
    }


# --- calendar ------------------------------------------------------------------------------------


def test_the_calendar_shows_where_each_report_stands_by_month(actors, tree, contract, today):
    # January approved, February returned, March submitted, April never submitted.
    for month in (1, 2, 3):
        workflow.report_transition(
            actor=actors.contractor, report_id=monthly(contract, month).pk, action="submit"
        )
    workflow.report_transition(
        actor=actors.reviewer, report_id=monthly(contract, 1).pk, action="approve"
    )
    workflow.report_transition(
        actor=actors.reviewer, report_id=monthly(contract, 2).pk, action="return", reason="补充"
    )
    client = login(actors.contractor)

    # Columns: due, overdue, submitted, returned, approved.
    expected = {
        "2025-02": [0, 0, 0, 0, 1],  # January's briefing, due 5 February
        "2025-03": [0, 0, 0, 1, 0],
        "2025-04": [0, 0, 1, 0, 0],
        "2025-05": [0, 1, 0, 0, 0],  # April's, due 5 May, still a draft on 20 June
        "2025-07": [1, 0, 0, 0, 0],  # June's, due 5 July
    }
    seen = {}
    for month in expected:
        response = client.get("/portal/calendar/", {"month": month})
        assert response.status_code == 200
        seen[month] = counts(response)["DS-2025-001"]

    assert seen == expected


def test_the_calendar_places_reports_on_their_due_day_and_links_them(actors, contract, today):
    response = login(actors.contractor).get("/portal/calendar/", {"month": "2025-05"})

    days = {
        day["date"]: [(r.pk, r.calendar_state) for r in day["reports"]]
        for week in response.context["weeks"]
        for day in week
        if day["reports"]
    }
    assert days == {datetime.date(2025, 5, 5): [(monthly(contract, 4).pk, "overdue")]}
    html = response.content.decode()
    assert f'href="/portal/reports/{monthly(contract, 4).pk}/"' in html
    assert 'href="?month=2025-04"' in html
    assert 'href="?month=2025-06"' in html
    # Monday first, five weeks (28 April to 1 June).
    weeks = response.context["weeks"]
    assert (weeks[0][0]["date"], weeks[-1][-1]["date"], len(weeks)) == (
        datetime.date(2025, 4, 28),
        datetime.date(2025, 6, 1),
        5,
    )


def test_the_calendar_is_this_month_by_default_and_ships_no_script(actors, contract, today):
    response = login(actors.contractor).get("/portal/calendar/")

    assert response.status_code == 200
    assert response.context["month"] == datetime.date(2025, 6, 1)
    html = response.content.decode()
    assert "<script" not in html
    assert 'name="viewport"' in html
    css = (settings.BASE_DIR / "projects/static/portal/portal.css").read_text()
    assert "@media (max-width:40rem)" in css


@pytest.mark.parametrize("_case", ["2025-13", "abc", "1999-12", "2025-06-01x"])
def test_a_bad_month_is_a_400_with_a_message(actors, contract, today, _case):
    response = login(actors.contractor).get("/portal/calendar/", {"month": _case})

    assert response.status_code == 400
    assert [str(m) for m in response.context["messages"]] == [
        "Give the month as YYYY-MM, between 2000 and 2100."
    ]
    assert response.context["month"] == datetime.date(2025, 6, 1)


def test_the_calendar_shows_only_the_contractors_own_reports(
    actors, tree, contract, stranger, today
):
    make_contract(
        actor=actors.county_admin,
        area=tree.county_a,
        number="DS-2025-002",
        contractor=stranger.contractor,
        status="active",
    )

    mine = login(actors.contractor).get("/portal/calendar/", {"month": "2025-05"})
    theirs = login(stranger).get("/portal/calendar/", {"month": "2025-05"})
    staff = login(actors.county_admin).get("/portal/calendar/", {"month": "2025-05"})

    assert list(counts(mine)) == ["DS-2025-001"]
    assert list(counts(theirs)) == ["DS-2025-002"]
    assert counts(staff) == {}


def test_the_calendar_costs_the_same_queries_for_more_contracts(actors, tree, contract, today):
    client = login(actors.contractor)
    client.get("/portal/calendar/", {"month": "2025-05"})  # warm the session
    with CaptureQueriesContext(connection) as one:
        client.get("/portal/calendar/", {"month": "2025-05"})
    for number in ("DS-2025-002", "DS-2025-003"):
        make_contract(
            actor=actors.county_admin,
            area=tree.county_a,
            number=number,
            contractor=actors.contractor_org,
            status="active",
        )

    with CaptureQueriesContext(connection) as three:
        response = client.get("/portal/calendar/", {"month": "2025-05"})

    assert len(counts(response)) == 3
    assert len(three) == len(one)


def test_the_calendar_needs_a_login(client):
    response = client.get("/portal/calendar/")

    assert response.status_code == 302
    assert response["Location"] == "/portal/login/?next=/portal/calendar/"


# --- stations through contracts ------------------------------------------------------------------


@pytest.fixture
def served(actors, tree):
    """交通街道's station under the contractor's active contract; 公园街道's under nobody's."""
    station = make_station(tree.town_a1, "交通街道社工站")
    make_contract(
        actor=actors.county_admin,
        area=tree.county_a,
        number="DS-S-1",
        contractor=actors.contractor_org,
        station_ids=[station.pk],
        status="active",
    )
    return station


def stations_url(number: str, station=None) -> str:
    contract = Contract.objects.get(number=number)
    suffix = f"{station.pk}/" if station is not None else ""
    return f"/api/v1/contracts/{contract.pk}/stations/{suffix}"


def test_a_contractor_sees_the_stations_of_its_contracts_in_the_api(api, actors, tree, served):
    make_station(tree.town_a2, "公园街道社工站")

    response = api(actors.contractor).get(stations_url("DS-S-1"))

    assert response.status_code == 200
    assert [
        (row["id"], row["name"], row["area"], row["contracts"])
        for row in response.json()["results"]
    ] == [(served.pk, "交通街道社工站", "150602001000", ["DS-S-1"])]
    detail = api(actors.contractor).get(stations_url("DS-S-1", served))
    assert (detail.status_code, detail.json()["area_name"]) == (200, "交通街道")


def test_stations_out_of_the_contractors_contracts_are_404(api, actors, tree, served, stranger):
    unserved = make_station(tree.town_a2, "公园街道社工站")
    theirs = make_station(tree.town_b1, "哈巴格希街道社工站")
    make_contract(
        actor=actors.other_county_admin,
        area=tree.county_b,
        number="KBS-S-1",
        station_ids=[theirs.pk],
        status="active",
    )
    contractor, other = api(actors.contractor), api(stranger)

    assert [
        contractor.get(stations_url("DS-S-1", unserved)).status_code,
        contractor.get(stations_url("DS-S-1", theirs)).status_code,
        contractor.get(stations_url("KBS-S-1")).status_code,
        contractor.get(stations_url("KBS-S-1", theirs)).status_code,
        other.get(stations_url("DS-S-1")).status_code,
        other.get(stations_url("DS-S-1", served)).status_code,
        contractor.get("/api/v1/contracts/-1/stations/").status_code,
    ] == [404] * 7
    # The stations API itself stays closed to contractors.
    assert contractor.get(f"/api/v1/stations/{served.pk}/").status_code == 403


def test_the_contract_stations_are_read_only(api, actors, served):
    url = stations_url("DS-S-1", served)

    by_contractor = api(actors.contractor).patch(url, {"name": "改名"}, format="json")
    by_admin = api(actors.county_admin).patch(url, {"name": "改名"}, format="json")

    assert (by_contractor.status_code, by_admin.status_code) == (403, 405)
    served.refresh_from_db()
    assert served.name == "交通街道社工站"


def test_a_contract_not_in_force_reaches_no_station(api, actors, tree):
    station = make_station(tree.town_a1, "交通街道社工站")
    make_contract(
        actor=actors.county_admin,
        area=tree.county_a,
        number="DS-P-1",
        contractor=actors.contractor_org,
        station_ids=[station.pk],
    )

    listed = api(actors.contractor).get(stations_url("DS-P-1"))
    detail = api(actors.contractor).get(stations_url("DS-P-1", station))

    assert (listed.status_code, listed.json()["results"], detail.status_code) == (200, [], 404)


def test_staff_see_the_contracted_stations_of_their_subtree(api, actors, served):
    county = api(actors.county_admin).get(stations_url("DS-S-1"))
    other = api(actors.other_county_admin).get(stations_url("DS-S-1"))

    assert [row["id"] for row in county.json()["results"]] == [served.pk]
    assert other.status_code == 404


def test_the_contract_stations_list_costs_fixed_queries(api, actors, tree):
    stations = [
        make_station(area, f"{area.name}站")
        for area in (tree.town_a1, tree.town_a2, tree.comm_a1_urban)
    ]
    for number, served_ids in (
        ("DS-Q-1", [stations[0].pk]),
        ("DS-Q-3", [s.pk for s in stations[1:]]),
    ):
        make_contract(
            actor=actors.county_admin,
            area=tree.county_a,
            number=number,
            contractor=actors.contractor_org,
            station_ids=served_ids,
            status="active",
        )
    client = api(actors.contractor)
    client.get(stations_url("DS-Q-1"))  # warm the permission cache

    with CaptureQueriesContext(connection) as one:
        first = client.get(stations_url("DS-Q-1"))
    with CaptureQueriesContext(connection) as two:
        second = client.get(stations_url("DS-Q-3"))

    assert (first.json()["count"], second.json()["count"]) == (1, 2)
    assert len(two) == len(one)


def test_the_portal_shows_the_stations_of_a_contract_and_their_page(actors, tree, served):
    client = login(actors.contractor)
    contract = served.contracts.get()

    contract_page = client.get(f"/portal/contracts/{contract.pk}/")
    station_page = client.get(f"/portal/stations/{served.pk}/")

    assert [s.pk for s in contract_page.context["stations"]] == [served.pk]
    assert f'href="/portal/stations/{served.pk}/"' in contract_page.content.decode()
    assert station_page.status_code == 200
    assert [c.number for c in station_page.context["station"].reachable_contracts] == ["DS-S-1"]


def test_the_portal_station_page_is_404_out_of_scope(actors, tree, served, stranger):
    unserved = make_station(tree.town_a2, "公园街道社工站")

    assert login(actors.contractor).get(f"/portal/stations/{unserved.pk}/").status_code == 404
    assert login(stranger).get(f"/portal/stations/{served.pk}/").status_code == 404
    assert login(actors.contractor).get("/portal/stations/-1/").status_code == 404
