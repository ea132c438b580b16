"""Booking money on charity funds: donations, disbursements, transfers and reversals.

The ledger is append-only. Every booking locks the fund row (`select_for_update`) for the rest of
its transaction, checks the balance there and writes the entry and the new `CharityFund.balance`
together, so that two disbursements booked at the same moment cannot overdraw a fund together:
the second waits for the first and then sees its balance.
"""

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from charity.models import (
    CharityFund,
    CharitySource,
    LedgerEntry,
    LinkageProject,
    Need,
    ReceiptCounter,
)
from stations.access import area_assert_in_scope, area_in_scope
from stations.areas import SIGNIFICANT_DIGITS
from stations.models import AdminArea
from volunteers.models import Activity

Kind = LedgerEntry.Kind
Direction = LedgerEntry.Direction
TargetKind = LedgerEntry.TargetKind


def _check_amount(amount) -> Decimal:
    if not isinstance(amount, Decimal):
        raise ValidationError({"amount": [_("Give the amount in yuan as a decimal number.")]})
    if amount <= 0:
        raise ValidationError(
            {"amount": [_("The amount must be more than zero.")]}, code="amount_not_positive"
        )
    if amount.as_tuple().exponent < -2:
        raise ValidationError({"amount": [_("Amounts are in yuan with at most two decimals.")]})
    return amount


def _check_date(booked_on: datetime.date) -> None:
    if booked_on is None:
        raise ValidationError({"booked_on": [_("Give the date.")]})
    if booked_on > timezone.localdate():
        raise ValidationError({"booked_on": [_("The date cannot be in the future.")]})


def _fund_in_scope(fund: CharityFund | None, *, actor, field: str = "fund") -> None:
    if fund is None or not area_in_scope(fund.area, actor=actor):
        raise ValidationError({field: [_("No such fund within your reach.")]}, code="not_found")


def _same_restriction(first: str, second: str) -> bool:
    """Restrictions compare as words, not keystrokes: case and runs of spaces do not count."""
    return " ".join(first.split()).casefold() == " ".join(second.split()).casefold()


def _check_restricted_gift(fund: CharityFund, purpose: str) -> None:
    """A gift the donor restricted goes only into a fund restricted to that same purpose, so
    that the restriction still binds the money when it is paid out."""
    if not purpose.strip():
        return
    if not fund.is_restricted or not _same_restriction(purpose, fund.restriction):
        raise ValidationError(
            {
                "purpose": [
                    _(
                        "A gift restricted to “%(purpose)s” goes into a fund restricted to the "
                        "same purpose; %(fund)s is not."
                    )
                    % {"purpose": purpose.strip(), "fund": fund.name}
                ]
            },
            code="restriction_mismatch",
        )


def _check_restricted_payment(fund: CharityFund, purpose: str) -> None:
    """A restricted fund pays out only for its restriction, stated on the disbursement."""
    if fund.is_restricted and not _same_restriction(purpose, fund.restriction):
        raise ValidationError(
            {
                "purpose": [
                    _(
                        "%(fund)s may only pay for “%(restriction)s”; give that as the purpose "
                        "of the disbursement."
                    )
                    % {"fund": fund.name, "restriction": fund.restriction}
                ]
            },
            code="restriction_mismatch",
        )


def _check_restricted_transfer(from_fund: CharityFund, to_fund: CharityFund) -> None:
    """Restricted money moves only into a fund bound by the same restriction: a transfer must
    not be a way round it."""
    if from_fund.is_restricted and not (
        to_fund.is_restricted and _same_restriction(from_fund.restriction, to_fund.restriction)
    ):
        raise ValidationError(
            {
                "to_fund": [
                    _(
                        "%(fund)s is restricted to “%(restriction)s”; its money goes only into "
                        "a fund with the same restriction."
                    )
                    % {"fund": from_fund.name, "restriction": from_fund.restriction}
                ]
            },
            code="restriction_mismatch",
        )


def _lock_funds(*fund_ids: int) -> dict[int, CharityFund]:
    """Locks the fund rows until the transaction ends, always in id order (no deadlocks)."""
    funds = CharityFund.objects.select_for_update().filter(pk__in=fund_ids).order_by("pk")
    return {fund.pk: fund for fund in funds}


def receipt_prefix(area: AdminArea) -> str:
    """The significant digits of the area's code: "150602" for 东胜区."""
    return area.code[: SIGNIFICANT_DIGITS[area.level]]


