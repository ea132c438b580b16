"""The "no data" cases: a metric without a denominator has no value, never zero or an error."""

import datetime
from decimal import Decimal

import pytest

from reports.engine import Tree
from reports.metric_defs import metric_by_key
from stations.models import AdminArea, ServiceLogEntry, StationAssignment
from tests.factories import make_area, make_station
from tests.orgs.factories import make_orgs
from tests.talent.factories import make_worker

pytestmark = pytest.mark.django_db
Level = AdminArea.Level


def value(tree, key, area, year=2025):
    metric = metric_by_key()[key]
    facts = metric.compute(Tree(tree.city.path), year)
    return metric.value(*facts[area.path])


@pytest.fixture
def bare_county(tree):
    """A county of the city with no township (so no community) below it."""
    return make_area("150621000000", "达拉特旗", Level.COUNTY, tree.city)


@pytest.mark.parametrize(
    ("_case", "key"),
    [
        ("stations_over_townships", "township_station_coverage"),
        ("federations_over_townships", "federation_coverage"),
        ("social_work_over_communities", "community_social_work_coverage"),
        ("service_points_over_communities", "volunteer_point_coverage"),
    ],
)
def test_coverage_without_townships_or_communities_is_no_data(tree, bare_county, _case, key):
    # The city's own areas give a denominator and nothing covered: zero, not "no data".
    assert (value(tree, key, tree.city), value(tree, key, bare_county)) == (Decimal(0), None)


@pytest.mark.parametrize("key", ["station_six_haves_share", "station_cases_supervision_share"])
def test_station_shares_without_an_operating_township_station_are_no_data(tree, key):
    make_station(tree.town_a1, status="planned")
    make_station(tree.comm_a2)  # a community room is no township station
    assert [value(tree, key, area) for area in (tree.city, tree.county_a, tree.town_a1)] == [
        None,
        None,
        None,
    ]


def test_resident_hours_share_without_residents_is_no_data(tree):
    station = make_station(tree.town_a1)
    supervisor = make_worker(tree.town_a1)
    StationAssignment.objects.create(
        station=station,
        area=tree.town_a1,
        worker=supervisor,
        role=StationAssignment.Role.SUPERVISOR,
        starts_on=datetime.date(2025, 1, 1),
    )
    ServiceLogEntry.objects.create(
        station=station,
        area=tree.town_a1,
        worker=supervisor,
        served_on=datetime.date(2025, 3, 3),
        hours=Decimal(8),
        kind=ServiceLogEntry.Kind.COMMUNITY_ACTIVITY,
        community=tree.comm_a1_urban,
    )
    assert [
        value(tree, "resident_hours_share", area)
        for area in (tree.city, tree.county_a, tree.town_a1)
    ] == [None, None, None]


def test_urban_organisation_metrics_without_urban_communities_are_no_data(tree):
    county = make_area("150622000000", "准格尔旗", Level.COUNTY, tree.city)
    town = make_area("150622001000", "薛家湾镇", Level.TOWNSHIP, county)
    village = make_area(
        "150622001201", "东孔兑村", Level.COMMUNITY, town, urban_rural=AdminArea.UrbanRural.RURAL
    )
    make_orgs(village, 3)

    assert [
        value(tree, key, county)
        for key in (
            "urban_community_orgs_min",
            "urban_community_orgs_avg",
            "rural_community_orgs_min",
            "rural_community_orgs_avg",
        )
    ] == [None, None, Decimal(3), Decimal(3)]
