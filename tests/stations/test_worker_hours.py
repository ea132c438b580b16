"""Jinan's "resident staff serve in communities 24 hours or more a week", per resident worker:
each one's community hours over their own weeks on post, in the rules, the API and the admin."""

import datetime
from decimal import Decimal

import pytest

from stations import rules
from stations.models import ServiceLogEntry, StationAssignment, User
from tests.factories import make_station
from tests.talent.factories import make_worker

pytestmark = pytest.mark.django_db

D = datetime.date
YEAR = 2025


def days(first: datetime.date, last: datetime.date):
    day = first
    while day <= last:
        yield day
        day += datetime.timedelta(days=1)


@pytest.fixture
def station(tree):
    """交通街道's station in 2025:
    - 王芳, resident all year, 3.5 h in a community every day: 1277.5 h over 365/7 weeks = 24.50;
    - 李强, resident from 1 July (184 days), 3 h a day from then: 552 h over 184/7 weeks = 21.00,
      and 8 h on 30 June before joining (not counted) and training without a community;
    - 赵敏, resident 1–14 March (2 weeks), 4 × 12 h: 48 h over 2 weeks = 24.00 (the boundary);
    - 陈刚, a supervisor: never resident, not listed.
    """
    station = make_station(tree.town_a1, opened_on=D(2024, 1, 1))
    community = tree.comm_a1_urban
    workers = {
        name: make_worker(tree.town_a1, name=name) for name in ("王芳", "李强", "赵敏", "陈刚")
    }
    for name, role, starts_on, ends_on in (
        ("王芳", "resident", D(2024, 1, 1), None),
        ("李强", "resident", D(YEAR, 7, 1), None),
        ("赵敏", "head", D(YEAR, 3, 1), D(YEAR, 3, 14)),
        ("陈刚", "supervisor", D(2024, 1, 1), None),
    ):
        StationAssignment.objects.create(
            station=station,
            area=tree.town_a1,
            worker=workers[name],
            role=role,
            starts_on=starts_on,
            ends_on=ends_on,
        )

    def entry(name, served_on, hours, *, kind="community", where=community):
        return ServiceLogEntry(
            station=station,
            area=tree.town_a1,
            worker=workers[name],
            served_on=served_on,
            kind=kind,
            community=where,
            hours=Decimal(hours),
        )

    entries = [entry("王芳", day, "3.5") for day in days(D(YEAR, 1, 1), D(YEAR, 12, 31))]
    entries += [entry("李强", day, "3") for day in days(D(YEAR, 7, 1), D(YEAR, 12, 31))]
    entries += [
        entry("李强", D(YEAR, 6, 30), "8"),
        entry("李强", D(YEAR, 8, 1), "6", kind="training", where=None),
        *[entry("赵敏", D(YEAR, 3, day), "12") for day in (2, 3, 9, 10)],
        entry("陈刚", D(YEAR, 5, 5), "3", kind="supervision_given", where=None),
        # 2024 is another year.
        entry("王芳", D(2024, 12, 31), "10"),
    ]
    ServiceLogEntry.objects.bulk_create(entries)
    return station


def test_each_resident_worker_has_their_own_weekly_figure(station):
    figures = rules.worker_hours([station], year=YEAR)[station.pk]

    assert [
        (f.name, f.days_on_post, f.community_hours, f.hours_per_week, f.met) for f in figures
    ] == [
        ("李强", 184, Decimal("552.0"), Decimal("21.00"), False),
        ("王芳", 365, Decimal("1277.5"), Decimal("24.50"), True),
        ("赵敏", 14, Decimal("48.0"), Decimal("24.00"), True),
    ]


def test_the_station_figure_is_the_workers_figures_pooled(station):
    figures = rules.ledger_figures([station], year=YEAR)[station.pk]

    # (1277.5 + 552 + 48) h over (365 + 184 + 14) / 7 weeks.
    assert (figures.community_hours, figures.hours_per_resident_week) == (
        Decimal("1877.5"),
        Decimal("23.34"),
    )


def test_the_rule_of_the_area_sets_each_workers_minimum(station, tree):
    from stations.models import StaffingRule

    StaffingRule.objects.create(area=tree.county_a, min_community_hours_per_week=Decimal(21))

    figures = rules.worker_hours([station], year=YEAR)[station.pk]

    assert [(f.name, f.minimum, f.met) for f in figures] == [
        ("李强", Decimal("21.0"), True),
        ("王芳", Decimal("21.0"), True),
        ("赵敏", Decimal("21.0"), True),
    ]


def test_the_figures_cost_three_queries_whatever_the_stations(
    station, tree, django_assert_num_queries
):
    other = make_station(tree.town_a2)
    stations = list(
        type(station).objects.filter(pk__in=[station.pk, other.pk]).select_related("area")
    )

    with django_assert_num_queries(3):
        figures = rules.worker_hours(stations, year=YEAR)

    assert (len(figures[station.pk]), figures[other.pk]) == (3, [])


def test_the_station_detail_in_the_api_lists_each_workers_hours(station, api, actors):
    response = api(actors.county_admin).get(f"/api/v1/stations/{station.pk}/?year={YEAR}")

    assert response.status_code == 200
    assert [
        (row["name"], row["days_on_post"], row["hours_per_week"], row["met"])
        for row in response.json()["resident_hours"]
    ] == [("李强", 184, 21.0, False), ("王芳", 365, 24.5, True), ("赵敏", 14, 24.0, True)]
    assert response.json()["resident_hours"][1] == {
        "worker": response.json()["resident_hours"][1]["worker"],
        "name": "王芳",
        "days_on_post": 365,
        "resident_weeks": 52.14,
        "community_hours": 1277.5,
        "hours_per_week": 24.5,
        "min_hours_per_week": 24.0,
        "met": True,
    }


def test_the_station_detail_of_another_county_is_not_found(station, api, actors):
    response = api(actors.other_county_admin).get(f"/api/v1/stations/{station.pk}/?year={YEAR}")
    assert response.status_code == 404


def test_the_station_change_page_shows_each_workers_hours(station, client, actors):
    client.force_login(User.objects.get(pk=actors.county_admin.pk))

    response = client.get(f"/admin/stations/station/{station.pk}/change/")

    assert response.status_code == 200
    page = response.content.decode()
    assert (
        "李强: 21.00 h/week in communities over 26.29 weeks on post (≥ 24): short<br>"
        "王芳: 24.50 h/week in communities over 52.14 weeks on post (≥ 24): meets<br>"
        "赵敏: 24.00 h/week in communities over 2.00 weeks on post (≥ 24): meets"
    ) in page
