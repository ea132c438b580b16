"""The ledger: balances, receipts, overdrafts, transfers and reversals."""

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError

import pytest

from charity.models import CharityFund, LedgerEntry, ReceiptCounter
from charity.selectors import (
    area_ledger_balance,
    fund_balances_from_ledger,
    fund_ledger_balance,
)
from charity.services import ledger, sources
from tests.charity.factories import DAY, donate, make_fund, make_source, pay

pytestmark = pytest.mark.django_db


@pytest.fixture
def money(tree, actors):
    donor = make_source(tree.county_a)
    relief = make_fund(tree.county_a)
    service = make_fund(tree.comm_a1_urban, name="社区服务专项基金", kind=CharityFund.Kind.SERVICE)
    return donor, relief, service


def balance(fund) -> Decimal:
    return CharityFund.objects.get(pk=fund.pk).balance


def test_donations_and_disbursements_move_the_balance(actors, money):
    donor, relief, _service = money
    donate(actors.county_admin, relief, donor, "1000.00")
    donate(actors.county_admin, relief, donor, "250.50")
    pay(actors.county_admin, relief, "300.25")

    assert balance(relief) == Decimal("950.25")
    assert fund_ledger_balance(fund=relief) == Decimal("950.25")


def test_receipt_numbers_run_per_area_and_year(tree, actors, money):
    donor, relief, service = money
    other_relief = make_fund(tree.county_a, name="东胜区慈善助学基金")

    numbers = [
        donate(actors.county_admin, relief, donor, "10").receipt_number,
        donate(actors.county_admin, other_relief, donor, "10").receipt_number,
        donate(actors.county_admin, service, donor, "10").receipt_number,
        donate(
            actors.county_admin, relief, donor, "10", day=datetime.date(2024, 12, 31)
        ).receipt_number,
        donate(actors.county_admin, relief, donor, "10").receipt_number,
    ]

    assert numbers == [
        "150602-2025-000001",
        "150602-2025-000002",
        "150602001001-2025-000001",
        "150602-2024-000001",
        "150602-2025-000003",
    ]


def test_a_refused_donation_leaves_no_gap_in_receipt_numbers(tree, actors, money):
    donor, relief, _service = money
    donate(actors.county_admin, relief, donor, "10")
    relief.is_active = False
    relief.save()

    with pytest.raises(ValidationError) as refused:
        donate(actors.county_admin, relief, donor, "10")
    relief.is_active = True
    relief.save()
    next_entry = donate(actors.county_admin, relief, donor, "10")

    assert refused.value.message_dict == {"fund": ["This fund is closed."]}
    assert next_entry.receipt_number == "150602-2025-000002"


def test_a_donation_rolled_back_after_its_number_was_taken_gives_the_number_back(
    tree, actors, money
):
    # given a donation whose transaction fails after the receipt number was allocated
    donor, relief, _service = money
    donate(actors.county_admin, relief, donor, "10")
    original_book = ledger._book

    def failing_book(**kwargs):
        original_book(**kwargs)
        raise ValidationError("storage failed")

    ledger._book = failing_book
    try:
        with pytest.raises(ValidationError):
            donate(actors.county_admin, relief, donor, "20")
    finally:
        ledger._book = original_book

    # when the next donation is booked
    next_entry = donate(actors.county_admin, relief, donor, "30")

    # then it takes the number the failed one had, and nothing of the failed one stayed
    assert next_entry.receipt_number == "150602-2025-000002"
    assert ReceiptCounter.objects.get(area=tree.county_a, year=2025).last_number == 2
    assert list(LedgerEntry.objects.values_list("amount", flat=True).order_by("pk")) == [
        Decimal("10.00"),
        Decimal("30.00"),
    ]
    assert balance(relief) == Decimal("40.00")


def test_an_overdraft_is_refused_and_writes_nothing(actors, money):
    donor, relief, _service = money
    donate(actors.county_admin, relief, donor, "100")

    with pytest.raises(ValidationError) as refused:
        pay(actors.county_admin, relief, "100.01")

    assert refused.value.message_dict == {
        "amount": ["社区慈善救助基金 holds 100.00 yuan; 100.01 yuan would overdraw it."]
    }
    assert LedgerEntry.objects.count() == 1
    assert balance(relief) == Decimal("100.00")


