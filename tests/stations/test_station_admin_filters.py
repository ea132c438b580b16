"""The list filters of the inspection, staff and ledger admins: by area (the shared
`AreaListFilter`), by the station's status and by period (the date hierarchy)."""

import datetime
from decimal import Decimal

import pytest

from stations.admin_base import AreaListFilter
from stations.models import ServiceLogEntry, StationAssignment, StationInspection, User
from stations.station_admin import (
    ServiceLogEntryAdmin,
    StationAdmin,
    StationAssignmentAdmin,
    StationInspectionAdmin,
)
from tests.factories import make_station
from tests.talent.factories import make_worker

pytestmark = pytest.mark.django_db

D = datetime.date
CHANGELISTS = {
    "inspections": "/admin/stations/stationinspection/",
    "staff": "/admin/stations/stationassignment/",
    "ledger": "/admin/stations/servicelogentry/",
}


@pytest.fixture
def admin_client_for(client):
    def login(user):
        client.force_login(User.objects.get(pk=user.pk))
        return client

    return login


@pytest.fixture
def rows(tree):
    """One station per township of county A (交通 operating, 公园 suspended) and one in county B;
    each with an inspection, an assignment and a ledger entry dated in 2024 (交通) or 2025."""
    made = {}
    for area, status, year in (
        (tree.town_a1, "operating", 2024),
        (tree.town_a2, "suspended", 2025),
        (tree.town_b1, "operating", 2025),
    ):
        station = make_station(area, status=status, opened_on=D(2023, 1, 1))
        worker = make_worker(area, name=f"社工{area.code[-6:-3]}")
        StationInspection.objects.create(
            station=station, area=area, inspected_on=D(year, 6, 1), premises_passed=True
        )
        StationAssignment.objects.create(
            station=station, area=area, worker=worker, role="resident", starts_on=D(year, 3, 1)
        )
        ServiceLogEntry.objects.create(
            station=station,
            area=area,
            worker=worker,
            served_on=D(year, 7, 1),
            kind="community",
            community=area.children.first(),
            hours=Decimal(3),
        )
        made[area.code] = station
    return made


def test_the_stations_admins_share_one_area_filter():
    filters = [
        admin_class.list_filter[0]
        for admin_class in (
            StationAdmin,
            StationInspectionAdmin,
            StationAssignmentAdmin,
            ServiceLogEntryAdmin,
        )
    ]
    assert filters == [AreaListFilter] * 4


@pytest.mark.parametrize("changelist", list(CHANGELISTS))
@pytest.mark.parametrize(
    ("_case", "actor", "query", "expected"),
    [
        ("all of the city", "city_admin", "", {"150602001000", "150602002000", "150603001000"}),
        ("area: a county", "city_admin", "within=150603000000", {"150603001000"}),
        ("area: a township", "county_admin", "within=150602002000", {"150602002000"}),
        ("area: outside the reach", "county_admin", "within=150603000000", set()),
        ("area: unknown code", "county_admin", "within=999999999999", set()),
        ("status: suspended", "city_admin", "station__status__exact=suspended", {"150602002000"}),
        (
            "status: operating",
            "county_admin",
            "station__status__exact=operating",
            {"150602001000"},
        ),
        ("period: a year", "city_admin", "{date}__year=2024", {"150602001000"}),
        (
            "period and status",
            "city_admin",
            "{date}__year=2025&station__status__exact=operating",
            {"150603001000"},
        ),
    ],
)
def test_filters_of_inspections_staff_and_ledger(
    admin_client_for, actors, rows, changelist, _case, actor, query, expected
):
    date_field = {"inspections": "inspected_on", "staff": "starts_on", "ledger": "served_on"}
    url = f"{CHANGELISTS[changelist]}?{query.format(date=date_field[changelist])}"

    response = admin_client_for(getattr(actors, actor)).get(url)

    assert response.status_code == 200
    assert {row.area.code for row in response.context["cl"].result_list} == expected


@pytest.mark.parametrize(
    ("_case", "actor", "choices"),
    [
        (
            "city: counties and their townships",
            "city_admin",
            [
                ("150602000000", "东胜区"),
                ("150602001000", "— 交通街道"),
                ("150602002000", "— 公园街道"),
                ("150603000000", "康巴什区"),
                ("150603001000", "— 哈巴格希街道"),
            ],
        ),
        (
            "township: its communities",
            "township_admin",
            [("150602001001", "巴音孟克社区"), ("150602001201", "添尔漫梁村")],
        ),
        ("no area: nothing", "nobody", []),
    ],
)
def test_the_area_filter_offers_the_levels_below_the_users_area(
    admin_client_for, actors, rows, _case, actor, choices
):
    response = admin_client_for(getattr(actors, actor)).get(CHANGELISTS["ledger"])

    # A filter without choices is left off the page.
    offered = [
        spec.lookup_choices
        for spec in response.context["cl"].filter_specs
        if isinstance(spec, AreaListFilter)
    ]
    assert offered == ([choices] if choices else [])
