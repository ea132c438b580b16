"""Two disbursements booked at the same moment cannot overdraw a fund together (PostgreSQL)."""

import threading
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import connection, connections
from django.utils import translation

import pytest

from charity.models import CharityFund, LedgerEntry
from charity.selectors import fund_ledger_balance
from charity.services import ledger
from stations.models import AdminArea
from tests.charity.factories import DAY, donate, make_fund, make_source
from tests.factories import make_area, make_user
from tests.volunteers.factories import make_activity

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="SQLite locks the whole database and ignores select_for_update; "
        "the race only exists on PostgreSQL (run with DATABASE_URL=postgres://…)",
    ),
]


def test_two_concurrent_disbursements_that_would_overdraw_together_book_only_one():
    # given a fund holding 100 yuan, and two clerks each paying 70 at the same moment
    city = make_area("150600000000", "鄂尔多斯市", AdminArea.Level.CITY)
    clerk = make_user("clerk", is_superuser=True)
    fund = make_fund(city)
    donate(clerk, fund, make_source(city), "100")
    activity = make_activity(
        make_area("150600000001", "虚拟社区", AdminArea.Level.COMMUNITY, city), title="冬季送温暖"
    )
    start = threading.Barrier(2)
    outcomes: list[str] = []

    def disburse():
        # A thread does not inherit the test's translation.override("en").
        try:
            start.wait(timeout=10)
            with translation.override("en"):
                ledger.disbursement_book(
                    actor=clerk,
                    fund=CharityFund.objects.get(pk=fund.pk),
                    amount=Decimal("70.00"),
                    booked_on=DAY,
                    target_kind="volunteer_activity",
                    activity=activity,
                )
            outcomes.append("booked")
        except ValidationError as error:
            outcomes.append(error.message_dict["amount"][0])
        finally:
            connections.close_all()

    # when both book in their own thread, each on its own database connection
    threads = [threading.Thread(target=disburse) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    # then one is booked, the other sees the first one's balance and is refused
    assert sorted(outcomes) == [
        "booked",
        "社区慈善救助基金 holds 30.00 yuan; 70.00 yuan would overdraw it.",
    ]
    assert LedgerEntry.objects.filter(kind="disbursement").count() == 1
    assert CharityFund.objects.get(pk=fund.pk).balance == Decimal("30.00")
    assert fund_ledger_balance(fund=fund) == Decimal("30.00")


def test_concurrent_donations_in_one_area_take_distinct_consecutive_receipt_numbers():
    # given two funds of one county and no receipt issued yet this year
    city = make_area("150600000000", "鄂尔多斯市", AdminArea.Level.CITY)
    county = make_area("150602000000", "东胜区", AdminArea.Level.COUNTY, city)
    clerk = make_user("clerk", is_superuser=True)
    funds = [make_fund(county), make_fund(county, name="社区服务专项基金")]
    donor = make_source(county)
    start = threading.Barrier(4)
    numbers: list[str] = []

    def give(fund):
        try:
            start.wait(timeout=10)
            numbers.append(donate(clerk, fund, donor, "10").receipt_number)
        finally:
            connections.close_all()

    # when four donations are booked at the same moment on the two funds
    threads = [threading.Thread(target=give, args=(funds[n % 2],)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    # then the numbers run 1 to 4 without gaps or repeats
    assert sorted(numbers) == [f"150602-2025-{n:06d}" for n in range(1, 5)]
    assert LedgerEntry.objects.filter(kind="donation").count() == 4
