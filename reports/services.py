"""Compliance runs: request, execute (compute into a new snapshot, then swap), fail safely."""

import datetime
import logging
import threading
from collections.abc import Iterable
from contextlib import contextmanager
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
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
def compliance_run_queue(
    *,
    area: AdminArea,
    year: int,
    requested_by=None,
    changed_paths: list[str] | None = None,
    countdown: int | None = None,
) -> ComplianceRun:
    """Queues a run; the task starts once this transaction commits (after `countdown` s).

    A run with `changed_paths` recomputes only their subtrees (see compliance_run_execute).
    """
    from reports.tasks import compliance_run_execute_task, compliance_run_split_task

    run = ComplianceRun.objects.create(
        area=area, year=year, requested_by=requested_by, changed_paths=changed_paths or []
    )
    # A province's or city's whole run is split over workers, one part per child (see below);
    # a partial one is small and runs in one task.
    split = area.level in FAN_OUT_LEVELS and not changed_paths
    task = compliance_run_split_task if split else compliance_run_execute_task
    transaction.on_commit(lambda: task.apply_async((run.pk,), countdown=countdown))
    return run


# Changes within this many seconds of the first one are computed by the same run.
REFRESH_DEBOUNCE_SECONDS = 5


def compliance_refresh_request(
    *, area_paths: Iterable[str], years: Iterable[int] | None = None
) -> list[ComplianceRun]:
    """Queues the refresh of the figures above changed areas, debounced per top-level area.

    A root with a partial run still waiting in the queue gets the paths added to it, and one with
    a whole run waiting gets nothing: either starts after this commit and sees the change. Else a
    new partial run is queued, started REFRESH_DEBOUNCE_SECONDS after the commit, so that a burst
    of changes makes one run. `years`: by default those of the root's current snapshots (the
    current year when it has none). Returns the runs queued. Cost: four queries plus one per
    run queued or extended.
    """
    by_root: dict[str, set[str]] = {}
    for path in area_paths:
        codes = codes_in_path(path or "")
        if codes:
            by_root.setdefault(codes[0], set()).add(path)
    if not by_root:
        return []
    roots = list(AdminArea.objects.filter(code__in=by_root, parent__isnull=True).order_by("code"))
    years_of: dict[int, set[int]] = {}
    if years is None:
        for area_id, year in ComplianceSnapshot.objects.filter(
            area__in=roots, is_current=True
        ).values_list("area_id", "year"):
            years_of.setdefault(area_id, set()).add(year)
    current_year = timezone.localdate().year
    queued = []
    with transaction.atomic():
        # Locked so that a run starting now does not miss the paths added to it (PostgreSQL).
        waiting: dict[tuple[int, int], ComplianceRun] = {}
        for run in (
            ComplianceRun.objects.select_for_update()
            .filter(area__in=roots, status=ComplianceRun.Status.QUEUED)
            .order_by("pk")
        ):
            waiting.setdefault((run.area_id, run.year), run)
        for root in roots:
            paths = by_root[root.code]
            for year in sorted(
                set(years) if years is not None else years_of.get(root.pk, set()) or {current_year}
            ):
                run = waiting.get((root.pk, year))
                if run is None:
                    queued.append(
                        compliance_run_queue(
                            area=root,
                            year=year,
                            changed_paths=sorted(paths),
                            countdown=REFRESH_DEBOUNCE_SECONDS,
                        )
                    )
                elif run.changed_paths and not paths <= set(run.changed_paths):
                    run.changed_paths = sorted(paths | set(run.changed_paths))
                    run.save(update_fields=["changed_paths"])
    return queued


def compliance_refresh_on_change(sender, instance, created: bool, **kwargs) -> None:
    """After a change is committed, queues the refresh of the figures it touches.

    Connected to the audit log's new entries (reports.apps): every write through the admin, the
    portal or the API leaves one with the area path it touched. No query before the commit.
    A failure to queue is logged, not raised into the committed request; the beat's
    compliance_refresh_changed then catches the change within a minute.
    """
    path = (instance.additional_data or {}).get("area_path") if created else None
    if not path or _counts_in_no_figure(instance):
        return
    deferred = getattr(_refresh_state, "deferred", None)
    if deferred is not None:
        deferred.add(path)
        return
    # One request per transaction, however many rows it wrote: the first change registers the
    # callback, the others only add their paths to it.
    waiting = getattr(_refresh_state, "pending", None)
    if waiting is not None and connection.in_atomic_block:
        paths, callback = waiting
        # Registered at this same savepoint (so not dropped with a rolled-back one since).
        level = set(connection.savepoint_ids)
        if any(entry[1] is callback and entry[0] == level for entry in connection.run_on_commit):
            paths.add(path)
            return
    paths = {path}

    def request() -> None:
        _refresh_state.pending = None
        compliance_refresh_request(area_paths=sorted(paths))

    _refresh_state.pending = (paths, request)
    transaction.on_commit(request, robust=True)


