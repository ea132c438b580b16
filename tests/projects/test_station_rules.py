import datetime

from django.core.exceptions import ValidationError

import pytest

from projects import services
from projects.models import Contract
from stations.models import Station
from tests.factories import ContractorFactory
from tests.projects.conftest import START, make_contract

pytestmark = pytest.mark.django_db


def make_station(area, kind, name):
    return Station.objects.create(
        area=area, kind=kind, name=name, signboard_name=name, status_since=START
    )


@pytest.fixture
def network(tree):
    return {
        "centre": make_station(tree.county_a, Station.Kind.COUNTY_CENTRE, "东胜区社工总站"),
        "jiaotong": make_station(tree.town_a1, Station.Kind.TOWNSHIP_STATION, "交通街道社工站"),
        "gongyuan": make_station(tree.town_a2, Station.Kind.TOWNSHIP_STATION, "公园街道社工站"),
        "kangbashi": make_station(tree.town_b1, Station.Kind.TOWNSHIP_STATION, "哈巴格希社工站"),
    }


@pytest.mark.parametrize(
    ("_case", "second_start", "allowed"),
    [
        ("starts the day after the first ends", datetime.date(2028, 1, 1), True),
        ("starts on the first's last day", datetime.date(2027, 12, 31), False),
        ("same term", START, False),
    ],
)
def test_one_contract_per_station_at_a_time(actors, tree, network, _case, second_start, allowed):
    make_contract(
        actor=actors.county_admin, area=tree.county_a, station_ids=[network["jiaotong"].pk]
    )

    def second():
        return make_contract(
            actor=actors.county_admin,
            area=tree.county_a,
            number="DS-2028-001",
            start=second_start,
            station_ids=[network["jiaotong"].pk],
        )

    if allowed:
        assert list(second().stations.all()) == [network["jiaotong"]]
    else:
        with pytest.raises(ValidationError) as error:
            second()
        assert error.value.message_dict["stations"] == [
            "交通街道社工站 is already served by contract DS-2025-001 (2025-01-01 to 2027-12-31) "
            "over an overlapping period."
        ]
        assert Contract.objects.count() == 1


def test_a_terminated_contract_frees_the_station_after_its_termination(actors, tree, network):
    first = make_contract(
        actor=actors.county_admin,
        area=tree.county_a,
        station_ids=[network["jiaotong"].pk],
        status="active",
    )
    services.contract_transition(
        actor=actors.county_admin,
        contract=first,
        to_status="terminated",
        effective_on=datetime.date(2025, 6, 30),
        reason="评估不合格",
    )

    second = make_contract(
        actor=actors.county_admin,
        area=tree.county_a,
        number="DS-2025-777",
        start=datetime.date(2025, 7, 1),
        station_ids=[network["jiaotong"].pk],
    )

    assert list(second.stations.all()) == [network["jiaotong"]]


def test_centre_and_township_station_in_one_contract_are_refused(actors, tree, network):
    with pytest.raises(ValidationError) as error:
        make_contract(
            actor=actors.county_admin,
            area=tree.county_a,
            station_ids=[network["centre"].pk, network["jiaotong"].pk],
        )

    assert error.value.message_dict["stations"] == [
        "The county total station and a township station of the same county may not be "
        "contracted to the same contractor (county 150602000000)."
    ]
    assert Contract.objects.count() == 0


@pytest.mark.parametrize(
    ("_case", "same_contractor", "second_start", "allowed"),
    [
        ("same contractor, overlapping", True, datetime.date(2027, 12, 31), False),
        ("same contractor, after the first ends", True, datetime.date(2028, 1, 1), True),
        ("another contractor, overlapping", False, START, True),
    ],
)
def test_centre_and_township_station_across_contracts(
    actors, tree, network, _case, same_contractor, second_start, allowed
):
    contractor = ContractorFactory(area=tree.county_a)
    make_contract(
        actor=actors.county_admin,
        area=tree.county_a,
        contractor=contractor,
        station_ids=[network["centre"].pk],
    )

    def second():
        return make_contract(
            actor=actors.county_admin,
            area=tree.county_a,
            contractor=contractor if same_contractor else ContractorFactory(area=tree.county_a),
            number="DS-X",
            start=second_start,
            station_ids=[network["gongyuan"].pk],
        )

    if allowed:
        assert list(second().stations.all()) == [network["gongyuan"]]
    else:
        with pytest.raises(ValidationError) as error:
            second()
        assert error.value.message_dict["stations"] == [
            "The county total station and a township station of the same county may not be "
            "contracted to the same contractor: 东胜区社工总站 is already under its contract "
            "DS-2025-001."
        ]
        assert Contract.objects.count() == 1


def test_the_same_contractor_may_run_another_countys_township_station(actors, tree, network):
    contractor = ContractorFactory(area=tree.county_a)
    make_contract(
        actor=actors.county_admin,
        area=tree.county_a,
        contractor=contractor,
        station_ids=[network["centre"].pk],
    )

    other = make_contract(
        actor=actors.city_admin,
        area=tree.county_b,
        contractor=contractor,
        number="KBS-1",
        station_ids=[network["kangbashi"].pk],
    )

    assert list(other.stations.all()) == [network["kangbashi"]]


def test_stations_outside_the_county_are_refused(actors, tree, network):
    with pytest.raises(ValidationError) as error:
        make_contract(
            actor=actors.county_admin, area=tree.county_a, station_ids=[network["kangbashi"].pk]
        )

    assert error.value.message_dict["stations"] == [
        "These stations are not in 东胜区: 哈巴格希社工站."
    ]
    assert Contract.objects.count() == 0


def test_the_rules_apply_through_the_api(api, actors, tree, network):
    make_contract(
        actor=actors.county_admin, area=tree.county_a, station_ids=[network["jiaotong"].pk]
    )
    payload = {
        "number": "DS-API",
        "title": "x",
        "area": tree.county_a.code,
        "contractor": ContractorFactory(area=tree.county_a).pk,
        "start_date": "2026-01-01",
        "price": "1000.00",
        "stations": [network["jiaotong"].pk],
    }

    response = api(actors.county_admin).post("/api/v1/contracts/", payload, format="json")

    assert response.status_code == 400
    assert list(response.json()) == ["stations"]
    assert Contract.objects.count() == 1
