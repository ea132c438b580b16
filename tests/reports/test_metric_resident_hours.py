"""The report's share of resident workers serving 24 hours a week in communities agrees, worker
by worker, with the figure the station page shows (`stations.rules.worker_hours`)."""

import datetime
from decimal import Decimal

import pytest

from reports.engine import Tree
from reports.metric_defs import metric_by_key
from stations.models import ServiceLogEntry, StationAssignment
from stations.rules import worker_hours
from tests.factories import make_station
from tests.talent.factories import make_worker

pytestmark = pytest.mark.django_db
D = datetime.date
WEEK_START, WEEK_END = D(2025, 3, 3), D(2025, 3, 9)  # seven days on post: one resident-week


def resident_for_a_week(station, name):
    worker = make_worker(station.area, name=name)
    StationAssignment.objects.create(
        station=station,
        area=station.area,
        worker=worker,
        role=StationAssignment.Role.RESIDENT,
        starts_on=WEEK_START,
        ends_on=WEEK_END,
    )
    return worker


def entry(station, worker, served_on, hours, community):
    return ServiceLogEntry(
        station=station,
        area=station.area,
        worker=worker,
        served_on=served_on,
        kind=ServiceLogEntry.Kind.COMMUNITY_ACTIVITY,
        community=community,
        hours=Decimal(hours),
    )


@pytest.fixture
def week(tree):
    """交通街道's station: 甲 logs 24 h in the week (meets); 乙 logs 23 h in the week and 5 h the
    day after their assignment ended (not resident then, so it does not count: 23 h, fails).
    康巴什区's station: 丙 logs 12 h in a community and 20 h naming none (12 h, fails)."""
    own = make_station(tree.town_a1, opened_on=D(2024, 1, 1), status_since=D(2024, 1, 1))
    other = make_station(tree.town_b1, opened_on=D(2024, 1, 1), status_since=D(2024, 1, 1))
    first, second = resident_for_a_week(own, "甲"), resident_for_a_week(own, "乙")
    third = resident_for_a_week(other, "丙")
    community = tree.comm_a1_urban
    ServiceLogEntry.objects.bulk_create(
        [
            *(
                entry(own, first, WEEK_START + datetime.timedelta(days=d), "8", community)
                for d in range(3)
            ),
            *(
                entry(own, second, WEEK_START + datetime.timedelta(days=d), "23", community)
                for d in [0]
            ),
            entry(own, second, WEEK_END + datetime.timedelta(days=1), "5", community),
            entry(other, third, WEEK_START, "12", tree.comm_b1),
            entry(other, third, WEEK_END, "20", None),
        ]
    )
    return own, other


def test_the_station_page_figures_of_the_week(week):
    own, other = week

    figures = worker_hours([own, other], year=2025, as_of=D(2025, 12, 31))

    assert [(f.name, f.hours_per_week, f.met) for f in figures[own.pk]] == [
        ("乙", Decimal("23.00"), False),
        ("甲", Decimal("24.00"), True),
    ]
    assert [(f.name, f.hours_per_week, f.met) for f in figures[other.pk]] == [
        ("丙", Decimal("12.00"), False)
    ]


@pytest.mark.parametrize(
    ("_case", "area", "facts", "value"),
    [
        ("city", "city", (1, 3), "33.3333"),
        ("county_a", "county_a", (1, 2), "50.0000"),
        ("township_a1", "town_a1", (1, 2), "50.0000"),
        ("county_b", "county_b", (0, 1), "0.0000"),
        ("no_residents", "town_a2", (0, None), None),
    ],
)
def test_the_report_share_counts_the_same_workers(tree, week, _case, area, facts, value):
    metric = metric_by_key()["resident_hours_share"]

    computed = metric.compute(Tree(tree.city.path), 2025)[getattr(tree, area).path]

    assert computed == tuple(None if f is None else Decimal(f) for f in facts)
    shown = metric.value(*computed)
    assert (None if shown is None else str(shown)) == value


def test_a_year_before_anyone_was_resident_has_no_data(tree, week):
    metric = metric_by_key()["resident_hours_share"]

    computed = metric.compute(Tree(tree.city.path), 2024)

    assert computed[tree.city.path] == (Decimal(0), None)
