"""A contract's annual plan, the station locks of a save, and the plan's lateness."""

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

import pytest

from projects.models import AnnualPlan, Contract
from stations.models import Station
from tests.factories import ContractorFactory
from tests.projects.conftest import START, make_contract

pytestmark = pytest.mark.django_db


def make_plan(area, year=2025, submitted_on=None) -> AnnualPlan:
    return AnnualPlan.objects.create(
        area=area,
        year=year,
        goals="全覆盖",
        budget=Decimal("500000.00"),
        procurement_method="公开招标",
        submitted_on=submitted_on,
    )


def test_a_contract_cannot_follow_another_countys_plan(actors, tree):
    plan_b = make_plan(tree.county_b)
    contract = Contract(
        area=tree.county_a,
        contractor=ContractorFactory(area=tree.county_a),
        plan=plan_b,
        number="DS-PLAN-1",
        title="社工站运营项目",
        start_date=START,
        price=Decimal("1000.00"),
    )
    from projects import services

    with pytest.raises(ValidationError) as error:
        services.contract_save(actor=actors.city_admin, contract=contract)

    assert error.value.message_dict == {
        "plan": ["The annual plan 康巴什区 2025 is not 东胜区's; choose a plan of the purchaser."]
    }
    assert error.value.error_dict["plan"][0].code == "plan_of_another_county"
    assert Contract.objects.count() == 0


def test_the_api_refuses_a_plan_of_another_county(api, actors, tree):
    plan_a = make_plan(tree.county_a)
    plan_b = make_plan(tree.county_b)
    contractor = ContractorFactory(area=tree.county_a)
    data = {
        "number": "DS-PLAN-2",
        "title": "社工站运营项目",
        "area": tree.county_a.code,
        "contractor": contractor.pk,
        "start_date": "2025-01-01",
        "price": "1000.00",
    }
    client = api(actors.city_admin)

    refused = client.post("/api/v1/contracts/", {**data, "plan": plan_b.pk}, format="json")
    count_after_refusal = Contract.objects.count()
    created = client.post("/api/v1/contracts/", {**data, "plan": plan_a.pk}, format="json")

    assert refused.status_code == 400
    assert refused.json() == {
        "plan": ["The annual plan 康巴什区 2025 is not 东胜区's; choose a plan of the purchaser."]
    }
    assert count_after_refusal == 0
    assert created.status_code == 201
    assert Contract.objects.get().plan_id == plan_a.pk


def test_saving_a_contract_locks_its_contractor_and_stations_in_pk_order(actors, tree):
    stations = [
        Station.objects.create(
            area=town,
            kind=Station.Kind.TOWNSHIP_STATION,
            name=name,
            signboard_name=name,
            status_since=START,
        )
        for town, name in [(tree.town_a2, "公园街道社工站"), (tree.town_a1, "交通街道社工站")]
    ]
    ids = [stations[1].pk, stations[0].pk]

    with CaptureQueriesContext(connection) as queries:
        make_contract(actor=actors.county_admin, area=tree.county_a, station_ids=ids)

    sql = [q["sql"] for q in queries.captured_queries]
    in_list = f"({ids[0]}, {ids[1]})"
    lock = (
        'SELECT "stations_station"."id" AS "pk" FROM "stations_station" '  # noqa: S608
        'WHERE "stations_station"."id" IN ' + in_list + " ORDER BY 1 ASC"
    )
    # PostgreSQL appends FOR UPDATE to the lock query; SQLite drops it.
    sql = [query.removesuffix(" FOR UPDATE") for query in sql]
    rule_check = next(n for n, q in enumerate(sql) if "projects_contract_stations" in q)
    # SQLite drops FOR UPDATE; the lock query is still issued, ordered by pk, before the checks.
    assert sql.count(lock) == 1
    assert sql.index(lock) < rule_check
    assert sorted(Contract.objects.get().stations.values_list("pk", flat=True)) == sorted(ids)


@pytest.mark.parametrize(
    ("_case", "submitted_on", "today", "late"),
    [
        ("submitted on 31 March", datetime.date(2025, 3, 31), datetime.date(2025, 6, 1), 0),
        ("submitted on 1 April", datetime.date(2025, 4, 1), datetime.date(2025, 6, 1), 1),
        ("not submitted, 31 March", None, datetime.date(2025, 3, 31), 0),
        ("not submitted, 10 April", None, datetime.date(2025, 4, 10), 10),
    ],
)
def test_plan_lateness_at_the_31_march_deadline(tree, _case, submitted_on, today, late):
    plan = make_plan(tree.county_a, submitted_on=submitted_on)

    assert plan.due_date == datetime.date(2025, 3, 31)
    assert plan.days_late(today) == late