def _next_receipt_number(*, area: AdminArea, year: int) -> str:
    """The next receipt number of an area in a year, e.g. "150602-2025-000017".

    The counter row stays locked until the donation's transaction ends, and rolls back with it,
    so that numbers have neither gaps nor repeats.
    """
    ReceiptCounter.objects.get_or_create(area=area, year=year)
    counter = ReceiptCounter.objects.select_for_update().get(area=area, year=year)
    counter.last_number += 1
    counter.save(update_fields=["last_number"])
    return f"{receipt_prefix(area)}-{year}-{counter.last_number:06d}"


def _book(
    *, actor, fund: CharityFund, kind: str, direction: str, amount: Decimal, booked_on, **fields
) -> LedgerEntry:
    """Writes one entry on a fund locked by the caller and moves its balance."""
    change = amount if direction == Direction.IN else -amount
    new_balance = fund.balance + change
    if new_balance < 0:
        raise ValidationError(
            {
                "amount": [
                    _("%(fund)s holds %(balance)s yuan; %(amount)s yuan would overdraw it.")
                    % {"fund": fund.name, "balance": fund.balance, "amount": amount}
                ]
            },
            code="overdraft",
        )
    entry = LedgerEntry(
        fund=fund,
        area_id=fund.area_id,
        kind=kind,
        direction=direction,
        amount=amount,
        booked_on=booked_on,
        booked_by=actor if getattr(actor, "pk", None) else None,
        **fields,
    )
    entry.full_clean(exclude=["fund", "area", "booked_by", "reverses", "counterpart"])
    entry.save()
    fund.balance = new_balance
    fund.save(update_fields=["balance"])
    return entry


@transaction.atomic
def donation_book(
    *,
    actor,
    fund: CharityFund,
    donor: CharitySource,
    amount: Decimal,
    booked_on: datetime.date,
    purpose: str = "",
    memo: str = "",
) -> LedgerEntry:
    """Books a donation into a fund and issues the next receipt number of the fund's area."""
    _fund_in_scope(fund, actor=actor)
    if donor is None or not area_in_scope(donor.area, actor=actor):
        raise ValidationError({"donor": [_("No such source within your reach.")]})
    _check_amount(amount)
    _check_date(booked_on)
    fund = _lock_funds(fund.pk)[fund.pk]
    if not fund.is_active:
        raise ValidationError({"fund": [_("This fund is closed.")]}, code="fund_inactive")
    # Checked on the locked row: a restriction changed meanwhile is seen.
    _check_restricted_gift(fund, purpose)
    receipt_number = _next_receipt_number(area=fund.area, year=booked_on.year)
    return _book(
        actor=actor,
        fund=fund,
        kind=Kind.DONATION,
        direction=Direction.IN,
        amount=amount,
        booked_on=booked_on,
        donor=donor,
        purpose=purpose.strip(),
        memo=memo,
        receipt_number=receipt_number,
    )


def _target_fields(
    *,
    actor,
    target_kind: str,
    linkage_project: LinkageProject | None,
    need: Need | None,
    activity: Activity | None,
) -> dict:
    """The target columns of a disbursement, checked: exactly the one the kind names, in scope."""
    if target_kind == TargetKind.LINKAGE_PROJECT:
        if linkage_project is None or not area_in_scope(linkage_project.area, actor=actor):
            raise ValidationError({"linkage_project": [_("Name the linkage project paid.")]})
        return {"target_kind": target_kind, "linkage_project": linkage_project}
    if target_kind == TargetKind.NEED:
        if need is None or not area_in_scope(need.area, actor=actor):
            raise ValidationError({"need": [_("Name the need paid for.")]})
        return {"target_kind": target_kind, "need": need}
    if target_kind == TargetKind.VOLUNTEER_ACTIVITY:
        if activity is None or not area_in_scope(activity.area, actor=actor):
            raise ValidationError({"activity": [_("Name the volunteer activity paid for.")]})
        return {"target_kind": target_kind, "activity": activity}
    raise ValidationError(
        {"target_kind": [_("Say what the money is paid to: a project, a need or an activity.")]}
    )


@transaction.atomic
def disbursement_book(
    *,
    actor,
    fund: CharityFund,
    amount: Decimal,
    booked_on: datetime.date,
    target_kind: str,
    linkage_project: LinkageProject | None = None,
    need: Need | None = None,
    activity: Activity | None = None,
    purpose: str = "",
    memo: str = "",
) -> LedgerEntry:
    """Pays out of a fund to a linkage project, a need or a volunteer activity; never overdraws.

    A restricted fund pays only with its restriction given as the `purpose`, which is kept on
    the entry, so that every yuan out of it names what it was spent on.
    """
    _fund_in_scope(fund, actor=actor)
    _check_amount(amount)
    _check_date(booked_on)
    target = _target_fields(
        actor=actor,
        target_kind=target_kind,
        linkage_project=linkage_project,
        need=need,
        activity=activity,
    )
    fund = _lock_funds(fund.pk)[fund.pk]
    _check_restricted_payment(fund, purpose)
    return _book(
        actor=actor,
        fund=fund,
        kind=Kind.DISBURSEMENT,
        direction=Direction.OUT,
        amount=amount,
        booked_on=booked_on,
        purpose=fund.restriction if fund.is_restricted else purpose.strip(),
        memo=memo,
        **target,
    )


