"""Station services: levels, one body per township and county, the lifecycle and its history."""

import datetime

from django.core.exceptions import ValidationError
from django.utils import timezone

import pytest

from stations.models import Station, StationInspection, StationStatusChange
from stations.station_services import (
    station_change_status,
    station_delete,
    station_save,
)
from tests.factories import ContractorFactory, make_station
from tests.stations.test_station_contracts import make_contract

pytestmark = pytest.mark.django_db

Kind = Station.Kind
Status = Station.Status
TODAY = timezone.localdate()
DAY = datetime.timedelta(days=1)


def new_station(area, **fields):
    fields.setdefault("status", Status.PLANNED)
    return Station(area=area, **fields)


def test_creating_a_station_names_it_and_starts_its_history(tree, actors):
    station = station_save(
        actor=actors.county_admin,
        station=new_station(tree.town_a1, status=Status.BUILDING, status_since=TODAY - DAY),
    )

    stored = Station.objects.get()
    assert (stored.kind, stored.signboard_name, stored.name) == (
        Kind.TOWNSHIP_STATION,
        "东胜区交通街道社会工作服务站",
        "东胜区交通街道社会工作服务站",
    )
    assert list(
        StationStatusChange.objects.values_list(
            "station", "from_status", "to_status", "changed_on", "recorded_by"
        )
    ) == [(station.pk, "", Status.BUILDING, TODAY - DAY, actors.county_admin.pk)]


@pytest.mark.parametrize(
    ("_case", "area", "kind"),
    [
        ("city", "city", Kind.CITY_CENTRE),
        ("county", "county_a", Kind.COUNTY_CENTRE),
        ("township", "town_a1", Kind.TOWNSHIP_STATION),
        ("community", "comm_a1_urban", Kind.COMMUNITY_ROOM),
    ],
)
def test_the_kind_follows_the_areas_level(tree, actors, _case, area, kind):
    station = station_save(actor=actors.superuser, station=new_station(getattr(tree, area)))
    assert Station.objects.get(pk=station.pk).kind == kind


@pytest.mark.parametrize(
    ("_case", "area", "kind"),
    [
        ("station in a county", "county_a", Kind.TOWNSHIP_STATION),
        ("centre in a township", "town_a1", Kind.COUNTY_CENTRE),
        ("room in a township", "town_a1", Kind.COMMUNITY_ROOM),
        ("city centre in a community", "comm_a2", Kind.CITY_CENTRE),
    ],
)
def test_a_station_of_the_wrong_level_is_refused(tree, actors, _case, area, kind):
    with pytest.raises(ValidationError) as raised:
        station_save(actor=actors.superuser, station=new_station(getattr(tree, area), kind=kind))
    assert [error.code for error in raised.value.error_dict["area"]] == ["station_area_level"]
    assert Station.objects.count() == 0


def test_a_second_station_in_a_township_is_refused_with_a_clear_message(tree, actors):
    first = make_station(tree.town_a1)

    with pytest.raises(ValidationError) as raised:
        station_save(actor=actors.county_admin, station=new_station(tree.town_a1))

    assert raised.value.message_dict == {
        "area": [
            "交通街道 already has a township (street) social-work station: "
            f"东胜区交通街道社会工作服务站 (station {first.pk})."
        ]
    }
    assert Station.objects.count() == 1


def test_a_second_centre_in_a_county_is_refused(tree, actors):
    make_station(tree.county_a)

    with pytest.raises(ValidationError) as raised:
        station_save(actor=actors.county_admin, station=new_station(tree.county_a))

    assert [error.code for error in raised.value.error_dict["area"]] == ["station_one_per_area"]
    assert Station.objects.count() == 1


def test_a_closed_station_does_not_block_its_successor(tree, actors):
    make_station(tree.town_a1, status=Status.CLOSED, opened_on=None)

    station_save(actor=actors.county_admin, station=new_station(tree.town_a1))

    assert sorted(Station.objects.values_list("status", flat=True)) == ["closed", "planned"]


