"""Staff assignments: scope, dates, and no worker resident at two stations at once."""

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError

import pytest

from stations.models import ServiceLogEntry, StationAssignment
from stations.station_services import assignment_delete, assignment_save
from tests.factories import make_station
from tests.talent.factories import make_worker

pytestmark = pytest.mark.django_db

D = datetime.date
Role = StationAssignment.Role
NEW_YEAR = D(2025, 1, 1)


@pytest.fixture
def stations(tree):
    return make_station(tree.town_a1), make_station(tree.town_a2), make_station(tree.town_b1)


def assignment(station, worker, role=Role.RESIDENT, starts_on=NEW_YEAR, ends_on=None):
    return StationAssignment(
        station=station, worker=worker, role=role, starts_on=starts_on, ends_on=ends_on
    )


def test_assigning_copies_the_stations_area(tree, actors, stations):
    worker = make_worker(tree.town_a1)
    saved = assignment_save(actor=actors.county_admin, assignment=assignment(stations[0], worker))
    assert StationAssignment.objects.get(pk=saved.pk).area == tree.town_a1


@pytest.mark.parametrize(
    ("_case", "first", "second", "refused"),
    [
        ("open-ended overlaps", (D(2025, 1, 1), None), (D(2025, 6, 1), None), True),
        ("same last and first day", (D(2025, 1, 1), D(2025, 5, 31)), (D(2025, 5, 31), None), True),
        ("one after the other", (D(2025, 1, 1), D(2025, 5, 31)), (D(2025, 6, 1), None), False),
        ("before an open one", (D(2025, 6, 1), None), (D(2025, 1, 1), D(2025, 5, 31)), False),
        ("inside", (D(2025, 1, 1), D(2025, 12, 31)), (D(2025, 3, 1), D(2025, 3, 2)), True),
    ],
)
def test_no_worker_is_resident_at_two_stations_at_once(
    tree, actors, stations, _case, first, second, refused
):
    worker = make_worker(tree.town_a1, name="李四")
    assignment_save(
        actor=actors.county_admin, assignment=assignment(stations[0], worker, Role.HEAD, *first)
    )
    later = assignment(stations[1], worker, Role.RESIDENT, *second)

    if refused:
        with pytest.raises(ValidationError) as raised:
            assignment_save(actor=actors.county_admin, assignment=later)
        assert [error.code for error in raised.value.error_dict["worker"]] == ["assignment_overlap"]
    else:
        assignment_save(actor=actors.county_admin, assignment=later)
    assert StationAssignment.objects.count() == (1 if refused else 2)


def test_the_overlap_message_names_the_other_station(tree, actors, stations):
    worker = make_worker(tree.town_a1, name="李四")
    assignment_save(actor=actors.county_admin, assignment=assignment(stations[0], worker))
    with pytest.raises(ValidationError) as raised:
        assignment_save(actor=actors.county_admin, assignment=assignment(stations[1], worker))
    assert raised.value.message_dict == {
        "worker": [
            "李四 is already resident staff at 东胜区交通街道社会工作服务站 from 2025-01-01 to "
            "open end; a worker is resident at one station at a time."
        ]
    }


def test_a_resident_may_also_supervise_another_station(tree, actors, stations):
    worker = make_worker(tree.town_a1)
    assignment_save(actor=actors.county_admin, assignment=assignment(stations[0], worker))
    assignment_save(
        actor=actors.county_admin, assignment=assignment(stations[1], worker, Role.SUPERVISOR)
    )
    assert StationAssignment.objects.count() == 2


def test_an_assignment_cannot_end_before_it_starts(tree, actors, stations):
    worker = make_worker(tree.town_a1)
    with pytest.raises(ValidationError) as raised:
        assignment_save(
            actor=actors.county_admin,
            assignment=assignment(
                stations[0], worker, starts_on=D(2025, 2, 1), ends_on=D(2025, 1, 31)
            ),
        )
    assert raised.value.messages == ["An assignment cannot end before it starts."]
    assert StationAssignment.objects.count() == 0


@pytest.mark.parametrize(
    ("_case", "station", "worker_area", "field"),
    [
        ("station of another county", 2, "town_a1", "station"),
        ("worker of another county", 0, "town_b1", "worker"),
    ],
)
def test_stations_and_workers_out_of_reach_are_refused(
    tree, actors, stations, _case, station, worker_area, field
):
    worker = make_worker(getattr(tree, worker_area))
    with pytest.raises(ValidationError) as raised:
        assignment_save(actor=actors.county_admin, assignment=assignment(stations[station], worker))
    assert list(raised.value.error_dict) == [field]
    assert StationAssignment.objects.count() == 0


def test_an_assignment_with_ledger_entries_is_ended_not_deleted(tree, actors, stations):
    worker = make_worker(tree.town_a1)
    saved = assignment_save(actor=actors.county_admin, assignment=assignment(stations[0], worker))
    ServiceLogEntry.objects.create(
        station=stations[0],
        area=tree.town_a1,
        worker=worker,
        served_on=D(2025, 3, 1),
        kind="community",
        community=tree.comm_a1_urban,
        hours=Decimal(2),
    )

    with pytest.raises(ValidationError) as deleting:
        assignment_delete(actor=actors.county_admin, assignment=saved)
    saved.ends_on = D(2025, 2, 28)
    with pytest.raises(ValidationError) as stranding:
        assignment_save(actor=actors.county_admin, assignment=saved)
    saved.ends_on = D(2025, 3, 1)
    assignment_save(actor=actors.county_admin, assignment=saved)

    assert deleting.value.code == "assignment_has_entries"
    assert [error.code for error in stranding.value.error_dict["starts_on"]] == [
        "assignment_strands_entries"
    ]
    assert StationAssignment.objects.get().ends_on == D(2025, 3, 1)
