"""Compliance runs: request, execute (compute into a new snapshot, then swap), fail safely."""

import logging
from collections.abc import Iterable
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import F, Q
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
from stations.models import AdminArea, AreaPopulation

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
    from reports.tasks import compliance_run_execute_task, compliance_run_split_task

    run = ComplianceRun.objects.create(area=area, year=year, requested_by=requested_by)
    # A province's or city's run is split over workers, one part per child (see below).
    task = (
        compliance_run_split_task if area.level in FAN_OUT_LEVELS else compliance_run_execute_task
    )
    transaction.on_commit(lambda: task.delay(run.pk))
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


def compliance_refresh_after_import(
    *, area_paths: Iterable[str], year: int | None = None
) -> list[ComplianceRun]:
    """Queues a run for each top-level area an import wrote to, once (debounced).

    Imports write with bulk statements, which leave no audit entries for
    `compliance_refresh_changed` to find, so an import service calls this when it wrote
    something. A root with a run still waiting in the queue gets no second one: that run starts
    after the import has committed and sees it. (A run already computing may have read the
    records before the import, so it does not count.) Cost: two queries plus one per run.
    """
    year = year or timezone.localdate().year
    roots = {codes[0] for codes in map(codes_in_path, area_paths) if codes}
    if not roots:
        return []
    waiting = set(
        ComplianceRun.objects.filter(
            year=year, area__code__in=roots, status=ComplianceRun.Status.QUEUED
        ).values_list("area__code", flat=True)
    )
    return [
        compliance_run_queue(area=root, year=year)
        for root in AdminArea.objects.filter(
            code__in=roots - waiting, parent__isnull=True
        ).order_by("code")
    ]