@pytest.mark.parametrize(
    ("_case", "amount", "message"),
    [
        ("zero", Decimal("0"), "The amount must be more than zero."),
        ("negative", Decimal("-5"), "The amount must be more than zero."),
        ("fractions_of_a_fen", Decimal("1.001"), "Amounts are in yuan with at most two decimals."),
    ],
)
def test_bad_amounts_are_refused(actors, money, _case, amount, message):
    donor, relief, _service = money
    with pytest.raises(ValidationError) as refused:
        ledger.donation_book(
            actor=actors.county_admin, fund=relief, donor=donor, amount=amount, booked_on=DAY
        )
    assert refused.value.message_dict == {"amount": [message]}
    assert LedgerEntry.objects.count() == 0


def test_a_transfer_writes_both_legs(actors, money):
    donor, relief, service = money
    donate(actors.county_admin, relief, donor, "500")

    out_leg, in_leg = ledger.transfer_book(
        actor=actors.county_admin,
        from_fund=relief,
        to_fund=service,
        amount=Decimal("200"),
        booked_on=DAY,
    )

    assert (balance(relief), balance(service)) == (Decimal("300.00"), Decimal("200.00"))
    assert (out_leg.kind, out_leg.direction, in_leg.kind, in_leg.direction) == (
        "transfer_out",
        "out",
        "transfer_in",
        "in",
    )
    assert LedgerEntry.objects.get(pk=in_leg.pk).counterpart_id == out_leg.pk


def test_a_transfer_that_fails_on_the_second_leg_writes_neither(actors, money):
    donor, relief, service = money
    donate(actors.county_admin, relief, donor, "500")
    service.is_active = False
    service.save()

    with pytest.raises(ValidationError) as refused:
        ledger.transfer_book(
            actor=actors.county_admin,
            from_fund=relief,
            to_fund=service,
            amount=Decimal("200"),
            booked_on=DAY,
        )

    assert refused.value.message_dict == {"to_fund": ["This fund is closed."]}
    assert LedgerEntry.objects.count() == 1
    assert (balance(relief), balance(service)) == (Decimal("500.00"), Decimal("0.00"))


def test_a_transfer_that_would_overdraw_writes_neither_leg(actors, money):
    donor, relief, service = money
    donate(actors.county_admin, relief, donor, "50")

    with pytest.raises(ValidationError):
        ledger.transfer_book(
            actor=actors.county_admin,
            from_fund=relief,
            to_fund=service,
            amount=Decimal("200"),
            booked_on=DAY,
        )

    assert LedgerEntry.objects.count() == 1
    assert (balance(relief), balance(service)) == (Decimal("50.00"), Decimal("0.00"))


def test_a_reversal_points_at_the_original_and_restores_the_balance(actors, money):
    donor, relief, _service = money
    donate(actors.county_admin, relief, donor, "500")
    payment = pay(actors.county_admin, relief, "120")

    (reversal,) = ledger.entry_reverse(
        actor=actors.county_admin, entry=payment, reason="重复支付", booked_on=DAY
    )

    assert (reversal.kind, reversal.direction, reversal.amount) == (
        "reversal",
        "in",
        Decimal("120.00"),
    )
    assert LedgerEntry.objects.get(pk=payment.pk).reversed_by == reversal
    assert balance(relief) == Decimal("500.00")


def test_an_entry_is_reversed_only_once(actors, money):
    donor, relief, _service = money
    gift = donate(actors.county_admin, relief, donor, "500")
    ledger.entry_reverse(actor=actors.county_admin, entry=gift, reason="录入错误")

    with pytest.raises(ValidationError) as refused:
        ledger.entry_reverse(actor=actors.county_admin, entry=gift, reason="再次冲正")

    assert refused.value.message_dict == {"reverses": ["This entry has already been reversed."]}
    assert LedgerEntry.objects.count() == 2
    assert balance(relief) == Decimal("0.00")


