"""Charity supermarkets (慈善超市): goods given in kind, and volunteer points spent on goods.

Points are spent through `volunteers.services.points_spend` (the volunteers app owns the points
ledger); the supermarket keeps its own record of what was taken and its value.
"""

import datetime
from collections.abc import Iterable
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from charity.models import (
    CharitySource,
    InKindDonation,
    InKindItem,
    PointsRedemption,
    RedemptionItem,
)
from stations.access import area_assert_in_scope, area_in_scope
from volunteers.models import Volunteer
from volunteers.services import points_spend

Item = tuple[str, int, Decimal]


def _check_supermarket(source: CharitySource | None, *, actor) -> None:
    if source is None or not area_in_scope(source.area, actor=actor):
        raise ValidationError(
            {"supermarket": [_("No such charity supermarket within your reach.")]}
        )
    if source.kind != CharitySource.Kind.CHARITY_SUPERMARKET:
        raise ValidationError({"supermarket": [_("This source is not a charity supermarket.")]})


def _check_items(items: list[Item]) -> None:
    if not items:
        raise ValidationError({"items": [_("List at least one item.")]})
    for number, (description, quantity, value) in enumerate(items, start=1):
        if not (description or "").strip() or quantity < 1 or value < 0:
            raise ValidationError(
                {
                    "items": [
                        _(
                            "Item %(number)d needs a description, a quantity of at least 1 "
                            "and a value of 0 or more."
                        )
                        % {"number": number}
                    ]
                }
            )


@transaction.atomic
def in_kind_save(*, actor, donation: InKindDonation) -> InKindDonation:
    """Records goods received by a supermarket (without items; see `in_kind_item_save`)."""
    if donation.pk is not None:
        raise ValidationError(_("A recorded donation is not changed."), code="immutable")
    _check_supermarket(donation.supermarket if donation.supermarket_id else None, actor=actor)
    if donation.donor_id is None or not area_in_scope(donation.donor.area, actor=actor):
        raise ValidationError({"donor": [_("No such source within your reach.")]})
    if donation.received_on and donation.received_on > timezone.localdate():
        raise ValidationError({"received_on": [_("The date cannot be in the future.")]})
    donation.area = donation.supermarket.area
    donation.recorded_by = actor if getattr(actor, "pk", None) else None
    donation.full_clean()
    donation.save()
    return donation


@transaction.atomic
def in_kind_item_save(*, actor, item: InKindItem) -> InKindItem:
    area_assert_in_scope(item.donation.area, actor=actor)
    item.full_clean()
    item.save()
    return item


@transaction.atomic
def in_kind_record(
    *,
    actor,
    supermarket: CharitySource,
    donor: CharitySource,
    received_on: datetime.date,
    items: Iterable[Item],
    note: str = "",
) -> InKindDonation:
    """Records goods received by a supermarket with their items, all or nothing."""
    items = list(items)
    _check_items(items)
    donation = in_kind_save(
        actor=actor,
        donation=InKindDonation(
            supermarket=supermarket, donor=donor, received_on=received_on, note=note
        ),
    )
    for description, quantity, value in items:
        in_kind_item_save(
            actor=actor,
            item=InKindItem(
                donation=donation, description=description, quantity=quantity, value=value
            ),
        )
    return donation


@transaction.atomic
def points_redeem(
    *,
    actor,
    supermarket: CharitySource,
    volunteer: Volunteer,
    points: int,
    redeemed_on: datetime.date,
    items: Iterable[Item],
) -> PointsRedemption:
    """A volunteer spends points at a supermarket: the points leave the volunteer's ledger (through
    the volunteers app) and the supermarket records what was taken, in one transaction."""
    items = list(items)
    _check_supermarket(supermarket, actor=actor)
    _check_items(items)
    if redeemed_on is None or redeemed_on > timezone.localdate():
        raise ValidationError({"redeemed_on": [_("The date cannot be in the future.")]})
    # The supermarket row is the lock that numbers its redemptions without repeats.
    supermarket = CharitySource.objects.select_for_update().get(pk=supermarket.pk)
    serial = PointsRedemption.objects.filter(
        supermarket=supermarket, redeemed_on=redeemed_on
    ).count()
    reference = f"CS{supermarket.pk:05d}-{redeemed_on:%Y%m%d}-{serial + 1:04d}"
    entry = points_spend(
        actor=actor,
        volunteer=volunteer,
        points=points,
        reason=_("Charity supermarket: %(name)s") % {"name": supermarket.name},
        reference=reference,
    )
    redemption = PointsRedemption(
        supermarket=supermarket,
        area=supermarket.area,
        volunteer=volunteer,
        points=points,
        points_entry=entry,
        redeemed_on=redeemed_on,
        reference=reference,
        recorded_by=actor if getattr(actor, "pk", None) else None,
    )
    redemption.full_clean()
    redemption.save()
    RedemptionItem.objects.bulk_create(
        RedemptionItem(redemption=redemption, description=d, quantity=q, value=v)
        for d, q, v in items
    )
    return redemption
