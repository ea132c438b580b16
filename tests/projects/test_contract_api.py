"""The contracts API: the staff-on-post flag and reporting completeness."""

import datetime

import pytest

from projects.models import Report
from stations.roles import Role
from tests.factories import ContractorFactory, make_user
from tests.projects.test_staff_on_post import make_station, signed_contract, staff

pytestmark = pytest.mark.django_db

COMPLETENESS = "/api/v1/contracts/completeness/"


def test_contracts_carry_the_staff_on_post_flag_with_the_days_late(api, actors, tree):
    late_station = make_station(tree.town_a1, "交通街道社工站")
    staff(late_station, [datetime.date(2025, 1, 20)] * 2 + [datetime.date(2025, 2, 18)])
    late = signed_contract(actors, tree.county_a, late_station, number="DS-LATE")
    on_time_station = make_station(tree.town_a2, "公园街道社工站")
    staff(on_time_station, [datetime.date(2025, 1, 20)] * 3, offset=10)
    signed_contract(actors, tree.county_a, on_time_station, number="DS-ON-TIME")
    client = api(actors.county_admin)

    listed = client.get("/api/v1/contracts/").json()["results"]
    detail = client.get(f"/api/v1/contracts/{late.pk}/").json()

    assert {row["number"]: row["staff_on_post"] for row in listed} == {
        "DS-LATE": {
            "deadline": "2025-02-15",
            "staffed_on": "2025-02-18",
            "on_post": True,
            "days_late": 3,
        },
        "DS-ON-TIME": {
            "deadline": "2025-02-15",
            "staffed_on": "2025-01-20",
            "on_post": True,
            "days_late": 0,
        },
    }
    assert detail["staff_on_post"]["days_late"] == 3


def test_an_unsigned_contract_has_no_staff_on_post_flag(api, actors, contract):
    # The `contract` fixture is signed but serves no station.
    response = api(actors.county_admin).get(f"/api/v1/contracts/{contract.pk}/")

    assert response.json()["staff_on_post"] is None


def _submitted_on(contract, month: int, day: datetime.date) -> None:
    Report.objects.filter(
        contract=contract, kind="monthly", period=datetime.date(2025, month, 1)
    ).update(first_submitted_on=day)


def test_completeness_per_contractor_county_and_month(api, actors, contract):
    _submitted_on(contract, 1, datetime.date(2025, 2, 5))  # on the due day
    _submitted_on(contract, 2, datetime.date(2025, 3, 9))  # late

    response = api(actors.county_admin).get(COMPLETENESS, {"county": "150602000000", "year": 2025})

    rows = response.json()
    assert response.status_code == 200
    assert len(rows) == 12
    assert rows[0] == {
        "contractor": actors.contractor_org.pk,
        "contractor_name": actors.contractor_org.name,
        "county": "150602000000",
        "county_name": "东胜区",
        "period": "2025-01-01",
        "due": 1,
        "submitted": 1,
        "on_time": 1,
        "late": 0,
        "missing": 0,
        "completeness": 100.0,
        "timeliness": 100.0,
    }
    assert (rows[1]["late"], rows[1]["timeliness"], rows[1]["completeness"]) == (1, 0.0, 100.0)
    assert sum(row["missing"] for row in rows) == 10


@pytest.mark.parametrize(
    ("_case", "who", "params", "status", "count"),
    [
        ("anonymous", None, {"year": 2025}, 401, None),
        ("other county", "other_county_admin", {"year": 2025}, 200, 0),
        ("other county naming ours", "other_county_admin", {"county": "150602000000"}, 400, None),
        ("another contractor", "stranger", {"year": 2025}, 200, 0),
        ("ancestor", "city_admin", {"year": 2025}, 200, 12),
        ("same area", "reviewer", {"year": 2025}, 200, 12),
        ("the contractor itself", "contractor", {"year": 2025}, 200, 12),
    ],
)
def test_completeness_is_scoped(api, actors, tree, contract, _case, who, params, status, count):
    stranger = make_user("other_contractor", area=tree.county_a, role=Role.CONTRACTOR)
    stranger.contractor = ContractorFactory(area=tree.county_a)
    stranger.save()
    users = {"stranger": stranger}
    user = users.get(who) or (getattr(actors, who) if who else None)

    response = api(user).get(COMPLETENESS, params)

    assert response.status_code == status
    if count is not None:
        assert len(response.json()) == count
    assert Report.objects.filter(first_submitted_on__isnull=False).count() == 0
