"""Reads of purchased services: scoped lists, reporting completeness and the county report."""

import datetime
from decimal import Decimal

from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone

from projects.access import scope_reports, scope_to_contractor
from projects.models import AnnualPlan, Contract, Contractor, Evaluation, Report


def contractor_list(*, actor) -> QuerySet:
    return scope_to_contractor(
        Contractor.objects.select_related("area"), actor=actor, contractor_field=""
    )


def contract_list(*, actor) -> QuerySet:
    return scope_to_contractor(Contract.objects.select_related("area", "contractor"), actor=actor)


# The contracts whose stations a contractor reaches: those signed and not yet ended.
IN_FORCE = [Contract.Status.SIGNED, Contract.Status.ACTIVE]


def contract_station_list(*, actor) -> QuerySet:
    """The stations served by the in-force contracts `actor` reaches, each with those contracts.

    A contractor account reaches no station but these (read-only); staff see the same list for
    their subtree. `reachable_contracts` on each station holds the actor's contracts serving it.
    Cost: one query for the page, one to prefetch the contracts.
    """
    from django.db.models import Prefetch

    from stations.access import scope_to_actor
    from stations.models import Station

    contracts = contract_list(actor=actor).filter(status__in=IN_FORCE)
    served = Contract.stations.through.objects.filter(
        contract_id__in=contracts.values("pk")
    ).values("station_id")
    return scope_to_actor(
        Station.objects.select_related("area", "contractor")
        .filter(pk__in=served)
        .prefetch_related(
            Prefetch(
                "contracts",
                queryset=contracts.order_by("number"),
                to_attr="reachable_contracts",
            )
        )
        .order_by("area__code", "pk"),
        actor=actor,
    )


def report_list(*, actor) -> QuerySet:
    """The reports `actor` reaches (projects.access.scope_reports)."""
    return scope_reports(
        Report.objects.select_related("contract__area", "contract__contractor"), actor=actor
    )


def report_completeness(
    *,
    actor,
    today: datetime.date | None = None,
    kind: str = Report.Kind.MONTHLY,
    county_code: str | None = None,
    year: int | None = None,
) -> list[dict]:
    """Reporting completeness and timeliness per contractor, county and month, in one query.

    Counts only reports already due: `due` of them, `submitted` at all, `on_time` by the due date,
    `late` after it, `missing` not yet. Rates are derived by the caller (or `with_rates`).
    `county_code` and `year` (of the period reported on) narrow the rows.
    """
    today = today or timezone.localdate()
    reports = report_list(actor=actor).filter(kind=kind, due_date__lt=today)
    if county_code:
        reports = reports.filter(contract__area__code=county_code)
    if year:
        reports = reports.filter(period__year=year)
    rows = (
        reports.values(
            "contract__contractor_id",
            "contract__contractor__name",
            "contract__area_id",
            "contract__area__code",
            "contract__area__name",
            "period",
        )
        .annotate(
            due=Count("pk"),
            submitted=Count("pk", filter=Q(first_submitted_on__isnull=False)),
            on_time=Count("pk", filter=Q(first_submitted_on__lte=F("due_date"))),
            late=Count("pk", filter=Q(first_submitted_on__gt=F("due_date"))),
            missing=Count("pk", filter=Q(first_submitted_on__isnull=True)),
        )
        .order_by("contract__contractor__name", "contract__area_id", "period")
    )
    return [with_rates(row) for row in rows]


def with_rates(row: dict) -> dict:
    due = row["due"] or 1
    return {
        **row,
        "completeness": round(100 * row["submitted"] / due, 1),
        "timeliness": round(100 * row["on_time"] / due, 1),
    }


