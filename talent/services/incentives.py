"""Writes to incentive policies and the grants made under them."""

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from stations.access import area_assert_in_scope, area_in_scope
from talent.models import LEVEL_RANK, IncentiveGrant, IncentivePolicy, Worker, worker_reach
from talent.services.common import assert_stored_in_scope, assert_worker_in_scope, not_found


@transaction.atomic
def policy_save(*, actor, policy: IncentivePolicy) -> IncentivePolicy:
    """Creates or updates an incentive policy of an area the actor reaches."""
    assert_stored_in_scope(policy, actor=actor, area_field="area", field="area")
    area_assert_in_scope(policy.area if policy.area_id else None, actor=actor)
    policy.full_clean()
    policy.save()
    return policy


@transaction.atomic
def policy_delete(*, actor, policy: IncentivePolicy) -> None:
    """Deletes a policy; refused (ProtectedError) while grants were made under it."""
    assert_stored_in_scope(policy, actor=actor, area_field="area", field="area")
    policy.delete()


def highest_level_on(worker: Worker, on: datetime.date) -> str:
    """The worker's highest certificate level obtained by `on` ("" when none)."""
    levels = worker.certificates.filter(obtained_on__lte=on).values_list("level", flat=True)
    return max(levels, key=LEVEL_RANK.__getitem__, default="")


def assert_grant_kept_by_actor(grant: IncentiveGrant, *, actor) -> None:
    """Refuses a change of a stored grant by an actor who only reaches it through a link.

    A grant is kept by the bureaus reaching its policy's area, and by the worker's own county
    under a policy of an area above it (a city subsidy). A county the person is merely linked
    to sees the grants of the person's other counties, but does not change them.
    """
    if grant.pk is None:
        return
    stored = (
        IncentiveGrant.objects.select_related("policy__area", "worker__area")
        .filter(pk=grant.pk)
        .first()
    )
    if stored is None:
        return
    policy_area, worker_area = stored.policy.area, stored.worker.area
    if area_in_scope(policy_area, actor=actor) or (
        area_in_scope(worker_area, actor=actor) and worker_area.path.startswith(policy_area.path)
    ):
        return
    raise ValidationError(
        _("This grant is kept by the bureau of its policy's area; only it can change it."),
        code="grant_kept_elsewhere",
    )


@transaction.atomic
def grant_save(*, actor, grant: IncentiveGrant) -> IncentiveGrant:
    """Grants a subsidy or award; the level and amount default from the worker and the policy.

    The worker must work inside the policy's area (or be linked to an area of it), and both must
    be in the actor's reach.
    """
    assert_stored_in_scope(grant, actor=actor, area_field=worker_reach("worker__"), field="worker")
    assert_grant_kept_by_actor(grant, actor=actor)
    policy = grant.policy if grant.policy_id else None
    stored_policy_id = (
        IncentiveGrant.objects.filter(pk=grant.pk).values_list("policy_id", flat=True).first()
        if grant.pk
        else None
    )
    # A grant under an ancestor's policy (a city subsidy) may be kept by the worker's county,
    # but only a user reaching the policy names it for a new grant.
    kept = stored_policy_id is not None and stored_policy_id == grant.policy_id
    if policy is None or not (kept or area_in_scope(policy.area, actor=actor)):
        raise not_found("policy")
    assert_worker_in_scope(grant.worker if grant.worker_id else None, actor=actor)
    grant_validate(grant)
    grant.save()
    return grant


def grant_validate(grant: IncentiveGrant) -> None:
    """Fills the level and amount from the worker and the policy; checks the policy's area."""
    policy, worker = grant.policy, grant.worker
    # A person linked to an area of the policy serves there, so the policy covers them too.
    serves_there = worker.area.path.startswith(policy.area.path) or (
        worker.pk is not None
        and worker.area_links.filter(area__path__startswith=policy.area.path).exists()
    )
    if not serves_there:
        raise ValidationError(
            {"worker": _("This person works outside the area of the policy.")},
            code="grant_outside_policy_area",
        )
    if grant.granted_on is None:
        grant.granted_on = timezone.localdate()
    if not grant.level:
        grant.level = highest_level_on(worker, grant.granted_on)
    if grant.amount is None:
        grant.amount = policy.amount_for(grant.level)
        if grant.amount is None:
            raise ValidationError(
                {"amount": _("The policy names no amount for this level; give the amount.")}
            )
    if not grant.is_paid:
        grant.paid_on = None
    grant.amount = Decimal(grant.amount)
    grant.full_clean()


@transaction.atomic
def grant_delete(*, actor, grant: IncentiveGrant) -> None:
    assert_stored_in_scope(grant, actor=actor, area_field=worker_reach("worker__"), field="worker")
    assert_grant_kept_by_actor(grant, actor=actor)
    if grant.is_paid:
        raise ValidationError(_("A paid grant is kept; it cannot be deleted."), code="grant_paid")
    grant.delete()
