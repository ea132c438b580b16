"""The yearly ledger figures on hand-computed data: hours in communities per resident worker per
week, distinct service cases and supervision hours, and the query count for many stations."""

import datetime
from decimal import Decimal

import pytest

from stations.models import ServiceLogEntry, StaffingRule, StationAssignment
from stations.rules import ledger_figures, ledger_period, overlap_days
from tests.factories import make_area, make_station
from tests.talent.factories import make_worker

pytestmark = pytest.mark.django_db

Role = StationAssignment.Role
Kind = ServiceLogEntry.Kind
D = datetime.date
YEAR_END = D(2026, 1, 15)  # as-of date after the year: the whole of 2025 counts
LONG_AGO = D(2024, 1, 1)


def assign(station, role=Role.RESIDENT, starts_on=LONG_AGO, ends_on=None, name="社工"):
    worker = make_worker(station.area, name=name)
    StationAssignment.objects.create(
        station=station,
        area=station.area,
        worker=worker,
        role=role,
        starts_on=starts_on,
        ends_on=ends_on,
    )
    return worker


def log(station, worker, served_on, hours, kind=Kind.COMMUNITY_ACTIVITY, community=None, case=""):
    return ServiceLogEntry.objects.create(
        station=station,
        area=station.area,
        worker=worker,
        served_on=served_on,
        hours=Decimal(hours),
        kind=kind,
        community=community,
        case_reference=case,
    )


@pytest.fixture
def year_of_work(tree):
    """Station A1: residents 甲 and 乙 all year, 丙 from 1 July (184 days), supervisor 丁."""
    station = make_station(tree.town_a1)
    jia = assign(station, name="甲")
    yi = assign(station, role=Role.HEAD, name="乙")
    bing = assign(station, starts_on=D(2025, 7, 1), name="丙")
    ding = assign(station, role=Role.SUPERVISOR, name="丁")
    urban, rural = tree.comm_a1_urban, tree.comm_a1_rural
    log(station, jia, D(2025, 3, 1), "3", Kind.INDIVIDUAL_CASE, urban, "C-1")
    log(station, jia, D(2025, 3, 8), "2", Kind.INDIVIDUAL_CASE, urban, "C-1")  # same case
    log(station, yi, D(2025, 4, 1), "4", Kind.INDIVIDUAL_CASE, rural, "C-2")
    log(station, yi, D(2025, 5, 1), "5.5", Kind.COMMUNITY_ACTIVITY, rural)
    log(station, bing, D(2025, 8, 1), "6", Kind.GROUP_WORK, urban)
    log(station, ding, D(2025, 8, 2), "7", Kind.COMMUNITY_ACTIVITY, urban)  # not resident
    log(station, ding, D(2025, 9, 1), "3", Kind.SUPERVISION_GIVEN)
    log(station, jia, D(2025, 10, 1), "2.5", Kind.SUPERVISION_RECEIVED)
    log(station, jia, D(2025, 11, 1), "6", Kind.TRAINING)  # no community
    log(station, jia, D(2024, 12, 31), "8", Kind.INDIVIDUAL_CASE, urban, "C-0")  # last year
    log(station, jia, D(2026, 1, 2), "8", Kind.INDIVIDUAL_CASE, urban, "C-9")  # next year
    other = make_station(tree.town_a2)
    log(other, assign(other), D(2025, 3, 1), "8", Kind.INDIVIDUAL_CASE, tree.comm_a2, "C-1")
    return station


def test_the_figures_of_a_year_by_hand(year_of_work):
    figure = ledger_figures([year_of_work], year=2025, as_of=YEAR_END)[year_of_work.pk]

    # resident-days: 365 + 365 + 184 = 914; community hours by residents: 3 + 2 + 4 + 5.5 + 6
    assert (figure.period_start, figure.period_end) == (D(2025, 1, 1), D(2025, 12, 31))
    assert figure.resident_weeks == Decimal(914) / 7
    assert figure.community_hours == Decimal("20.5")
    assert figure.hours_per_resident_week == Decimal("0.16")  # 20.5 × 7 / 914 = 0.157
    assert figure.cases == 2
    assert figure.supervision_hours == Decimal("5.5")
    assert figure.entries == 9
    assert (figure.community_hours_met, figure.cases_met, figure.supervision_met) == (
        False,
        False,
        False,
    )


def test_as_dict_names_the_rule_and_the_thresholds(year_of_work):
    figure = ledger_figures([year_of_work], year=2025, as_of=YEAR_END)[year_of_work.pk]
    data = figure.as_dict()
    assert {
        key: data[key]
        for key in (
            "resident_weeks",
            "min_hours_per_resident_week",
            "min_cases",
            "min_supervision_hours",
            "passed",
        )
    } == {
        "resident_weeks": Decimal("130.57"),
        "min_hours_per_resident_week": 24,
        "min_cases": 10,
        "min_supervision_hours": 60,
        "passed": False,
    }
    assert data["rule"]["area"] is None