def test_a_reversal_is_not_reversed(actors, money):
    donor, relief, _service = money
    gift = donate(actors.county_admin, relief, donor, "500")
    (reversal,) = ledger.entry_reverse(actor=actors.county_admin, entry=gift, reason="录入错误")

    with pytest.raises(ValidationError) as refused:
        ledger.entry_reverse(actor=actors.county_admin, entry=reversal, reason="撤销冲正")

    assert refused.value.message_dict == {
        "reverses": ["A reversal cannot be reversed; book the entry again instead."]
    }
    assert LedgerEntry.objects.count() == 2


def test_reversing_a_spent_donation_is_refused_as_an_overdraft(actors, money):
    donor, relief, _service = money
    gift = donate(actors.county_admin, relief, donor, "500")
    pay(actors.county_admin, relief, "400")

    with pytest.raises(ValidationError) as refused:
        ledger.entry_reverse(actor=actors.county_admin, entry=gift, reason="退回")

    assert list(refused.value.message_dict) == ["amount"]
    assert LedgerEntry.objects.count() == 2
    assert balance(relief) == Decimal("100.00")


def test_reversing_one_leg_of_a_transfer_reverses_both(actors, money):
    donor, relief, service = money
    donate(actors.county_admin, relief, donor, "500")
    out_leg, in_leg = ledger.transfer_book(
        actor=actors.county_admin,
        from_fund=relief,
        to_fund=service,
        amount=Decimal("200"),
        booked_on=DAY,
    )

    reversals = ledger.entry_reverse(actor=actors.county_admin, entry=out_leg, reason="划错基金")

    assert sorted((r.reverses_id, r.direction) for r in reversals) == sorted(
        [(out_leg.pk, "in"), (in_leg.pk, "out")]
    )
    assert (balance(relief), balance(service)) == (Decimal("500.00"), Decimal("0.00"))
    with pytest.raises(ValidationError):
        ledger.entry_reverse(actor=actors.county_admin, entry=in_leg, reason="again")


def test_entries_cannot_be_changed_or_deleted(actors, money):
    donor, relief, _service = money
    gift = donate(actors.county_admin, relief, donor, "500")
    gift.amount = Decimal("5")

    with pytest.raises(ValidationError):
        gift.save()
    with pytest.raises(ValidationError):
        gift.delete()
    with pytest.raises(ValidationError):
        LedgerEntry.objects.filter(pk=gift.pk).update(amount=Decimal("5"))
    with pytest.raises(ValidationError):
        LedgerEntry.objects.filter(pk=gift.pk).delete()

    assert LedgerEntry.objects.get(pk=gift.pk).amount == Decimal("500.00")


def test_stored_balances_always_equal_the_ledger(tree, actors, money):
    # given a mix of every kind of booking across funds of a county
    donor, relief, service = money
    third = make_fund(tree.comm_a2, name="宝日陶亥社区基金", kind=CharityFund.Kind.OTHER)
    for amount in ("1000", "333.33", "0.01"):
        donate(actors.county_admin, relief, donor, amount)
    gift = donate(actors.county_admin, third, donor, "80")
    payment = pay(actors.county_admin, relief, "120.5")
    ledger.transfer_book(
        actor=actors.county_admin,
        from_fund=relief,
        to_fund=service,
        amount=Decimal("99.99"),
        booked_on=DAY,
    )
    ledger.entry_reverse(actor=actors.county_admin, entry=payment, reason="冲正")
    ledger.entry_reverse(actor=actors.county_admin, entry=gift, reason="冲正")

    # then every stored balance is its ledger's sum, and the county adds up
    funds = fund_balances_from_ledger(actor=actors.county_admin)
    assert {(fund.name, fund.balance, fund.ledger_balance) for fund in funds} == {
        ("社区慈善救助基金", Decimal("1233.35"), Decimal("1233.35")),
        ("社区服务专项基金", Decimal("99.99"), Decimal("99.99")),
        ("宝日陶亥社区基金", Decimal("0.00"), Decimal("0.00")),
    }
    assert area_ledger_balance(area=tree.county_a) == Decimal("1333.34")
    assert area_ledger_balance(area=tree.town_a1) == Decimal("99.99")
    assert area_ledger_balance(area=tree.county_b) == Decimal("0.00")


