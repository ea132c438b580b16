"""Station metrics on a hand-made network with hand-computed values."""

import datetime
from decimal import Decimal

import pytest

from reports.engine import Tree
from reports.metric_defs import metric_by_key
from stations.models import ServiceLogEntry, StationAssignment, StationInspection
from talent.models import Worker
from tests.factories import make_station
from tests.talent.factories import make_worker

pytestmark = pytest.mark.django_db
D = datetime.date
Kind = ServiceLogEntry.Kind
SIX = ["premises", "equipment", "staff", "functions", "rules", "workflow"]


def residents(station, majors):
    workers = []
    for major in majors:
        worker = make_worker(station.area, major=major)
        StationAssignment.objects.create(
            station=station,
            area=station.area,
            worker=worker,
            role=StationAssignment.Role.RESIDENT,
            starts_on=D(2024, 1, 1),
        )
        workers.append(worker)
    return workers


def log(station, worker, served_on, hours, kind, community=None, case=""):
    return ServiceLogEntry(
        station=station,
        area=station.area,
        worker=worker,
        served_on=served_on,
        hours=Decimal(hours),
        kind=kind,
        community=community,
        case_reference=case,
    )


def inspect(station, on, failing=()):
    StationInspection.objects.create(
        station=station,
        area=station.area,
        inspected_on=on,
        **{f"{item}_passed": item not in failing for item in SIX},
    )


@pytest.fixture
def network(tree):
    sw, other = Worker.Major.SOCIAL_WORK, Worker.Major.OTHER
    good = make_station(tree.town_a1)
    make_station(tree.town_a2, status="planned")
    weak = make_station(tree.town_b1)
    make_station(tree.comm_a2)  # an operating community room
    jia, yi, _bing = residents(good, [sw, sw, other])  # two thirds qualified: passes
    residents(weak, [sw, other, other])  # one third: fails
    inspect(good, D(2025, 1, 10), failing=["rules"])
    inspect(good, D(2025, 6, 10))  # the latest wins: passes
    inspect(weak, D(2025, 6, 10), failing=["equipment"])
    entries = [
        log(
            good,
            jia,
            D(2025, 1, 6) + datetime.timedelta(weeks=week, days=day),
            "5",
            Kind.COMMUNITY_ACTIVITY,
            tree.comm_a1_urban,
        )
        for week in range(52)
        for day in range(5)
    ]
    entries += [
        log(good, yi, D(2025, 2, day), "1", Kind.INDIVIDUAL_CASE, tree.comm_a1_urban, f"C-{day}")
        for day in range(1, 11)
    ]
    entries += [log(good, yi, D(2025, 3, day), "10", Kind.SUPERVISION_GIVEN) for day in range(1, 7)]
    entries += [
        log(
            weak,
            make_worker(tree.town_b1),
            D(2025, 2, day),
            "1",
            Kind.INDIVIDUAL_CASE,
            tree.comm_b1,
            f"W-{day}",
        )
        for day in range(1, 10)
    ]
    entries.append(
        log(
            weak,
            make_worker(tree.town_b1),
            D(2024, 5, 1),
            "2",
            Kind.COMMUNITY_ACTIVITY,
            tree.comm_b1,
        )
    )
    ServiceLogEntry.objects.bulk_create(entries)
    return tree


def values(tree, key, year=2025):
    metric = metric_by_key()[key]
    facts = metric.compute(Tree(tree.city.path), year)
    return [
        None if (value := metric.value(*facts[area.path])) is None else str(value)
        for area in (tree.city, tree.county_a, tree.county_b)
    ]


def test_township_station_coverage_counts_operating_stations(network):
    assert values(network, "township_station_coverage") == ["66.6667", "50.0000", "100.0000"]


def test_community_coverage_by_rooms_and_the_ledger_of_the_year(network):
    # comm_a2 has a room; comm_a1_urban and comm_b1 are named in the 2025 ledger
    assert values(network, "community_social_work_coverage") == ["75.0000", "66.6667", "100.0000"]
    # in 2024 only comm_b1 was served, and the room still counts
    assert values(network, "community_social_work_coverage", year=2024) == [
        "50.0000",
        "33.3333",
        "100.0000",
    ]


def test_staffing_share(network):
    assert values(network, "station_staffing_share") == ["50.0000", "100.0000", "0.0000"]


def test_six_haves_share_by_the_latest_inspection(network):
    assert values(network, "station_six_haves_share") == ["50.0000", "100.0000", "0.0000"]


def test_cases_and_supervision_share(network):
    # good: 10 cases and 60 supervision hours; weak: 9 cases, no supervision
    assert values(network, "station_cases_supervision_share") == ["50.0000", "100.0000", "0.0000"]


def test_resident_hours_share(network):
    # 甲: 52 weeks × 5 days × 5 h over 365 days = 24.93 h a week; the five other residents have nothing
    assert values(network, "resident_hours_share") == ["16.6667", "33.3333", "0.0000"]


def test_no_station_means_no_data_for_shares(tree):
    assert values(tree, "station_staffing_share") == [None, None, None]
    assert values(tree, "township_station_coverage") == ["0.0000", "0.0000", "0.0000"]