def test_several_rooms_in_a_community_are_allowed(tree, actors):
    make_station(tree.comm_a2)

    station_save(actor=actors.county_admin, station=new_station(tree.comm_a2, name="第二活动室"))

    assert Station.objects.filter(area=tree.comm_a2).count() == 2


def test_a_station_outside_the_actors_reach_is_refused(tree, actors):
    with pytest.raises(ValidationError) as raised:
        station_save(actor=actors.county_admin, station=new_station(tree.town_b1))
    assert raised.value.message_dict == {"area": ["No such area within your reach."]}
    assert Station.objects.count() == 0


def test_a_station_cannot_move_to_another_area(tree, actors):
    station = make_station(tree.town_a1)
    station.area = tree.town_a2

    with pytest.raises(ValidationError) as raised:
        station_save(actor=actors.county_admin, station=station)

    assert [error.code for error in raised.value.error_dict["area"]] == ["station_area_fixed"]
    assert Station.objects.get(pk=station.pk).area == tree.town_a1


def test_the_lifecycle_is_recorded_step_by_step(tree, actors):
    station = station_save(
        actor=actors.county_admin,
        station=new_station(tree.town_a1, status_since=TODAY - 30 * DAY),
    )

    station_change_status(
        actor=actors.county_admin, station=station, status=Status.BUILDING, on=TODAY - 20 * DAY
    )
    station_change_status(
        actor=actors.county_admin,
        station=station,
        status=Status.OPERATING,
        on=TODAY - 10 * DAY,
        note="揭牌",
    )

    stored = Station.objects.get(pk=station.pk)
    assert (stored.status, stored.status_since, stored.opened_on) == (
        Status.OPERATING,
        TODAY - 10 * DAY,
        TODAY - 10 * DAY,
    )
    assert list(
        stored.status_changes.values_list("from_status", "to_status", "changed_on", "note")
    ) == [
        ("", "planned", TODAY - 30 * DAY, ""),
        ("planned", "building", TODAY - 20 * DAY, ""),
        ("building", "operating", TODAY - 10 * DAY, "揭牌"),
    ]


@pytest.mark.parametrize(
    ("_case", "status", "on", "field", "code"),
    [
        ("closed is final", Status.OPERATING, TODAY, "status", "station_status_transition"),
        ("before the last change", Status.CLOSED, TODAY - 60 * DAY, "status_since", None),
        ("in the future", Status.CLOSED, TODAY + DAY, "status_since", None),
    ],
)
def test_impossible_status_changes_are_refused(tree, actors, _case, status, on, field, code):
    station = make_station(
        tree.town_a1,
        status=Status.OPERATING,
        status_since=TODAY - 30 * DAY,
        opened_on=TODAY - 40 * DAY,
    )
    if code:
        station_change_status(
            actor=actors.county_admin, station=station, status=Status.CLOSED, on=TODAY
        )
        station.refresh_from_db()

    with pytest.raises(ValidationError) as raised:
        station_change_status(actor=actors.county_admin, station=station, status=status, on=on)

    assert list(raised.value.error_dict) == [field]
    assert Station.objects.get(pk=station.pk).status == (
        Status.CLOSED if code else Status.OPERATING
    )
    assert StationStatusChange.objects.filter(station=station).count() == (1 if code else 0)


def test_an_operating_station_needs_its_opening_date(tree, actors):
    with pytest.raises(ValidationError) as raised:
        station_save(
            actor=actors.county_admin, station=new_station(tree.town_a1, status=Status.OPERATING)
        )
    assert [error.code for error in raised.value.error_dict["opened_on"]] == [
        "station_opening_date_missing"
    ]
    assert Station.objects.count() == 0