@pytest.mark.parametrize(
    ("_case", "hours", "figure", "met"),
    [
        ("exactly 24 a week", ["12", "12", "12", "12"], Decimal("24.00"), True),
        ("half an hour short", ["12", "12", "12", "11.5"], Decimal("23.75"), False),
    ],
)
def test_24_hours_per_resident_week_at_the_boundary(tree, _case, hours, figure, met):
    # One resident on post for the first two weeks of the year (as of 14 January).
    station = make_station(tree.town_a1)
    worker = assign(station, starts_on=D(2025, 1, 1))
    for day, value in enumerate(hours, start=2):
        log(station, worker, D(2025, 1, day), value, Kind.GROUP_WORK, tree.comm_a1_urban)

    result = ledger_figures([station], year=2025, as_of=D(2025, 1, 14))[station.pk]

    assert (result.resident_weeks, result.hours_per_resident_week) == (Decimal(2), figure)
    assert result.community_hours_met is met


@pytest.mark.parametrize(("_case", "cases", "met"), [("10 cases", 10, True), ("9 cases", 9, False)])
def test_ten_distinct_cases_a_year(tree, _case, cases, met):
    station = make_station(tree.town_a1)
    worker = assign(station)
    for number in range(cases):
        for _session in (1, 2):  # two sessions of each case
            log(
                station,
                worker,
                D(2025, 2, 1 + number),
                "1",
                Kind.INDIVIDUAL_CASE,
                tree.comm_a1_urban,
                f"CASE-{number}",
            )

    result = ledger_figures([station], year=2025, as_of=YEAR_END)[station.pk]

    assert (result.cases, result.cases_met) == (cases, met)


@pytest.mark.parametrize(
    ("_case", "last", "total", "met"),
    [("60 hours", "4", Decimal(60), True), ("59.5 hours", "3.5", Decimal("59.5"), False)],
)
def test_sixty_supervision_hours_a_year(tree, _case, last, total, met):
    station = make_station(tree.town_a1)
    supervisor = assign(station, role=Role.SUPERVISOR)
    resident = assign(station)
    for month in range(1, 12):  # 11 × 4 hours given, then 12 received, then the last session
        log(station, supervisor, D(2025, month, 10), "4", Kind.SUPERVISION_GIVEN)
    log(station, resident, D(2025, 12, 1), "12", Kind.SUPERVISION_RECEIVED)
    log(station, supervisor, D(2025, 12, 10), last, Kind.SUPERVISION_GIVEN)

    result = ledger_figures([station], year=2025, as_of=YEAR_END)[station.pk]

    assert (result.supervision_hours, result.supervision_met) == (total, met)


def test_a_county_rule_changes_the_thresholds(tree):
    StaffingRule.objects.create(
        area=tree.county_a,
        min_service_cases=1,
        min_supervision_hours=0,
        min_community_hours_per_week=0,
    )
    station = make_station(tree.town_a1)
    worker = assign(station)
    log(station, worker, D(2025, 2, 1), "1", Kind.INDIVIDUAL_CASE, tree.comm_a1_urban, "C-1")

    result = ledger_figures([station], year=2025, as_of=YEAR_END)[station.pk]

    assert result.passed is True


def test_no_residents_give_no_figure(tree):
    station = make_station(tree.town_a1)
    result = ledger_figures([station], year=2025, as_of=YEAR_END)[station.pk]
    assert (result.hours_per_resident_week, result.community_hours_met, result.entries) == (
        None,
        False,
        0,
    )


@pytest.mark.parametrize(
    ("_case", "year", "as_of", "expected"),
    [
        ("past year", 2024, D(2025, 3, 1), (D(2024, 1, 1), D(2024, 12, 31))),
        ("this year so far", 2025, D(2025, 3, 1), (D(2025, 1, 1), D(2025, 3, 1))),
        ("future year", 2026, D(2025, 3, 1), (D(2026, 1, 1), None)),
    ],
)
def test_the_period_is_cut_at_the_as_of_date(_case, year, as_of, expected):
    assert ledger_period(year, as_of) == expected


@pytest.mark.parametrize(
    ("_case", "starts_on", "ends_on", "days"),
    [
        ("all year", D(2020, 1, 1), None, 365),
        ("from 1 July", D(2025, 7, 1), None, 184),
        ("one day", D(2025, 3, 3), D(2025, 3, 3), 1),
        ("ended before", D(2020, 1, 1), D(2024, 12, 31), 0),
    ],
)
def test_overlap_days_count_both_ends(_case, starts_on, ends_on, days):
    assert overlap_days(starts_on, ends_on, D(2025, 1, 1), D(2025, 12, 31)) == days


def test_the_figures_of_many_stations_take_the_same_queries_as_one(tree, django_assert_num_queries):
    first = make_station(tree.town_a1)
    log(first, assign(first), D(2025, 2, 1), "2", Kind.GROUP_WORK, tree.comm_a1_urban)
    with django_assert_num_queries(3):
        ledger_figures([first], year=2025, as_of=YEAR_END)

    stations = [first]
    for number in range(3, 9):
        town = make_area(f"15060200{number}000", f"街道{number}", 3, tree.county_a)
        community = make_area(f"15060200{number}001", f"社区{number}", 4, town)
        station = make_station(town)
        worker = assign(station)
        log(station, worker, D(2025, 2, 1), str(number), Kind.GROUP_WORK, community)
        stations.append(station)
    with django_assert_num_queries(3):
        results = ledger_figures(stations, year=2025, as_of=YEAR_END)

    assert [results[station.pk].community_hours for station in stations] == [2, 3, 4, 5, 6, 7, 8]
