"""Compliance runs: request, execute (compute into a new snapshot, then swap), fail safely."""

import logging
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from reports.engine import Tree
from reports.metric_defs import metrics
from reports.models import (
    AreaResult,
    ComplianceRun,
    ComplianceSnapshot,
    Target,
    TargetThreshold,
)
from stations.access import area_assert_in_scope
from stations.areas import codes_in_path
from stations.models import AdminArea

logger = logging.getLogger(__name__)
BATCH = 5000


class QueryCounter:
    """Counts the SQL statements a block runs (works without DEBUG, unlike connection.queries)."""

    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


@transaction.atomic
def compliance_run_request(*, actor, area: AdminArea, year: int) -> ComplianceRun:
    """Queues a run for `area` and its subtree on behalf of a user who reaches it."""
    area_assert_in_scope(area, actor=actor)
    return compliance_run_queue(area=area, year=year, requested_by=actor)


@transaction.atomic
def compliance_run_queue(*, area: AdminArea, year: int, requested_by=None) -> ComplianceRun:
    """Queues a run; the task starts once this transaction commits."""
    from reports.tasks import compliance_run_execute_task

    run = ComplianceRun.objects.create(area=area, year=year, requested_by=requested_by)
    transaction.on_commit(lambda: compliance_run_execute_task.delay(run.pk))
    return run


def compliance_refresh_changed(*, year: int, since_minutes: int = 60) -> list[ComplianceRun]:
    """Queues a run for every top-level area with changes since its current snapshot's run began.

    Every write through the admin, the portal or the API is in the audit log with the area path
    it touched, so this finds what changed without any app calling reports. A root with a run
    already queued or running is left alone. Cost: three queries plus one per queued run.
    """
    from auditlog.models import LogEntry

    now = timezone.now()
    changed_paths = (
        LogEntry.objects.filter(timestamp__gte=now - timezone.timedelta(minutes=since_minutes))
        .exclude(additional_data__area_path__isnull=True)
        .values_list("additional_data__area_path", "timestamp")
    )
    latest_change: dict[str, object] = {}
    for path, timestamp in changed_paths:
        codes = codes_in_path(path or "")
        if codes and (codes[0] not in latest_change or timestamp > latest_change[codes[0]]):
            latest_change[codes[0]] = timestamp
    if not latest_change:
        return []
    # A snapshot reflects the records as they were when its run started: a change made while
    # the run was computing may be missing from it, so it counts as newer than the snapshot.
    computed = dict(
        ComplianceSnapshot.objects.filter(year=year, is_current=True, area__code__in=latest_change)
        .annotate(as_of=Coalesce("run__started_at", "computed_at"))
        .values_list("area__code", "as_of")
    )
    busy = set(
        ComplianceRun.objects.filter(
            year=year,
            area__code__in=latest_change,
            status__in=[ComplianceRun.Status.QUEUED, ComplianceRun.Status.RUNNING],
        ).values_list("area__code", flat=True)
    )
    stale = [
        code
        for code, changed_at in latest_change.items()
        if code not in busy and (code not in computed or changed_at > computed[code])
    ]
    return [
        compliance_run_queue(area=root, year=year)
        for root in AdminArea.objects.filter(code__in=stale, parent__isnull=True).order_by("code")
    ]


def compliance_nightly(*, year: int) -> list[ComplianceRun]:
    """Queues one run per top-level area, so that several workers share a national night."""
    return [
        compliance_run_queue(area=root, year=year)
        for root in AdminArea.objects.filter(parent__isnull=True).order_by("code")
    ]


def _threshold_in_force(target: Target, thresholds: dict[int, list[TargetThreshold]], now):
    for version in thresholds.get(target.pk, []):
        if version.valid_from <= now:
            return version.value
    return None


def _applicable_targets(tree: Tree, year: int, keys: set[str]) -> list[Target]:
    """Targets of the year whose subtree meets this one (above it or inside it). One query."""
    above = codes_in_path(tree.root_path)
    return list(
        Target.objects.filter(year=year, is_active=True, metric__in=keys)
        .filter(Q(area__code__in=above) | Q(area__path__startswith=tree.root_path))
        .select_related("area")
    )


def _met(comparison: str, value, threshold: Decimal) -> bool | None:
    if value is None:
        return None
    if comparison == Target.Comparison.AT_LEAST:
        return Decimal(str(value)) >= threshold
    return Decimal(str(value)) <= threshold


