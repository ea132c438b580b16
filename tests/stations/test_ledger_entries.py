"""Ledger entries through the service: the community within the station's area, staff on the
date, case references, a day's 24 hours and the people served by group."""

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError

import pytest

from stations.models import ServiceLogEntry, StationAssignment
from stations.station_services import log_entry_save
from tests.factories import make_station
from tests.talent.factories import make_worker

pytestmark = pytest.mark.django_db

D = datetime.date
Kind = ServiceLogEntry.Kind


@pytest.fixture
def staff(tree):
    station = make_station(tree.town_a1, opened_on=D(2024, 1, 1), status_since=D(2024, 1, 1))
    resident = make_worker(tree.town_a1, name="王五")
    supervisor = make_worker(tree.county_a, name="督导赵")
    for worker, role in ((resident, "resident"), (supervisor, "supervisor")):
        StationAssignment.objects.create(
            station=station, area=station.area, worker=worker, role=role, starts_on=D(2024, 1, 1)
        )
    return station, resident, supervisor


def entry(station, worker, **fields):
    values = {
        "served_on": D(2025, 3, 3),
        "kind": Kind.COMMUNITY_ACTIVITY,
        "hours": Decimal(3),
        "community": station.area.children.order_by("code").first(),
        **fields,
    }
    return ServiceLogEntry(station=station, worker=worker, **values)


def refused(actor, new_entry) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as raised:
        log_entry_save(actor=actor, entry=new_entry)
    return raised.value.message_dict


def test_an_entry_is_recorded_with_its_stations_area(tree, actors, staff):
    station, resident, _supervisor = staff
    saved = log_entry_save(
        actor=actors.township_admin,
        entry=entry(
            station,
            resident,
            kind=Kind.INDIVIDUAL_CASE,
            case_reference=" jt-2025 007 ",
            people_served={"lone_elderly": 1, "disabled": 1},
        ),
    )
    stored = ServiceLogEntry.objects.get(pk=saved.pk)
    assert (stored.area, stored.case_reference, stored.recorded_by, stored.people_served) == (
        tree.town_a1,
        "JT-2025007",
        actors.township_admin,
        {"lone_elderly": 1, "disabled": 1},
    )


@pytest.mark.parametrize(
    ("_case", "community", "message"),
    [
        (
            "another township's community",
            "comm_a2",
            "宝日陶亥社区 is not a community or village within 交通街道.",
        ),
        (
            "the township itself",
            "town_a1",
            "交通街道 is not a community or village within 交通街道.",
        ),
    ],
)
def test_the_community_served_is_within_the_stations_township(
    tree, actors, staff, _case, community, message
):
    station, resident, _supervisor = staff
    errors = refused(
        actors.county_admin, entry(station, resident, community=getattr(tree, community))
    )
    assert errors == {"community": [message]}
    assert ServiceLogEntry.objects.count() == 0


@pytest.mark.parametrize(
    ("_case", "fields", "expected"),
    [
        (
            "not on staff yet",
            {"served_on": D(2023, 12, 31)},
            {
                "served_on": ["The station had not opened by this date."],
                "worker": ["王五 is not on the staff of this station on 2023-12-31."],
            },
        ),
        (
            "case without reference",
            {"kind": Kind.INDIVIDUAL_CASE},
            {"case_reference": ["Individual case work needs the case's reference."]},
        ),
        (
            "reference on group work",
            {"kind": Kind.GROUP_WORK, "case_reference": "X-1"},
            {"case_reference": ["Only individual case work has a case reference."]},
        ),
        (
            "community work without a community",
            {"community": None},
            {"community": ["Name the community or village served."]},
        ),
        (
            "supervision in a community",
            {"kind": Kind.SUPERVISION_RECEIVED},
            {"community": ["Supervision is not work in a community; leave the community empty."]},
        ),
        (
            "supervision given by a resident",
            {"kind": Kind.SUPERVISION_GIVEN, "community": None},
            {"kind": ["Supervision given is recorded by a supervisor of the station."]},
        ),
        (
            "unknown group",
            {"people_served": {"students": 3}},
            {"people_served": ["Unknown groups: students."]},
        ),
        (
            "zero people",
            {"people_served": {"veterans": 0}},
            {"people_served": ["The count for veterans must be a whole number from 1 to 100,000."]},
        ),
        (
            "too many hours",
            {"hours": Decimal("24.5")},
            {"hours": ["Ensure this value is less than or equal to 24."]},
        ),
    ],
)
def test_bad_entries_are_refused_naming_the_field(tree, actors, staff, _case, fields, expected):
    station, resident, _supervisor = staff
    assert refused(actors.county_admin, entry(station, resident, **fields)) == expected
    assert ServiceLogEntry.objects.count() == 0