def county_annual_report(*, actor, plan: AnnualPlan, today: datetime.date | None = None) -> dict:
    """The county's yearly report to the city (due 30 November), built from the records.

    Per contract running in the year: price, the payment instalments scheduled in the year (and
    those already due by `today`), the monthly briefings of the year by where they stand, and
    the year's evaluation with its indicator scores. Cost: four queries (the actor's role,
    contracts with their counts and sums, evaluations, scores), whatever the number of contracts.
    """
    from django.db.models import DecimalField, OuterRef, Subquery, Sum, Value
    from django.db.models.functions import Coalesce

    from projects.models import EvaluationScore, PaymentInstalment

    today = today or timezone.localdate()
    year = plan.year
    year_start, year_end = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    monthly_due = Q(
        reports__kind=Report.Kind.MONTHLY,
        reports__period__year=year,
        reports__due_date__lt=today,
    )
    monthly = Q(reports__kind=Report.Kind.MONTHLY, reports__period__year=year)

    def instalments(until: datetime.date):
        total = (
            PaymentInstalment.objects.filter(
                contract=OuterRef("pk"), due_date__gte=year_start, due_date__lte=until
            )
            .order_by()
            .values("contract")
            .annotate(total=Sum("amount"))
            .values("total")
        )
        return Coalesce(
            Subquery(total, output_field=DecimalField(max_digits=14, decimal_places=2)),
            Value(Decimal(0)),
            output_field=DecimalField(max_digits=14, decimal_places=2),
        )

    contracts = list(
        contract_list(actor=actor)
        .filter(area_id=plan.area_id, start_date__lte=year_end, end_date__gte=year_start)
        .annotate(
            reports_due=Count("reports", filter=monthly_due),
            reports_submitted=Count(
                "reports", filter=monthly_due & Q(reports__first_submitted_on__isnull=False)
            ),
            reports_on_time=Count(
                "reports",
                filter=monthly_due & Q(reports__first_submitted_on__lte=F("reports__due_date")),
            ),
            reports_late=Count(
                "reports",
                filter=monthly_due & Q(reports__first_submitted_on__gt=F("reports__due_date")),
            ),
            reports_missing=Count(
                "reports", filter=monthly_due & Q(reports__first_submitted_on__isnull=True)
            ),
            reports_waiting=Count(
                "reports",
                filter=monthly
                & Q(reports__status__in=[Report.Status.SUBMITTED, Report.Status.RESUBMITTED]),
            ),
            reports_returned=Count(
                "reports", filter=monthly & Q(reports__status=Report.Status.RETURNED)
            ),
            reports_approved=Count(
                "reports", filter=monthly & Q(reports__status=Report.Status.APPROVED)
            ),
            payments_scheduled=instalments(year_end),
            payments_due=instalments(min(today, year_end)),
        )
        .order_by("number")
    )
    evaluations = {
        evaluation.contract_id: evaluation
        for evaluation in Evaluation.objects.filter(
            contract__in=[c.pk for c in contracts], year=year
        )
    }
    scores: dict[int, list[dict]] = {}
    for score in (
        EvaluationScore.objects.filter(evaluation__in=[e.pk for e in evaluations.values()])
        .select_related("indicator")
        .order_by("evaluation_id", "indicator__position", "indicator__pk")
    ):
        scores.setdefault(score.evaluation_id, []).append(
            {
                "indicator": score.indicator.name,
                "weight": score.indicator.weight,
                "score": score.score,
            }
        )
    rows = []
    for contract in contracts:
        evaluation = evaluations.get(contract.pk)
        due = contract.reports_due
        rows.append(
            {
                "number": contract.number,
                "title": contract.title,
                "contractor": contract.contractor.name,
                "status": str(contract.get_status_display()),
                "start_date": contract.start_date,
                "end_date": contract.end_date,
                "price": contract.price,
                "payments_scheduled": _yuan(contract.payments_scheduled),
                "payments_due": _yuan(contract.payments_due),
                "reports_due": due,
                "reports_submitted": contract.reports_submitted,
                "reports_on_time": contract.reports_on_time,
                "reports_late": contract.reports_late,
                "reports_missing": contract.reports_missing,
                "reports_waiting": contract.reports_waiting,
                "reports_returned": contract.reports_returned,
                "reports_approved": contract.reports_approved,
                "completeness": round(100 * contract.reports_submitted / due, 1) if due else None,
                "timeliness": round(100 * contract.reports_on_time / due, 1) if due else None,
                "score": evaluation.total_score if evaluation else None,
                "grade": str(evaluation.get_grade_display()) if evaluation else "",
                "scores": scores.get(evaluation.pk, []) if evaluation else [],
            }
        )
    return {
        "county": plan.area.name,
        "year": year,
        "due_date": datetime.date(year, 11, 30),
        "plan_submitted_on": plan.submitted_on,
        "plan_days_late": plan.days_late(today),
        "budget": plan.budget,
        "contracted": sum((row["price"] for row in rows), _yuan(0)),
        "payments_scheduled": sum((row["payments_scheduled"] for row in rows), _yuan(0)),
        "payments_due": sum((row["payments_due"] for row in rows), _yuan(0)),
        "reports_due": sum(row["reports_due"] for row in rows),
        "reports_submitted": sum(row["reports_submitted"] for row in rows),
        "reports_on_time": sum(row["reports_on_time"] for row in rows),
        "evaluated": len(evaluations),
        "contracts": rows,
    }


