"""Writes to contractors, plans and contracts (reports: projects.workflow; evaluations:
projects.evaluations)."""

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from projects import rules
from projects.models import AnnualPlan, Contract, Contractor, ContractStatusChange, Report
from stations.access import area_assert_in_scope
from stations.models import AdminArea

TERM_YEARS = 3

# Which status a contract may move to from each status.
CONTRACT_TRANSITIONS: dict[str, set[str]] = {
    Contract.Status.PROCUREMENT: {Contract.Status.SIGNED, Contract.Status.TERMINATED},
    Contract.Status.SIGNED: {Contract.Status.ACTIVE, Contract.Status.TERMINATED},
    Contract.Status.ACTIVE: {Contract.Status.TERMINATED, Contract.Status.COMPLETED},
    Contract.Status.TERMINATED: set(),
    Contract.Status.COMPLETED: set(),
}


@transaction.atomic
def contractor_save(*, actor, contractor: Contractor) -> Contractor:
    """Creates or updates a contractor kept by an area the actor reaches."""
    area_assert_in_scope(contractor.area if contractor.area_id else None, actor=actor)
    if contractor.pk is not None:
        old_area = AdminArea.objects.get(contractors__pk=contractor.pk)
        area_assert_in_scope(old_area, actor=actor)
    contractor.full_clean()
    contractor.save()
    return contractor


def _assert_county(area: AdminArea | None, *, field: str = "area") -> None:
    if area is not None and area.level != AdminArea.Level.COUNTY:
        raise ValidationError(
            {field: _("Choose a county-level area (the county civil-affairs bureau).")},
            code="not_a_county",
        )


@transaction.atomic
def plan_save(*, actor, plan: AnnualPlan) -> AnnualPlan:
    """Creates or updates a county's annual implementation plan."""
    area_assert_in_scope(plan.area if plan.area_id else None, actor=actor)
    if plan.pk is not None:
        area_assert_in_scope(AdminArea.objects.get(annual_plans__pk=plan.pk), actor=actor)
    _assert_county(plan.area if plan.area_id else None)
    plan.full_clean()
    plan.save()
    return plan


@transaction.atomic
def plan_delete(*, actor, plan: AnnualPlan) -> None:
    area_assert_in_scope(plan.area, actor=actor)
    plan.delete()


def default_end_date(start: datetime.date) -> datetime.date:
    """The last day of a three-year term starting on `start` (a 29 February start ends 27 Feb)."""
    try:
        anniversary = start.replace(year=start.year + TERM_YEARS)
    except ValueError:
        anniversary = start.replace(year=start.year + TERM_YEARS, day=28)
    return anniversary - datetime.timedelta(days=1)