@pytest.mark.parametrize(
    ("_case", "actor_name", "fund_area"),
    [("other_county", "other_county_admin", "county_a"), ("no_area", "nobody", "county_a")],
)
def test_booking_on_a_fund_out_of_reach_reads_as_unknown(
    tree, actors, _case, actor_name, fund_area
):
    donor = make_source(getattr(tree, fund_area))
    fund = make_fund(getattr(tree, fund_area))

    with pytest.raises(ValidationError) as refused:
        donate(getattr(actors, actor_name), fund, donor, "10")

    assert refused.value.message_dict == {"fund": ["No such fund within your reach."]}
    assert LedgerEntry.objects.count() == 0


def test_a_future_date_is_refused(actors, money):
    donor, relief, _service = money
    with pytest.raises(ValidationError) as refused:
        donate(actors.county_admin, relief, donor, "10", day=datetime.date(2100, 1, 1))
    assert refused.value.message_dict == {"booked_on": ["The date cannot be in the future."]}
    assert LedgerEntry.objects.count() == 0


def test_a_transfer_touching_a_fund_out_of_reach_is_not_reversed_by_a_county(tree, actors, money):
    donor, relief, _service = money
    city_fund = make_fund(tree.city, name="市慈善救助基金")
    donate(actors.city_admin, relief, donor, "500")
    out_leg, _in_leg = ledger.transfer_book(
        actor=actors.city_admin,
        from_fund=relief,
        to_fund=city_fund,
        amount=Decimal("200"),
        booked_on=DAY,
    )

    with pytest.raises(ValidationError) as refused:
        ledger.entry_reverse(actor=actors.county_admin, entry=out_leg, reason="撤回")

    assert refused.value.message_dict == {"reverses": ["No such area within your reach."]}
    assert LedgerEntry.objects.filter(kind="reversal").count() == 0
    assert (balance(relief), balance(city_fund)) == (Decimal("300.00"), Decimal("200.00"))


@pytest.fixture
def elderly_fund(tree, actors, money):
    """A fund restricted to help for the elderly, holding 500 yuan."""
    donor, _relief, _service = money
    fund = make_fund(
        tree.county_a, name="东胜区助老专项基金", is_restricted=True, restriction="助老"
    )
    donate(actors.county_admin, fund, donor, "500")
    return fund


@pytest.mark.parametrize(("_case", "purpose"), [("no_purpose", ""), ("another_purpose", "助学")])
def test_a_restricted_fund_refuses_a_payment_not_for_its_restriction(
    actors, elderly_fund, _case, purpose
):
    with pytest.raises(ValidationError) as refused:
        pay(actors.county_admin, elderly_fund, "120", purpose=purpose)

    assert refused.value.message_dict == {
        "purpose": [
            "东胜区助老专项基金 may only pay for “助老”; give that as the purpose of the "
            "disbursement."
        ]
    }
    assert LedgerEntry.objects.filter(fund=elderly_fund).count() == 1
    assert balance(elderly_fund) == Decimal("500.00")


def test_a_restricted_fund_pays_for_its_restriction_and_keeps_it_on_the_entry(actors, elderly_fund):
    payment = pay(actors.county_admin, elderly_fund, "120", purpose=" 助老 ")
    (reversal,) = ledger.entry_reverse(actor=actors.county_admin, entry=payment, reason="错付")

    assert LedgerEntry.objects.get(pk=payment.pk).purpose == "助老"
    assert LedgerEntry.objects.get(pk=reversal.pk).purpose == "助老"
    assert balance(elderly_fund) == Decimal("500.00")


def test_an_unrestricted_fund_pays_without_a_purpose(actors, money):
    donor, relief, _service = money
    donate(actors.county_admin, relief, donor, "100")

    payment = pay(actors.county_admin, relief, "40")

    assert LedgerEntry.objects.get(pk=payment.pk).purpose == ""
    assert balance(relief) == Decimal("60.00")


