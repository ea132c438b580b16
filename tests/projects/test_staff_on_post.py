import datetime

import pytest

from projects import selectors, services
from projects.models import Contract
from stations.models import Station, StationAssignment
from stations.validators import id_number_check_character
from talent.models import Worker
from tests.projects.conftest import START, make_contract

pytestmark = pytest.mark.django_db

SIGNED = datetime.date(2025, 1, 15)
DEADLINE = datetime.date(2025, 2, 15)


def make_worker(n: int, area) -> Worker:
    first17 = f"15060219900101{n:03d}"
    return Worker.objects.create(
        name=f"社工{n}",
        id_number=first17 + id_number_check_character(first17),
        birth_date=datetime.date(1990, 1, 1),
        gender="female",
        education="bachelor",
        major="social_work",
        post="station_staff",
        area=area,
    )


def staff(station, starts: list[datetime.date], *, offset: int = 0) -> None:
    for n, day in enumerate(starts):
        StationAssignment.objects.create(
            station=station,
            area=station.area,
            worker=make_worker(offset + n, station.area),
            role=StationAssignment.Role.RESIDENT,
            starts_on=day,
        )


def make_station(area, name) -> Station:
    return Station.objects.create(
        area=area,
        kind=Station.Kind.TOWNSHIP_STATION,
        name=name,
        signboard_name=name,
        status_since=START,
    )


def signed_contract(actors, area, station, number="DS-1") -> Contract:
    contract = make_contract(
        actor=actors.county_admin, area=area, number=number, station_ids=[station.pk]
    )
    return services.contract_transition(
        actor=actors.county_admin, contract=contract, to_status="signed", effective_on=SIGNED
    )


@pytest.mark.parametrize(
    ("_case", "third_starts", "days_late"),
    [
        ("on post exactly one month after signing", DEADLINE, 0),
        ("one month and one day", DEADLINE + datetime.timedelta(days=1), 1),
        ("already there before signing", datetime.date(2024, 12, 1), 0),
    ],
)
def test_staff_on_post_within_a_month_of_signing(actors, tree, _case, third_starts, days_late):
    station = make_station(tree.town_a1, "交通街道社工站")
    staff(station, [datetime.date(2025, 1, 20), datetime.date(2025, 2, 1), third_starts])
    contract = signed_contract(actors, tree.county_a, station)

    flags = selectors.staff_on_post_flags(contracts=[contract], today=datetime.date(2025, 6, 1))

    assert flags[contract.pk]["deadline"] == DEADLINE
    assert flags[contract.pk]["days_late"] == days_late
    assert flags[contract.pk]["on_post"] is True


def test_stations_still_short_of_staff_are_late_until_today(actors, tree):
    station = make_station(tree.town_a1, "交通街道社工站")
    staff(station, [datetime.date(2025, 1, 20), datetime.date(2025, 2, 1)])
    contract = signed_contract(actors, tree.county_a, station)

    flags = selectors.staff_on_post_flags(contracts=[contract], today=datetime.date(2025, 3, 1))

    assert flags[contract.pk] == {
        "deadline": DEADLINE,
        "staffed_on": None,
        "on_post": False,
        "days_late": 14,
    }


def test_staff_who_left_before_the_deadline_do_not_count(actors, tree):
    station = make_station(tree.town_a1, "交通街道社工站")
    staff(station, [datetime.date(2025, 1, 20)] * 3)
    StationAssignment.objects.filter(pk=StationAssignment.objects.order_by("pk")[0].pk).update(
        ends_on=datetime.date(2025, 2, 1)
    )
    contract = signed_contract(actors, tree.county_a, station)

    flags = selectors.staff_on_post_flags(contracts=[contract], today=datetime.date(2025, 2, 20))

    assert flags[contract.pk]["on_post"] is False
    assert flags[contract.pk]["days_late"] == 5


def test_flags_for_many_contracts_take_a_fixed_number_of_queries(
    actors, tree, django_assert_num_queries
):
    contracts = []
    for n, (town, name) in enumerate([(tree.town_a1, "甲"), (tree.town_a2, "乙")]):
        station = make_station(town, name)
        staff(station, [datetime.date(2025, 1, 20)] * 3, offset=10 * n)
        contracts.append(signed_contract(actors, tree.county_a, station, number=f"N-{n}"))

    with django_assert_num_queries(4):
        flags = selectors.staff_on_post_flags(contracts=contracts, today=datetime.date(2025, 6, 1))

    assert sorted(flag["days_late"] for flag in flags.values()) == [0, 0]