_refresh_state = threading.local()


def _counts_in_no_figure(entry) -> bool:
    """Accounts are audited with their area path, but no metric counts them: a changed role or
    area of an officer must not recompute their county's (or province's) figures."""
    user_type = ContentType.objects.get_for_model(get_user_model())  # cached after the first
    return entry.content_type_id == user_type.pk


@contextmanager
def compliance_refresh_deferred():
    """Within the block, changes only collect their areas; one refresh is requested at its end.

    For commands that write many rows one by one outside a transaction (load_demo): without it,
    with tasks run in-process, every committed row would compute a run of its own.
    """
    outer = getattr(_refresh_state, "deferred", None)
    if outer is not None:
        yield
        return
    _refresh_state.deferred = paths = set()
    try:
        yield
    finally:
        _refresh_state.deferred = None
    if paths:
        transaction.on_commit(
            lambda: compliance_refresh_request(area_paths=sorted(paths)), robust=True
        )


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
    """Queues a refresh for each top-level area an import wrote to, once (debounced).

    Imports write with bulk statements, which leave no audit entries, so an import service
    calls this when it wrote something (compliance_refresh_request: a run still waiting in the
    queue takes the paths; a run already computing may have read the records before the
    import, so it does not count).
    """
    return compliance_refresh_request(
        area_paths=area_paths, years=[year or timezone.localdate().year]
    )


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
    chosen = metrics()
    with transaction.atomic():
        # Locked: compliance_refresh_request adds paths to a queued run until it starts.
        run = ComplianceRun.objects.select_for_update().select_related("area").get(pk=run_id)
        if run.status == ComplianceRun.Status.COMPLETE:
            return run
        run.status = ComplianceRun.Status.RUNNING
        run.started_at = run.progress_at = timezone.now()
        run.parts_total = len(chosen) + 1
        run.parts_done = 0
        run.error = ""
        run.save(
            update_fields=[
                "status",
                "started_at",
                "progress_at",
                "parts_total",
                "parts_done",
                "error",
            ]
        )
    counter = QueryCounter()
    try:
        with connection.execute_wrapper(counter):
            tree = Tree(run.area.path)
            partial = _partial_facts(run, tree, chosen) if run.changed_paths else None
            if partial is None:
                facts = {}
                for metric in chosen:
                    facts[metric.key] = metric.compute(tree, run.year)
                    ComplianceRun.objects.filter(pk=run.pk).update(
                        parts_done=len(facts), progress_at=timezone.now()
                    )
                _store_snapshot(run, tree, chosen, facts)
            else:
                _store_snapshot(run, tree, chosen, partial[0], copy_from=partial[1])
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


def _combine_area(
    metric, pairs: list[tuple], own_population: int | None
) -> tuple[Decimal | None, Decimal | None]:
    """An area's facts from its children's, with its own population figure, when it has one, in
    place of its children's sum (as Tree.population does)."""
    combined = metric.combine_parts(pairs)
    if own_population is not None and metric.per_population:
        combined = (combined[0], Decimal(own_population))
    if own_population is not None and metric.key == "population":
        combined = (Decimal(own_population), None)
    return combined


def _stored_pair(values: dict, key: str) -> tuple[Decimal | None, Decimal | None]:
    numerator, denominator = values[key][:2]
    return (
        None if numerator is None else Decimal(str(numerator)),
        None if denominator is None else Decimal(str(denominator)),
    )


def _parent_path(path: str) -> str:
    return path[: path.rstrip("/").rfind("/") + 1]