def _source(target: Target) -> str:
    return " ".join(part for part in (target.source_document, target.source_clause) if part)


def _json(number: Decimal | None) -> int | float | None:
    """A JSON number: integers stay integers, the rest keep four decimals."""
    if number is None:
        return None
    number = Decimal(number)
    return int(number) if number == number.to_integral_value() else float(number)


def compliance_run_execute(*, run_id: int) -> ComplianceRun:
    """Computes every metric for every area of the run's subtree and makes it the current snapshot.

    Idempotent: a completed run is left as it is. A failure marks the run failed with the reason
    and leaves the previous snapshot current. Cost: a fixed number of queries per metric, plus
    the bulk inserts of the results.
    """
    run = ComplianceRun.objects.select_related("area").get(pk=run_id)
    if run.status == ComplianceRun.Status.COMPLETE:
        return run
    chosen = metrics()
    run.status = ComplianceRun.Status.RUNNING
    run.started_at = timezone.now()
    run.parts_total = len(chosen) + 1
    run.parts_done = 0
    run.error = ""
    run.save(update_fields=["status", "started_at", "parts_total", "parts_done", "error"])
    counter = QueryCounter()
    try:
        with connection.execute_wrapper(counter):
            tree = Tree(run.area.path)
            facts = {}
            for metric in chosen:
                facts[metric.key] = metric.compute(tree, run.year)
                ComplianceRun.objects.filter(pk=run.pk).update(parts_done=len(facts))
            _store_snapshot(run, tree, chosen, facts)
    except Exception as exc:
        logger.exception("Compliance run %s failed", run.pk)
        run.status = ComplianceRun.Status.FAILED
        run.error = f"{type(exc).__name__}: {exc}"[:4000]
        run.finished_at = timezone.now()
        run.save(update_fields=["status", "error", "finished_at"])
        return run
    run.status = ComplianceRun.Status.COMPLETE
    run.parts_done = run.parts_total
    run.finished_at = timezone.now()
    run.query_count = counter.count
    run.save(update_fields=["status", "parts_done", "finished_at", "query_count"])
    return run


@transaction.atomic
def _store_snapshot(run: ComplianceRun, tree: Tree, chosen, facts) -> ComplianceSnapshot:
    """Writes the snapshot and swaps it in; readers never see it half-written."""
    now = timezone.now()
    snapshot = ComplianceSnapshot.objects.create(
        run=run, area=run.area, year=run.year, computed_at=now
    )
    by_key = {metric.key: metric for metric in chosen}
    values: dict[str, dict[str, list]] = {path: {} for path in tree.rows}
    for metric in chosen:
        for path, (numerator, denominator) in facts[metric.key].items():
            value = metric.value(numerator, denominator)
            values[path][metric.key] = [_json(numerator), _json(denominator), _json(value)]

    targets = _applicable_targets(tree, run.year, set(by_key))
    thresholds: dict[int, list[TargetThreshold]] = {}
    for version in TargetThreshold.objects.filter(target__in=targets).order_by("-valid_from"):
        thresholds.setdefault(version.target_id, []).append(version)
    results: dict[str, list[dict]] = {path: [] for path in tree.rows}
    for target in targets:
        threshold = _threshold_in_force(target, thresholds, now)
        if threshold is None:
            continue
        # The target as it stands now, copied: a later edit or deletion of the target never
        # rewrites what this snapshot reports.
        copied = {
            "target": target.pk,
            "metric": target.metric,
            "threshold": _json(threshold),
            "comparison": target.comparison,
            "source": _source(target),
        }
        for path, row in tree.rows.items():
            if not path.startswith(target.area.path):
                continue
            if target.level is not None and row.level != target.level:
                continue
            value = values[path].get(target.metric, [None, None, None])[2]
            results[path].append({**copied, "met": _met(target.comparison, value, threshold)})
    AreaResult.objects.bulk_create(
        (
            AreaResult(
                snapshot=snapshot,
                area_id=row.id,
                values=values[path],
                results=results[path],
            )
            for path, row in tree.rows.items()
        ),
        batch_size=BATCH,
    )
    ComplianceSnapshot.objects.filter(area=run.area, year=run.year, is_current=True).update(
        is_current=False
    )
    snapshot.is_current = True
    snapshot.save(update_fields=["is_current"])
    return snapshot
