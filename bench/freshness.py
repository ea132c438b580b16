"""Benchmark: from a monthly report approved to the dashboard showing figures computed after it.

    DATABASE_URL=postgres://…/wushe_bench .venv/bin/python -m bench.freshness

What the platform does, step by step, timed here in one process:

1. a reviewer approves a monthly briefing (`projects.workflow.report_transition`); the audit log
   records the change with the contract's area path;
2. when the approval commits, `reports.services.compliance_refresh_on_change` queues a partial
   run of the top-level area with that path (`compliance_refresh_request`), sent to Celery
   `REFRESH_DEBOUNCE_SECONDS` later so that a burst of changes makes one run;
3. a Celery worker executes the run (`compliance_run_execute`): the changed county's subtree
   is recomputed, its ancestors re-combined from their children's stored figures, and the new
   snapshot swapped in;
4. the dashboard reads the current snapshot.

Steps 2 and 3 run here at once and in this process (Celery in eager mode, which ignores the
countdown), so `measured_seconds` excludes the debounce delay; `expected_seconds` adds it. (The
beat's minute refresh stays as a safety net for a change whose queueing failed.) The report
comes from the benchmarked area (a draft is submitted first when none waits for review).
"""

import argparse
import datetime
import time
from contextlib import nullcontext

from bench.common import analyze, assert_scratch_database, data_year, machine, say, write_results

# isort: split
from django.conf import settings
from django.db import connection, transaction
from django.test import Client, TestCase, override_settings
from django.utils import timezone

from projects.models import Report
from projects.workflow import Action, report_transition
from reports.metric_defs import metric_by_key
from reports.models import ComplianceRun, ComplianceSnapshot
from reports.selectors import compliance_report
from reports.services import REFRESH_DEBOUNCE_SECONDS
from stations.areas import codes_in_path
from stations.models import AdminArea

BEAT_TASK = "compliance-refresh-changed"


def beat_interval_seconds() -> int | None:
    """The interval of the refresh schedule in the database (django-celery-beat)."""
    from django_celery_beat.models import PeriodicTask

    task = PeriodicTask.objects.filter(name=BEAT_TASK, enabled=True).select_related("interval")
    found = task.first()
    if found is None or found.interval is None:
        return None
    units = {"seconds": 1, "minutes": 60, "hours": 3600, "days": 86400}
    return found.interval.every * units.get(found.interval.period, 0)


def _next_briefing(root: AdminArea) -> Report:
    """A new draft briefing for the month after the latest one of a contract in the area.

    Generated data has every briefing of past months approved already; the platform's own
    schedule (on a contract's activation) would have written the next month's row.
    """
    latest = (
        Report.objects.filter(kind=Report.Kind.MONTHLY, contract__area__path__startswith=root.path)
        .order_by("-period", "-pk")
        .first()
    )
    if latest is None:
        raise SystemExit(f"{root.code} has no monthly briefing to approve.")
    period = (latest.period.replace(day=1) + datetime.timedelta(days=32)).replace(day=1)
    due = latest.due_date + (period - latest.period.replace(day=1))
    return Report.objects.create(
        contract=latest.contract, kind=Report.Kind.MONTHLY, period=period, due_date=due
    )


def report_to_approve(root: AdminArea, actor) -> Report:
    """A monthly briefing of the area waiting for review; a draft is submitted when none waits."""
    reports = Report.objects.filter(
        kind=Report.Kind.MONTHLY, contract__area__path__startswith=root.path
    ).order_by("due_date", "pk")
    waiting = reports.filter(
        status__in=[Report.Status.SUBMITTED, Report.Status.RESUBMITTED]
    ).first()
    if waiting:
        return waiting
    draft = reports.filter(status__in=[Report.Status.DRAFT, Report.Status.RETURNED]).first()
    if draft is None:
        draft = _next_briefing(root)
    with transaction.atomic():
        return report_transition(
            actor=actor, report_id=draft.pk, action=Action.SUBMIT, expected_version=draft.version
        )


def _timeliness(root: AdminArea, year: int):
    report = compliance_report(area=root, year=year) or {}
    for item in report.get("targets", []):
        if item["key"] == "monthly_report_timeliness":
            return item["value"]
    return None