def _yuan(value) -> Decimal:
    """An amount to the fen (SQLite sums decimals without their scale)."""
    return Decimal(value or 0).quantize(Decimal("0.01"))


def staff_minimums(station_ids: list[int]) -> dict[int, int]:
    """How many resident staff each station needs (its staffing rule; Jinan's 3 by default)."""
    from stations.models import Station

    try:
        from stations.rules import rules_for
    except ImportError:
        return dict.fromkeys(station_ids, DEFAULT_MIN_RESIDENT_STAFF)
    rules = rules_for(Station.objects.filter(pk__in=station_ids).select_related("area"))
    return {
        pk: rules[pk].min_resident_staff if pk in rules else DEFAULT_MIN_RESIDENT_STAFF
        for pk in station_ids
    }


DEFAULT_MIN_RESIDENT_STAFF = 3


def staff_on_post_flags(
    *, contracts: list[Contract], today: datetime.date | None = None
) -> dict[int, dict]:
    """Whether each signed contract's stations had their resident staff within a month of signing.

    By contract pk: `deadline` (signing + 1 month), `staffed_on` (the day the last station reached
    its minimum, or None), `on_post` and `days_late` (past the deadline until staffed, or until
    today while still short). Contracts without a signing date or stations are left out.
    Cost: a fixed number of queries (links, assignments, rules) whatever the number of contracts.
    """
    from dateutil.relativedelta import relativedelta

    try:
        from stations.models import StationAssignment
    except ImportError:  # the stations' staffing is not installed yet
        return {}

    today = today or timezone.localdate()
    signed = {c.pk: c for c in contracts if c.signed_on}
    if not signed:
        return {}
    links: dict[int, list[int]] = {}
    for contract_id, station_id in Contract.stations.through.objects.filter(
        contract_id__in=list(signed)
    ).values_list("contract_id", "station_id"):
        links.setdefault(contract_id, []).append(station_id)
    station_ids = sorted({pk for ids in links.values() for pk in ids})
    if not station_ids:
        return {}
    assignments: dict[int, list[tuple]] = {}
    for station_id, starts_on, ends_on in StationAssignment.objects.filter(
        station_id__in=station_ids, role=StationAssignment.Role.RESIDENT
    ).values_list("station_id", "starts_on", "ends_on"):
        assignments.setdefault(station_id, []).append((starts_on, ends_on))
    minimums = staff_minimums(station_ids)
    flags = {}
    for contract_id, ids in links.items():
        deadline = signed[contract_id].signed_on + relativedelta(months=1)
        staffed_days = []
        for station_id in ids:
            starts = sorted(
                starts_on
                for starts_on, ends_on in assignments.get(station_id, [])
                if ends_on is None or ends_on >= min(deadline, today)
            )
            needed = minimums[station_id]
            staffed_days.append(starts[needed - 1] if len(starts) >= needed else None)
        staffed_on = None if None in staffed_days else max(staffed_days)
        late_until = staffed_on if staffed_on is not None else today
        flags[contract_id] = {
            "deadline": deadline,
            "staffed_on": staffed_on,
            "on_post": staffed_on is not None and staffed_on <= today,
            "days_late": max(0, (late_until - deadline).days),
        }
    return flags