def _partial_facts(run: ComplianceRun, tree: Tree, chosen) -> tuple[dict, int] | None:
    """The facts of the areas a partial run rewrites, and the snapshot its other areas are copied
    from; None (compute the whole area) when that could differ from a whole run.

    Each county holding a changed path is computed afresh; its ancestors up to the run's area
    are re-combined from their children's figures (Metric.combine_parts), stored ones for the
    unchanged children; every other area keeps its row of the current snapshot. Whole instead:
    no current snapshot, areas added or removed since, a metric missing from it, a change above
    a county, records on an ancestor itself, or a threshold that took effect since.
    Cost: a whole run's queries over the changed counties, plus one per ancestor and kind of
    record (_root_has_own_records) and six.
    """
    previous = ComplianceSnapshot.objects.filter(
        area=run.area, year=run.year, is_current=True
    ).first()
    if previous is None:
        return None
    counties: set[str] = set()
    for path in run.changed_paths:
        county = next(
            (a for a in tree.ancestors(path) if tree.rows[a].level == AdminArea.Level.COUNTY),
            None,
        )
        if county is None:
            return None
        counties.add(county)
    above = {a for county in counties for a in tree.ancestors(county) if a != county}
    children: dict[str, list[str]] = {path: [] for path in above}
    for path in tree.rows:
        parent = _parent_path(path)
        if parent in children and path != parent:
            children[parent].append(path)
    needed = {tree.rows[child].id for path in above for child in children[path]}
    stored_ids = set(AreaResult.objects.filter(snapshot=previous).values_list("area_id", flat=True))
    stored = dict(
        AreaResult.objects.filter(snapshot=previous, area_id__in=needed).values_list(
            "area__path", "values"
        )
    )
    keys = [metric.key for metric in chosen]
    if (
        stored_ids != {row.id for row in tree.rows.values()}
        or any(key not in values for values in stored.values() for key in keys)
        or any(_root_has_own_records(tree.rows[path].id) for path in above)
        # A threshold in force now that was not then changes copied rows' results.
        or TargetThreshold.objects.filter(
            target__year=run.year,
            valid_from__gt=previous.computed_at,
            valid_from__lte=timezone.now(),
        ).exists()
    ):
        return None
    # Parts: the counties computed afresh, plus the combine.
    run.parts_total = len(counties) + 1
    ComplianceRun.objects.filter(pk=run.pk).update(parts_total=run.parts_total)
    own_population = dict(
        AreaPopulation.objects.filter(
            area_id__in=[tree.rows[path].id for path in above], year=run.year
        ).values_list("area__path", "population")
    )
    fresh = {}
    for county in sorted(counties):
        part = Tree(county)
        fresh[county] = {metric.key: metric.compute(part, run.year) for metric in chosen}
        ComplianceRun.objects.filter(pk=run.pk).update(
            parts_done=len(fresh), progress_at=timezone.now()
        )
    facts: dict[str, dict] = {}
    for metric in chosen:
        known = {path: _stored_pair(values, metric.key) for path, values in stored.items()}
        by_path: dict = {}
        for part in fresh.values():
            by_path.update(part[metric.key])
        known.update(by_path)
        # Deepest first, so that a city is combined from its re-combined counties.
        for path in sorted(above, key=len, reverse=True):
            by_path[path] = known[path] = _combine_area(
                metric, [known[child] for child in children[path]], own_population.get(path)
            )
        facts[metric.key] = by_path
    return facts, previous.pk


@transaction.atomic
def _store_snapshot(
    run: ComplianceRun, tree: Tree, chosen, facts, *, copy_from: int | None = None
) -> ComplianceSnapshot:
    """Writes the snapshot and swaps it in; readers never see it half-written.

    `facts` covers every area of the tree, or with `copy_from` (a snapshot's id) only the areas
    rewritten: the others' rows are copied from that snapshot in one INSERT … SELECT.
    """
    now = timezone.now()
    snapshot = ComplianceSnapshot.objects.create(
        run=run, area=run.area, year=run.year, computed_at=now
    )
    by_key = {metric.key: metric for metric in chosen}
    written = tree.rows
    if copy_from is not None:
        written = {path: tree.rows[path] for path in facts[chosen[0].key]}
    values: dict[str, dict[str, list]] = {path: {} for path in written}
    for metric in chosen:
        for path, (numerator, denominator) in facts[metric.key].items():
            value = metric.value(numerator, denominator)
            values[path][metric.key] = [_json(numerator), _json(denominator), _json(value)]

    targets = _applicable_targets(tree, run.year, set(by_key))
    thresholds: dict[int, list[TargetThreshold]] = {}
    for version in TargetThreshold.objects.filter(target__in=targets).order_by("-valid_from"):
        thresholds.setdefault(version.target_id, []).append(version)
    results: dict[str, list[dict]] = {path: [] for path in written}
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
        for path, row in written.items():
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
            for path, row in written.items()
        ),
        batch_size=BATCH,
    )
    if copy_from is not None:
        _copy_area_results(copy_from, snapshot.pk, [row.id for row in written.values()])
    ComplianceSnapshot.objects.filter(area=run.area, year=run.year, is_current=True).update(
        is_current=False
    )
    snapshot.is_current = True
    snapshot.save(update_fields=["is_current"])
    return snapshot