def compliance_nightly(*, year: int) -> list[ComplianceRun]:
    """Queues one run per top-level area, so that several workers share a national night.

    Once a day: a root with a run of the year requested since midnight that has not failed is
    left alone, so that a second delivery of the nightly job (a retry, a duplicate beat) does
    not compute the whole country twice.
    """
    midnight = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    already = (
        ComplianceRun.objects.filter(year=year, requested_at__gte=midnight)
        .exclude(status=ComplianceRun.Status.FAILED)
        .values("area_id")
    )
    return [
        compliance_run_queue(area=root, year=year)
        for root in AdminArea.objects.filter(parent__isnull=True)
        .exclude(pk__in=already)
        .order_by("code")
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


# --- fan-out: a big area's run split into parts (one per child), computed by several workers ---

# Runs over a province or a city are split over their children (cities, counties).
FAN_OUT_LEVELS = (AdminArea.Level.PROVINCE, AdminArea.Level.CITY)


def _root_has_own_records(area: AdminArea) -> bool:
    """Whether records sit on the area itself (a provincial fund, a worker of the city): a part
    per child would leave them out of the area's own figures, so such a run is not split.

    Cost: one query per kind of record that metrics read by its area.
    """
    from charity.models import LedgerEntry
    from projects.models import Contract
    from talent.models import Worker
    from volunteers.models import Activity, ServicePoint

    kinds = (Worker, LedgerEntry, Activity, ServicePoint, Contract)
    return any(kind.objects.filter(area=area).exists() for kind in kinds)


def compliance_run_parts(run: ComplianceRun) -> list[str]:
    """The subtree paths a run is split into: its area's children, or [] to run it whole."""
    if run.area.level not in FAN_OUT_LEVELS:
        return []
    children = list(
        AdminArea.objects.filter(parent=run.area).order_by("code").values_list("path", flat=True)
    )
    if len(children) < 2 or _root_has_own_records(run.area):
        return []
    return children


def _facts_json(facts: dict) -> dict:
    """Facts as JSON for the result backend: Decimals as strings."""
    return {
        key: {
            path: [None if part is None else str(part) for part in pair]
            for path, pair in by_path.items()
        }
        for key, by_path in facts.items()
    }


def _facts_from_json(facts: dict) -> dict:
    return {
        key: {
            path: tuple(None if part is None else Decimal(part) for part in pair)
            for path, pair in by_path.items()
        }
        for key, by_path in facts.items()
    }


def compliance_run_start_parts(*, run_id: int) -> list[str]:
    """Marks a run running for a split computation; the paths of its parts ([] to run whole)."""
    run = ComplianceRun.objects.select_related("area").get(pk=run_id)
    if run.status == ComplianceRun.Status.COMPLETE:
        return []
    parts = compliance_run_parts(run)
    if parts:
        run.status = ComplianceRun.Status.RUNNING
        run.started_at = timezone.now()
        run.parts_total = len(parts) + 1
        run.parts_done = 0
        run.error = ""
        run.save(update_fields=["status", "started_at", "parts_total", "parts_done", "error"])
    return parts


def compliance_part_compute(*, run_id: int, path: str) -> dict:
    """Every metric for the subtree at `path`, one part of a split run (JSON facts).

    Cost: the queries of a whole run, over the part's subtree only.
    """
    run = ComplianceRun.objects.get(pk=run_id)
    try:
        tree = Tree(path)
        facts = {metric.key: metric.compute(tree, run.year) for metric in metrics()}
    except Exception as exc:
        # The chord's callback never runs after a failed part: the run is failed here, and the
        # previous snapshot stays current.
        logger.exception("Part %s of compliance run %s failed", path, run_id)
        ComplianceRun.objects.filter(pk=run_id).update(
            status=ComplianceRun.Status.FAILED,
            error=f"{path}: {type(exc).__name__}: {exc}"[:4000],
            finished_at=timezone.now(),
        )
        raise
    ComplianceRun.objects.filter(pk=run_id).update(parts_done=F("parts_done") + 1)
    return _facts_json(facts)


def compliance_parts_combine(*, run_id: int, parts: list[dict]) -> ComplianceRun:
    """Joins the parts of a split run into one snapshot and swaps it in.

    Every area below the root has its figures from the part holding it; the root's own come from
    the parts' top areas combined (Metric.combine_parts), with the root's own population figure,
    when it has one, in place of its children's sum (as Tree.population does). A failure marks the
    run failed and leaves the previous snapshot current.
    """
    run = ComplianceRun.objects.select_related("area").get(pk=run_id)
    if run.status in (ComplianceRun.Status.COMPLETE, ComplianceRun.Status.FAILED):
        return run
    try:
        chosen = metrics()
        tree = Tree(run.area.path)
        loaded = [_facts_from_json(part) for part in parts]
        depth = run.area.path.count("/") + 1
        children = [path for path in tree.rows if path.count("/") == depth]
        own_population = (
            AreaPopulation.objects.filter(area=run.area, year=run.year)
            .values_list("population", flat=True)
            .first()
        )
        facts: dict[str, dict] = {}
        for metric in chosen:
            by_path: dict = {}
            for part in loaded:
                # An area added since the parts were computed waits for the next run.
                by_path.update(
                    (path, pair) for path, pair in part[metric.key].items() if path in tree.rows
                )
            root = metric.combine_parts([by_path.get(child, (None, None)) for child in children])
            if own_population is not None and metric.per_population:
                root = (root[0], Decimal(own_population))
            if own_population is not None and metric.key == "population":
                root = (Decimal(own_population), None)
            by_path[run.area.path] = root
            facts[metric.key] = by_path
        _store_snapshot(run, tree, chosen, facts)
    except Exception as exc:
        logger.exception("Compliance run %s failed while combining its parts", run.pk)
        run.status = ComplianceRun.Status.FAILED
        run.error = f"{type(exc).__name__}: {exc}"[:4000]
        run.finished_at = timezone.now()
        run.save(update_fields=["status", "error", "finished_at"])
        return run
    run.status = ComplianceRun.Status.COMPLETE
    run.parts_done = run.parts_total
    run.finished_at = timezone.now()
    run.save(update_fields=["status", "parts_done", "finished_at"])
    return run
