"""Monthly briefing timeliness on a hand-made set of contracts, including "no data"."""

import datetime
from decimal import Decimal

from django.utils import timezone

import pytest

from projects.models import Contract, Report
from reports import metric_defs
from reports.engine import Tree
from reports.metric_defs import metric_by_key
from tests.factories import ContractorFactory, make_station

pytestmark = pytest.mark.django_db
D = datetime.date
MONTHLY = Report.Kind.MONTHLY


def contract(county, number, stations=()):
    made = Contract.objects.create(
        area=county,
        contractor=ContractorFactory(area=county),
        number=number,
        title="社工站运营项目",
        start_date=D(2024, 12, 1),
        end_date=D(2027, 11, 30),
        price=Decimal("300000.00"),
    )
    made.stations.set(stations)
    return made


def briefing(contract_, period, due_date, submitted_on=None, kind=MONTHLY):
    return Report.objects.create(
        contract=contract_,
        kind=kind,
        period=period,
        due_date=due_date,
        first_submitted_on=submitted_on,
    )


@pytest.fixture
def briefings(tree):
    station_a1, station_a2 = make_station(tree.town_a1), make_station(tree.town_a2)
    one_township = contract(tree.county_a, "DS-1", [station_a1])
    briefing(one_township, D(2024, 12, 1), D(2025, 1, 5), D(2025, 1, 4))  # due in 2025, on time
    briefing(one_township, D(2025, 1, 1), D(2025, 2, 5), D(2025, 2, 5))  # on the day: on time
    briefing(one_township, D(2025, 2, 1), D(2025, 3, 5), D(2025, 3, 10))  # late
    briefing(one_township, D(2025, 3, 1), D(2025, 4, 5))  # missing
    briefing(one_township, D(2025, 12, 1), D(2026, 1, 5), D(2026, 1, 2))  # due in 2026
    briefing(one_township, D(2025, 6, 1), D(2025, 7, 5), D(2025, 7, 1), kind=Report.Kind.MID_TERM)
    no_station = contract(tree.county_a, "DS-2")
    briefing(no_station, D(2025, 1, 1), D(2025, 2, 5), D(2025, 2, 1))
    briefing(no_station, D(2025, 2, 1), D(2025, 3, 5), D(2025, 3, 1))
    two_townships = contract(tree.county_a, "DS-3", [station_a1, station_a2])
    briefing(two_townships, D(2025, 1, 1), D(2025, 2, 5))  # missing
    return tree


def values(tree, year=2025):
    metric = metric_by_key()["monthly_report_timeliness"]
    facts = metric.compute(Tree(tree.city.path), year)
    areas = (tree.city, tree.county_a, tree.town_a1, tree.town_a2, tree.county_b)
    return [
        None if (value := metric.value(*facts[area.path])) is None else str(value) for area in areas
    ]


def test_timeliness_counts_each_contract_once_where_its_stations_are(briefings):
    # town A1: 2 of 4 on time; county A adds the contract without stations (2 of 2) and the one
    # serving two townships (0 of 1): 4 of 7. Town A2 and county B have nothing due.
    assert values(briefings) == ["57.1429", "57.1429", "50.0000", None, None]


def test_timeliness_counts_only_briefings_already_due(briefings, monkeypatch):
    monkeypatch.setattr(timezone, "localdate", lambda *args: D(2025, 3, 5))
    # due before 5 March: town A1's first two (both on time), DS-2's January and DS-3's January
    assert values(briefings) == ["75.0000", "75.0000", "100.0000", None, None]


def test_timeliness_has_no_data_when_no_briefing_is_due(briefings):
    assert values(briefings, year=2024) == [None, None, None, None, None]


def test_timeliness_without_contracts_is_no_data(tree):
    assert values(tree) == [None, None, None, None, None]


def test_timeliness_reads_a_fixed_number_of_queries(briefings, django_assert_num_queries):
    engine_tree = Tree(briefings.city.path)
    with django_assert_num_queries(2):
        metric_defs.monthly_report_timeliness(engine_tree, 2025)