def _copy_area_results(source: int, target: int, except_areas: list[int]) -> None:
    """Copies a snapshot's rows into another, but those of `except_areas` (one statement)."""
    table = connection.ops.quote_name(AreaResult._meta.db_table)
    values = connection.ops.quote_name("values")
    skipped = ", ".join(["%s"] * len(except_areas)) or "NULL"
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (snapshot_id, area_id, {values}, results) "  # noqa: S608
            f"SELECT %s, area_id, {values}, results FROM {table} "
            f"WHERE snapshot_id = %s AND area_id NOT IN ({skipped})",
            [target, source, *except_areas],
        )


# --- fan-out: a big area's run split into parts (one per child), computed by several workers ---

# Runs over a province or a city are split over their children (cities, counties).
FAN_OUT_LEVELS = (AdminArea.Level.PROVINCE, AdminArea.Level.CITY)


def _root_has_own_records(area: AdminArea | int) -> bool:
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
        run.started_at = run.progress_at = timezone.now()
        run.parts_total = len(parts) + 1
        run.parts_done = 0
        run.done_parts = []
        run.error = ""
        run.save(
            update_fields=[
                "status",
                "started_at",
                "progress_at",
                "parts_total",
                "parts_done",
                "done_parts",
                "error",
            ]
        )
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
    _part_count(run_id=run_id, path=path)
    return _facts_json(facts)


@transaction.atomic
def _part_count(*, run_id: int, path: str) -> None:
    """Counts a computed part in the run's progress once, however often it is delivered."""
    run = ComplianceRun.objects.select_for_update().get(pk=run_id)
    if path in run.done_parts:
        return
    run.done_parts = [*run.done_parts, path]
    run.parts_done = len(run.done_parts)
    run.progress_at = timezone.now()
    run.save(update_fields=["done_parts", "parts_done", "progress_at"])


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
            by_path[run.area.path] = _combine_area(
                metric, [by_path.get(child, (None, None)) for child in children], own_population
            )
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


# --- lost runs -----------------------------------------------------------------------------------

SWEPT_ERROR = (
    "No progress for %(minutes)d minutes: the worker computing this run was lost. "
    "The previous snapshot stays current; the next run computes the figures again."
)


def compliance_runs_sweep(*, now: datetime.datetime | None = None) -> int:
    """Fails the runs queued or running without progress for COMPLIANCE_RUN_STALE_AFTER.

    Why: a worker machine lost mid-run leaves its run "running" until the broker redelivers
    the message (an hour with Redis), and for ever when the message is lost; until then no
    refresh is queued for its root (compliance_refresh_changed leaves busy roots alone). The
    previous snapshot stays current: a run's own snapshot becomes current only when it
    completes. A swept run whose message comes back after all is simply computed again.
    Idempotent: a failed run is not swept twice. Returns the number swept. Cost: two queries.
    """
    now = now or timezone.now()
    stale_after = settings.COMPLIANCE_RUN_STALE_AFTER
    with transaction.atomic():
        # A row locked by a worker right now is starting or counting a part: alive, skipped.
        stale = list(
            ComplianceRun.objects.select_for_update(skip_locked=True)
            .annotate(last_progress=Coalesce("progress_at", "started_at", "requested_at"))
            .filter(
                status__in=[ComplianceRun.Status.QUEUED, ComplianceRun.Status.RUNNING],
                last_progress__lt=now - stale_after,
            )
            .values_list("pk", flat=True)
        )
        if not stale:
            return 0
        ComplianceRun.objects.filter(pk__in=stale).update(
            status=ComplianceRun.Status.FAILED,
            error=SWEPT_ERROR % {"minutes": stale_after.total_seconds() // 60},
            finished_at=now,
        )
    logger.warning("Compliance runs failed for lack of progress: %s", stale)
    return len(stale)
