"""Charity yuan linked in a year: disbursements to projects and needs, net of reversals."""

import datetime
from decimal import Decimal

import pytest

from charity.services import ledger
from reports.engine import Tree
from reports.metric_defs import metric_by_key
from tests.charity.factories import (
    DAY,
    donate,
    make_fund,
    make_need,
    make_project,
    make_source,
    pay,
)

pytestmark = pytest.mark.django_db


def test_linked_yuan_per_area_and_year(tree, actors):
    admin = actors.city_admin
    donor = make_source(tree.city)
    fund_a1 = make_fund(tree.comm_a1_urban, name="巴音孟克社区基金")
    fund_b = make_fund(tree.county_b)
    for fund in (fund_a1, fund_b):
        donate(admin, fund, donor, "10000")
    pay(
        admin,
        fund_a1,
        "1000",
        target_kind="linkage_project",
        linkage_project=make_project(tree.town_a1),
    )
    pay(admin, fund_a1, "200", target_kind="need", need=make_need(tree.comm_a1_urban))
    wrong = pay(admin, fund_a1, "50")
    ledger.entry_reverse(actor=admin, entry=wrong, reason="误付", booked_on=DAY)
    pay(admin, fund_b, "300")
    pay(admin, fund_b, "999", day=datetime.date(2024, 6, 1))

    metric = metric_by_key()["charity_linked_yuan"]
    facts = metric.compute(Tree(tree.city.path), 2025)

    assert metric.value(*facts[tree.city.path]) == Decimal("1500")
    assert metric.value(*facts[tree.county_a.path]) == Decimal("1200")
    assert metric.value(*facts[tree.town_a2.path]) == Decimal("0")
    assert metric.value(*metric.compute(Tree(tree.city.path), 2024)[tree.county_b.path]) == 999
