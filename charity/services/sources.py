"""Writes to charity sources and funds (not their money: see charity.services.ledger)."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from charity.models import CharityFund, CharitySource
from stations.access import area_assert_in_scope, area_in_scope

# The fields a fund's owner may change; the balance belongs to the ledger.
FUND_EDITABLE_FIELDS = [
    "name",
    "kind",
    "area",
    "holder",
    "is_restricted",
    "restriction",
    "is_active",
]


def _assert_stored_in_scope(model, pk: int | None, *, actor, field: str = "area") -> None:
    """An update may not reach a row that is stored outside the actor's subtree."""
    if pk is None:
        return
    stored = model.objects.select_related("area").get(pk=pk)
    area_assert_in_scope(stored.area, actor=actor, field=field)


@transaction.atomic
def source_save(*, actor, source: CharitySource) -> CharitySource:
    """Creates or updates a charity source kept by an area the actor reaches."""
    area_assert_in_scope(source.area if source.area_id else None, actor=actor)
    _assert_stored_in_scope(CharitySource, source.pk, actor=actor)
    source.full_clean()
    source.save()
    return source


@transaction.atomic
def fund_save(*, actor, fund: CharityFund) -> CharityFund:
    """Creates or updates a fund; its balance is never written here."""
    area_assert_in_scope(fund.area if fund.area_id else None, actor=actor)
    _assert_stored_in_scope(CharityFund, fund.pk, actor=actor)
    if fund.holder_id is not None and not area_in_scope(fund.holder.area, actor=actor):
        raise ValidationError({"holder": [_("No such source within your reach.")]})
    if fund.pk is None:
        fund.balance = 0
        fund.full_clean()
        fund.save()
        return fund
    stored_area_id, stored_restricted, stored_restriction = CharityFund.objects.values_list(
        "area_id", "is_restricted", "restriction"
    ).get(pk=fund.pk)
    has_entries = fund.entries.exists()
    if fund.area_id != stored_area_id and has_entries:
        raise ValidationError(
            {"area": [_("A fund with booked entries stays with its area.")]},
            code="fund_area_fixed",
        )
    # Lifting or rewording a restriction would free money that was given or kept for it.
    if has_entries and (
        fund.is_restricted != stored_restricted
        or (fund.is_restricted and fund.restriction.strip() != stored_restriction.strip())
    ):
        raise ValidationError(
            {"restriction": [_("A fund with booked entries keeps its restriction.")]},
            code="fund_restriction_fixed",
        )
    fund.full_clean(exclude=["balance"])
    # update_fields: a concurrent booking may have moved the balance since this row was read.
    fund.save(update_fields=FUND_EDITABLE_FIELDS)
    return fund


@transaction.atomic
def fund_delete(*, actor, fund: CharityFund) -> None:
    """Deletes a fund that has never booked anything."""
    area_assert_in_scope(fund.area, actor=actor)
    if fund.entries.exists():
        raise ValidationError(
            _("A fund with booked entries cannot be deleted; close it instead."),
            code="fund_has_entries",
        )
    fund.delete()


@transaction.atomic
def source_delete(*, actor, source: CharitySource) -> None:
    area_assert_in_scope(source.area, actor=actor)
    source.delete()