@transaction.atomic
def transfer_book(
    *,
    actor,
    from_fund: CharityFund,
    to_fund: CharityFund,
    amount: Decimal,
    booked_on: datetime.date,
    memo: str = "",
) -> tuple[LedgerEntry, LedgerEntry]:
    """Moves money between two funds: both legs are written, or neither. Money of a restricted
    fund moves only into a fund with the same restriction, and both legs carry it."""
    _fund_in_scope(from_fund, actor=actor, field="fund")
    _fund_in_scope(to_fund, actor=actor, field="to_fund")
    if from_fund.pk == to_fund.pk:
        raise ValidationError({"to_fund": [_("A transfer needs two different funds.")]})
    _check_amount(amount)
    _check_date(booked_on)
    funds = _lock_funds(from_fund.pk, to_fund.pk)
    if not funds[to_fund.pk].is_active:
        raise ValidationError({"to_fund": [_("This fund is closed.")]}, code="fund_inactive")
    _check_restricted_transfer(funds[from_fund.pk], funds[to_fund.pk])
    purpose = funds[from_fund.pk].restriction if funds[from_fund.pk].is_restricted else ""
    out_leg = _book(
        actor=actor,
        fund=funds[from_fund.pk],
        kind=Kind.TRANSFER_OUT,
        direction=Direction.OUT,
        amount=amount,
        booked_on=booked_on,
        purpose=purpose,
        memo=memo,
    )
    in_leg = _book(
        actor=actor,
        fund=funds[to_fund.pk],
        kind=Kind.TRANSFER_IN,
        direction=Direction.IN,
        amount=amount,
        booked_on=booked_on,
        purpose=purpose,
        memo=memo,
        counterpart=out_leg,
    )
    return out_leg, in_leg


@transaction.atomic
def entry_reverse(
    *, actor, entry: LedgerEntry, reason: str, booked_on: datetime.date | None = None
) -> list[LedgerEntry]:
    """Corrects a booked entry by a reversal entry pointing at it; a transfer is reversed on both
    legs. An entry is reversed once at most, and a reversal is never reversed."""
    area_assert_in_scope(entry.area, actor=actor, field="reverses")
    if not (reason or "").strip():
        raise ValidationError({"memo": [_("Give the reason for the reversal.")]})
    booked_on = booked_on or timezone.localdate()
    _check_date(booked_on)
    if entry.kind == Kind.REVERSAL:
        raise ValidationError(
            {"reverses": [_("A reversal cannot be reversed; book the entry again instead.")]},
            code="reversal_of_reversal",
        )
    legs = [entry]
    if entry.kind == Kind.TRANSFER_IN:
        legs.append(entry.counterpart)
    elif entry.kind == Kind.TRANSFER_OUT:
        legs.append(LedgerEntry.objects.get(counterpart=entry))
    for leg in legs[1:]:
        # The other leg of a transfer may sit in a fund the actor does not reach.
        area_assert_in_scope(leg.area, actor=actor, field="reverses")
    funds = _lock_funds(*[leg.fund_id for leg in legs])
    # Checked with the funds locked: a concurrent reversal of the same entry waits, then sees it.
    if LedgerEntry.objects.filter(reverses__in=legs).exists():
        raise ValidationError(
            {"reverses": [_("This entry has already been reversed.")]}, code="already_reversed"
        )
    # The money going out again is booked first, so that an overdraft refuses the whole reversal.
    legs.sort(key=lambda leg: leg.direction != Direction.IN)
    return [
        _book(
            actor=actor,
            fund=funds[leg.fund_id],
            kind=Kind.REVERSAL,
            direction=Direction.OUT if leg.direction == Direction.IN else Direction.IN,
            amount=leg.amount,
            booked_on=booked_on,
            memo=reason.strip(),
            reverses=leg,
            purpose=leg.purpose,
            target_kind=leg.target_kind,
            linkage_project_id=leg.linkage_project_id,
            need_id=leg.need_id,
            activity_id=leg.activity_id,
        )
        for leg in legs
    ]