def contract_validate(
    contract: Contract,
    *,
    townships: list[AdminArea] | None = None,
    station_ids: list[int] | None = None,
    instalments: list[dict] | None = None,
) -> None:
    """Field validation plus the contract rules; None for a relation means "as stored".

    Rules: the purchaser is a county; landing townships lie in it; the instalments add up to the
    price; the station rules of projects.rules (one contract per station at a time, the county
    total station and the county's township stations not with the same contractor).
    """
    if contract.start_date and not contract.end_date:
        contract.end_date = default_end_date(contract.start_date)
    _assert_county(contract.area if contract.area_id else None)
    contract.full_clean()
    errors: dict[str, list] = {}
    if townships is None:
        townships = list(contract.townships.all()) if contract.pk else []
    outside = [t.name for t in townships if t.parent_id != contract.area.code]
    if outside:
        errors.setdefault("townships", []).append(
            _("These townships are not in %(county)s: %(names)s.")
            % {"county": contract.area.name, "names": "、".join(outside)}
        )
    plan = contract.plan if contract.plan_id else None
    if plan is not None and plan.area_id != contract.area_id:
        errors.setdefault("plan", []).append(
            ValidationError(
                _("The annual plan %(plan)s is not %(county)s's; choose a plan of the purchaser.")
                % {"plan": plan, "county": contract.area.name},
                code="plan_of_another_county",
            )
        )
    if instalments:
        total = sum((Decimal(item["amount"]) for item in instalments), Decimal(0))
        if total != contract.price:
            errors.setdefault("instalments", []).append(
                _("The instalments add up to %(total)s yuan, not the price of %(price)s yuan.")
                % {"total": total, "price": contract.price}
            )
    if station_ids is None:
        station_ids = rules.contract_station_ids(contract)
    errors_from_rules = rules.station_rule_errors(contract, station_ids)
    if errors_from_rules:
        errors.setdefault("stations", []).extend(errors_from_rules)
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def contract_save(
    *,
    actor,
    contract: Contract,
    townships: list[AdminArea] | None = None,
    station_ids: list[int] | None = None,
    instalments: list[dict] | None = None,
) -> Contract:
    """Creates or updates a contract with its townships, stations and payment schedule.

    The status moves only through `contract_transition`. `instalments` (dicts with due_date,
    amount and note) replaces the whole schedule when given.
    """
    area_assert_in_scope(contract.area if contract.area_id else None, actor=actor)
    if contract.pk is not None:
        stored = Contract.objects.select_for_update().select_related("area").get(pk=contract.pk)
        area_assert_in_scope(stored.area, actor=actor)
        if stored.status != contract.status:
            raise ValidationError(
                {"status": _("Change the status with a status change, not by editing.")},
                code="status_by_transition",
            )
    elif contract.status != Contract.Status.PROCUREMENT:
        raise ValidationError(
            {"status": _("A new contract starts in procurement.")}, code="status_by_transition"
        )
    rules.lock_for_station_rules(
        contract, station_ids if station_ids is not None else rules.contract_station_ids(contract)
    )
    contract_validate(
        contract, townships=townships, station_ids=station_ids, instalments=instalments
    )
    created = contract.pk is None
    contract.save()
    if townships is not None:
        contract.townships.set(townships)
    if station_ids is not None:
        rules.contract_set_stations(contract, station_ids)
    if instalments is not None:
        contract.instalments.all().delete()
        contract.instalments.bulk_create(
            [
                contract.instalments.model(
                    contract=contract,
                    due_date=item["due_date"],
                    amount=Decimal(item["amount"]),
                    note=item.get("note", ""),
                )
                for item in instalments
            ]
        )
    if created:
        ContractStatusChange.objects.create(
            contract=contract,
            from_status="",
            to_status=contract.status,
            effective_on=contract.start_date,
            actor=actor,
        )
    return contract


@transaction.atomic
def contract_transition(
    *, actor, contract: Contract, to_status: str, effective_on: datetime.date, reason: str = ""
) -> Contract:
    """Moves a contract to another status, keeping the history; activation schedules its reports.

    Termination needs a reason; reports not yet started that fall after the end are dropped.
    """
    from projects.tasks import report_schedule_task

    contract = Contract.objects.select_for_update().select_related("area").get(pk=contract.pk)
    area_assert_in_scope(contract.area, actor=actor)
    reason = (reason or "").strip()
    old_status = contract.status
    if to_status not in CONTRACT_TRANSITIONS.get(old_status, set()):
        raise ValidationError(
            {
                "status": _("A contract cannot go from “%(from)s” to “%(to)s”.")
                % {
                    "from": Contract.Status(old_status).label,
                    "to": Contract.Status(to_status).label
                    if to_status in Contract.Status.values
                    else to_status,
                }
            },
            code="invalid_transition",
        )
    if to_status == Contract.Status.TERMINATED and not reason:
        raise ValidationError(
            {"reason": _("Give the reason for terminating the contract.")}, code="reason_required"
        )
    if to_status == Contract.Status.SIGNED:
        contract.signed_on = effective_on
    elif to_status == Contract.Status.ACTIVE:
        contract.activated_on = effective_on
        contract.signed_on = contract.signed_on or effective_on
    elif to_status == Contract.Status.TERMINATED:
        contract.terminated_on = effective_on
    elif to_status == Contract.Status.COMPLETED:
        contract.completed_on = effective_on
    contract.status = to_status
    contract.status_reason = reason
    rules.lock_for_station_rules(contract, rules.contract_station_ids(contract))
    contract_validate(contract)
    contract.save()
    ContractStatusChange.objects.create(
        contract=contract,
        from_status=old_status,
        to_status=to_status,
        effective_on=effective_on,
        reason=reason,
        actor=actor,
    )
    if to_status == Contract.Status.ACTIVE:
        transaction.on_commit(lambda: report_schedule_task.delay(contract.pk))
    elif to_status == Contract.Status.TERMINATED:
        contract.reports.filter(
            status=Report.Status.DRAFT, version=0, period__gt=effective_on
        ).delete()
    return contract