@pytest.mark.parametrize(
    ("_case", "to_fund_fields"),
    [
        ("into_unrestricted", {}),
        ("into_another_restriction", {"is_restricted": True, "restriction": "助学"}),
    ],
)
def test_restricted_money_is_not_transferred_round_its_restriction(
    tree, actors, elderly_fund, _case, to_fund_fields
):
    other = make_fund(tree.county_a, name="东胜区其他基金", **to_fund_fields)

    with pytest.raises(ValidationError) as refused:
        ledger.transfer_book(
            actor=actors.county_admin,
            from_fund=elderly_fund,
            to_fund=other,
            amount=Decimal("200"),
            booked_on=DAY,
        )

    assert refused.value.message_dict == {
        "to_fund": [
            "东胜区助老专项基金 is restricted to “助老”; its money goes only into a fund with "
            "the same restriction."
        ]
    }
    assert LedgerEntry.objects.filter(fund__in=[elderly_fund, other]).count() == 1
    assert (balance(elderly_fund), balance(other)) == (Decimal("500.00"), Decimal("0.00"))


def test_restricted_money_moves_into_a_fund_with_the_same_restriction(tree, actors, elderly_fund):
    other = make_fund(
        tree.comm_a1_urban, name="社区助老基金", is_restricted=True, restriction="助老"
    )

    out_leg, in_leg = ledger.transfer_book(
        actor=actors.county_admin,
        from_fund=elderly_fund,
        to_fund=other,
        amount=Decimal("200"),
        booked_on=DAY,
    )

    assert (balance(elderly_fund), balance(other)) == (Decimal("300.00"), Decimal("200.00"))
    assert [
        entry.purpose for entry in LedgerEntry.objects.filter(pk__in=[out_leg.pk, in_leg.pk])
    ] == ["助老", "助老"]


def test_unrestricted_money_may_join_a_restricted_fund(actors, money, elderly_fund):
    donor, relief, _service = money
    donate(actors.county_admin, relief, donor, "100")

    ledger.transfer_book(
        actor=actors.county_admin,
        from_fund=relief,
        to_fund=elderly_fund,
        amount=Decimal("100"),
        booked_on=DAY,
    )

    assert (balance(relief), balance(elderly_fund)) == (Decimal("0.00"), Decimal("600.00"))


def test_a_restricted_gift_is_refused_by_a_fund_without_that_restriction(actors, money):
    donor, relief, _service = money

    with pytest.raises(ValidationError) as refused:
        donate(actors.county_admin, relief, donor, "100", purpose="助学")
    accepted = donate(actors.county_admin, relief, donor, "100")

    assert refused.value.message_dict == {
        "purpose": [
            "A gift restricted to “助学” goes into a fund restricted to the same purpose; "
            "社区慈善救助基金 is not."
        ]
    }
    # The refused gift took no receipt number.
    assert accepted.receipt_number == "150602-2025-000001"
    assert LedgerEntry.objects.count() == 1
    assert balance(relief) == Decimal("100.00")


def test_a_restricted_gift_goes_into_a_fund_with_that_restriction(actors, money, elderly_fund):
    donor, _relief, _service = money

    gift = donate(actors.county_admin, elderly_fund, donor, "100", purpose="助老")

    assert LedgerEntry.objects.get(pk=gift.pk).purpose == "助老"
    assert balance(elderly_fund) == Decimal("600.00")


@pytest.mark.parametrize(
    ("_case", "change"),
    [
        ("lifted", {"is_restricted": False, "restriction": ""}),
        ("reworded", {"restriction": "助学"}),
    ],
)
def test_a_fund_with_entries_keeps_its_restriction(actors, elderly_fund, _case, change):
    fund = CharityFund.objects.get(pk=elderly_fund.pk)
    for name, value in change.items():
        setattr(fund, name, value)

    with pytest.raises(ValidationError) as refused:
        sources.fund_save(actor=actors.county_admin, fund=fund)

    assert refused.value.message_dict == {
        "restriction": ["A fund with booked entries keeps its restriction."]
    }
    stored = CharityFund.objects.get(pk=elderly_fund.pk)
    assert (stored.is_restricted, stored.restriction) == (True, "助老")


def test_a_fund_without_entries_may_change_its_restriction(tree, actors):
    fund = make_fund(tree.county_a, is_restricted=True, restriction="助老")
    fund.is_restricted, fund.restriction = False, ""

    sources.fund_save(actor=actors.county_admin, fund=fund)

    stored = CharityFund.objects.get(pk=fund.pk)
    assert (stored.is_restricted, stored.restriction) == (False, "")