def run(*, area_code: str | None = None, year: int | None = None, out=None) -> dict:
    from bench.admin_pages import bench_users
    from bench.api_load import ensure_snapshot
    from bench.compliance import default_province
    from config.celery import app

    assert_scratch_database()
    analyze()
    started = machine()
    year = year or data_year()
    root = AdminArea.objects.get(code=area_code) if area_code else default_province()
    if root.parent_id is not None:
        raise SystemExit("Freshness is measured on a top-level area: runs are per top-level area.")
    superuser = bench_users(root)["superuser"]
    ensure_snapshot(root, year)
    report = report_to_approve(root, superuser)
    before = ComplianceSnapshot.objects.get(area=root, year=year, is_current=True)
    timeliness_before = _timeliness(root, year)
    say(f"Freshness on {root.code} {root.name}: approving report {report.pk}")

    last_run = ComplianceRun.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    # Inside a test the approval's transaction is a savepoint that never commits: the callbacks
    # it leaves are run as its commit would run them.
    commit = (
        TestCase.captureOnCommitCallbacks(execute=True)
        if connection.in_atomic_block
        else nullcontext()
    )
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = True
    try:
        began = time.perf_counter()
        with commit, transaction.atomic():
            report_transition(
                actor=superuser,
                report_id=report.pk,
                action=Action.APPROVE,
                expected_version=report.version,
            )
            approved = time.perf_counter()
            approved_at = timezone.now()
        # The commit ran the refresh: queued, and executed at once by the eager worker.
        computed = time.perf_counter()
    finally:
        app.conf.task_always_eager = eager
    queued = list(ComplianceRun.objects.filter(pk__gt=last_run).order_by("pk"))

    plain_static = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    client = Client()
    client.force_login(superuser)
    with override_settings(STORAGES=plain_static):
        response = client.get(f"/dashboard/?area={root.code}&year={year}")
    shown = time.perf_counter()
    after = ComplianceSnapshot.objects.get(area=root, year=year, is_current=True)
    fresh = after.pk != before.pk and after.computed_at >= approved_at
    if response.status_code != 200 or not fresh:
        raise SystemExit(
            f"The dashboard did not show a new snapshot (HTTP {response.status_code}, "
            f"snapshot {before.pk} → {after.pk})."
        )
    beat = beat_interval_seconds()
    measured = shown - approved
    refreshed = next((run for run in queued if run.pk == after.run_id), None)
    if refreshed is None:
        raise SystemExit(f"Snapshot {after.pk} is not from a run the approval queued.")
    changed_codes = {code for path in refreshed.changed_paths for code in codes_in_path(path)}
    counties = AdminArea.objects.filter(code__in=changed_codes, level=AdminArea.Level.COUNTY)
    partial = refreshed.parts_total == len(counties) + 1 and bool(refreshed.changed_paths)
    recomputed = (
        sum(AdminArea.objects.filter(path__startswith=c.path).count() for c in counties)
        if partial
        else AdminArea.objects.filter(path__startswith=root.path).count()
    )
    figures = {
        "area": root.code,
        "year": year,
        "report": report.pk,
        "runs_queued": len(queued),
        "refresh": "partial" if partial else "whole",
        "changed_paths": refreshed.changed_paths,
        "areas_in_snapshot": AdminArea.objects.filter(path__startswith=root.path).count(),
        "areas_recomputed": recomputed,
        "run_queries": refreshed.query_count,
        "approve_seconds": round(approved - began, 3),
        "refresh_and_run_seconds": round(computed - approved, 3),
        "dashboard_seconds": round(shown - computed, 3),
        "measured_seconds": round(measured, 3),
        "debounce_seconds": REFRESH_DEBOUNCE_SECONDS,
        "expected_seconds": round(measured + REFRESH_DEBOUNCE_SECONDS, 1),
        "beat_interval_seconds": beat,
        "timeliness_before": timeliness_before,
        "timeliness_after": _timeliness(root, year),
        "metric": str(metric_by_key()["monthly_report_timeliness"].key),
    }
    say(
        f"  approve {figures['approve_seconds']} s, refresh and run "
        f"{figures['refresh_and_run_seconds']} s, dashboard {figures['dashboard_seconds']} s: "
        f"{measured:.1f} s after the approval ({figures['refresh']} refresh of "
        f"{recomputed} areas), plus {REFRESH_DEBOUNCE_SECONDS} s of debounce"
    )
    target = write_results("freshness", figures, started=started, out=out)
    say(f"Wrote {target}")
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--area", help="code of a top-level area (default: Jiangsu)")
    parser.add_argument("--year", type=int)
    args = parser.parse_args()
    run(area_code=args.area, year=args.year)


if __name__ == "__main__":
    main()