@pytest.mark.parametrize(
    ("_case", "operator", "with_contractor", "code"),
    [
        ("contractor missing", Station.Operator.CONTRACTOR, False, "station_contractor_missing"),
        ("government with one", Station.Operator.GOVERNMENT, True, "station_contractor_unexpected"),
    ],
)
def test_the_contractor_matches_who_runs_the_station(
    tree, actors, _case, operator, with_contractor, code
):
    contractor = ContractorFactory(area=tree.county_a) if with_contractor else None
    with pytest.raises(ValidationError) as raised:
        station_save(
            actor=actors.county_admin,
            station=new_station(tree.town_a1, operator=operator, contractor=contractor),
        )
    assert [error.code for error in raised.value.error_dict["contractor"]] == [code]
    assert Station.objects.count() == 0


def test_the_county_centre_and_its_township_stations_have_different_contractors(tree, actors):
    contractor = ContractorFactory(area=tree.county_a)
    make_station(tree.county_a, operator=Station.Operator.CONTRACTOR, contractor=contractor)

    with pytest.raises(ValidationError) as raised:
        station_save(
            actor=actors.county_admin,
            station=new_station(
                tree.town_a1, operator=Station.Operator.CONTRACTOR, contractor=contractor
            ),
        )

    assert [error.code for error in raised.value.error_dict["contractor"]] == [
        "station_contractor_same_as_county"
    ]
    assert Station.objects.count() == 1


def test_a_contractor_of_another_county_is_not_within_reach(tree, actors):
    contractor = ContractorFactory(area=tree.county_b)
    with pytest.raises(ValidationError) as raised:
        station_save(
            actor=actors.county_admin,
            station=new_station(
                tree.town_a1, operator=Station.Operator.CONTRACTOR, contractor=contractor
            ),
        )
    assert list(raised.value.error_dict) == ["contractor"]
    assert Station.objects.count() == 0


def test_a_station_with_inspections_is_closed_rather_than_deleted(tree, actors):
    station = make_station(tree.town_a1)
    StationInspection.objects.create(station=station, area=station.area, inspected_on=TODAY)

    with pytest.raises(ValidationError) as raised:
        station_delete(actor=actors.county_admin, station=station)

    assert raised.value.code == "station_has_records"
    assert Station.objects.filter(pk=station.pk).exists()


def test_a_planned_station_recorded_by_mistake_is_deleted(tree, actors):
    station = station_save(actor=actors.county_admin, station=new_station(tree.town_a1))
    station_delete(actor=actors.county_admin, station=station)
    assert (Station.objects.count(), StationStatusChange.objects.count()) == (0, 0)


def test_a_contractor_kept_by_the_city_may_run_a_county_station(tree, actors):
    contractor = ContractorFactory(area=tree.city)
    make_contract(tree.county_a, contractor, townships=[tree.town_a1])
    station_save(
        actor=actors.county_admin,
        station=new_station(
            tree.town_a1, operator=Station.Operator.CONTRACTOR, contractor=contractor
        ),
    )
    assert Station.objects.get().contractor == contractor


def test_the_status_date_does_not_move_without_a_status_change(tree, actors):
    station = make_station(tree.town_a1, status_since=TODAY - 30 * DAY, opened_on=TODAY - 40 * DAY)
    station.status_since = TODAY - 20 * DAY

    with pytest.raises(ValidationError) as raised:
        station_save(actor=actors.county_admin, station=station)

    assert [error.code for error in raised.value.error_dict["status_since"]] == [
        "station_status_date_without_change"
    ]
    assert list(raised.value.error_dict) == ["status_since"]
    assert Station.objects.get(pk=station.pk).status_since == TODAY - 30 * DAY
    assert StationStatusChange.objects.filter(station=station).count() == 0


def test_a_station_saved_without_a_status_date_keeps_its_date(tree, actors):
    station = make_station(tree.town_a1, status_since=TODAY - 30 * DAY, opened_on=TODAY - 40 * DAY)
    station.status_since = None
    station.phone = "0477-1234567"

    station_save(actor=actors.county_admin, station=station)

    assert Station.objects.values_list("phone", "status_since").get(pk=station.pk) == (
        "0477-1234567",
        TODAY - 30 * DAY,
    )
