"""The Ordos network demo: idempotent, and every rule both passes and fails somewhere."""

import datetime

import pytest

from stations import demo, network_demo, rules
from stations.models import (
    AdminArea,
    ServiceLogEntry,
    Station,
    StationAssignment,
    StationInspection,
    StationStatusChange,
)
from stations.station_selectors import six_haves_result, with_latest_inspection
from talent import demo as talent_demo

pytestmark = pytest.mark.django_db(transaction=False)

MODELS = (Station, StationStatusChange, StationInspection, StationAssignment, ServiceLogEntry)


def counts() -> list[int]:
    return [model.objects.count() for model in MODELS]


def test_the_network_demo_is_idempotent_and_mixed():
    demo.load()
    talent_demo.load()
    network_demo.load_network()
    first = counts()

    network_demo.load_network()

    assert counts() == first
    townships = list(
        with_latest_inspection(
            Station.objects.filter(kind=Station.Kind.TOWNSHIP_STATION).select_related("area")
        )
    )
    real_townships = AdminArea.objects.filter(level=3, is_virtual=False).exclude(
        code__regex=r"^\d{6}4"
    )
    counties = AdminArea.objects.filter(level=2, is_virtual=False)
    assert 0.75 * real_townships.count() < len(townships) < real_townships.count()
    assert Station.objects.filter(kind=Station.Kind.COUNTY_CENTRE).count() == counties.count()
    checks, figures = rules.rule_results(townships, on=datetime.date(2025, 12, 31), year=2025)
    operating = [station for station in townships if station.status == "operating"]
    outcomes = {
        "six haves": {six_haves_result(station).meets_standard for station in townships},
        "staffing": {checks[station.pk].passed for station in operating},
        "hours": {figures[station.pk].community_hours_met for station in operating},
        "cases": {figures[station.pk].cases_met for station in operating},
        "supervision": {figures[station.pk].supervision_met for station in operating},
    }
    assert outcomes == {
        "six haves": {True, False, None},
        "staffing": {True, False},
        "hours": {True, False},
        "cases": {True, False},
        "supervision": {True, False},
    }