def test_supervision_given_by_the_stations_supervisor(actors, staff):
    station, _resident, supervisor = staff
    log_entry_save(
        actor=actors.county_admin,
        entry=entry(station, supervisor, kind=Kind.SUPERVISION_GIVEN, community=None),
    )
    assert ServiceLogEntry.objects.get().kind == Kind.SUPERVISION_GIVEN


def test_a_day_has_24_hours(actors, staff):
    station, resident, _supervisor = staff
    log_entry_save(actor=actors.county_admin, entry=entry(station, resident, hours=Decimal(20)))

    errors = refused(actors.county_admin, entry(station, resident, hours=Decimal("4.5")))
    log_entry_save(actor=actors.county_admin, entry=entry(station, resident, hours=Decimal(4)))

    assert errors == {"hours": ["王五 already has 20.0 hours on 2025-03-03; a day has 24."]}
    assert ServiceLogEntry.objects.count() == 2


def test_an_entry_of_another_countys_station_is_refused(tree, actors):
    station = make_station(tree.town_b1, opened_on=D(2024, 1, 1), status_since=D(2024, 1, 1))
    worker = make_worker(tree.town_b1)
    errors = refused(actors.county_admin, entry(station, worker))
    assert errors == {"station": ["No such area within your reach."]}
    assert ServiceLogEntry.objects.count() == 0


RESIDENT_ONLY = (
    "Service work and supervision received are recorded by the station's head or resident "
    "social workers."
)


@pytest.mark.parametrize(
    ("_case", "fields"),
    [
        ("individual case", {"kind": Kind.INDIVIDUAL_CASE, "case_reference": "C-1"}),
        ("group work", {"kind": Kind.GROUP_WORK}),
        ("community activity", {}),
        ("needs survey", {"kind": Kind.NEEDS_SURVEY}),
        ("supervision received", {"kind": Kind.SUPERVISION_RECEIVED, "community": None}),
    ],
)
def test_a_supervisor_does_not_record_resident_work(actors, staff, _case, fields):
    station, _resident, supervisor = staff

    errors = refused(actors.county_admin, entry(station, supervisor, **fields))

    assert errors == {"kind": [RESIDENT_ONLY]}
    assert ServiceLogEntry.objects.count() == 0


@pytest.mark.parametrize(
    ("_case", "role", "kind"),
    [
        ("supervisor's training", "supervisor", Kind.TRAINING),
        ("resident receives supervision", "resident", Kind.SUPERVISION_RECEIVED),
        ("head's case", "head", Kind.INDIVIDUAL_CASE),
    ],
)
def test_staff_record_the_work_of_their_role(tree, actors, staff, _case, role, kind):
    station, _resident, _supervisor = staff
    worker = make_worker(tree.town_a1, name="李四")
    StationAssignment.objects.create(
        station=station, area=station.area, worker=worker, role=role, starts_on=D(2024, 1, 1)
    )
    community = station.area.children.order_by("code").first()
    fields = {
        "kind": kind,
        "community": community if kind == Kind.INDIVIDUAL_CASE else None,
        "case_reference": "C-1" if kind == Kind.INDIVIDUAL_CASE else "",
    }

    log_entry_save(actor=actors.county_admin, entry=entry(station, worker, **fields))

    assert ServiceLogEntry.objects.values_list("worker__name", "kind").get() == ("李四", kind)
