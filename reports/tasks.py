"""Celery tasks of the compliance reports."""

from django.utils import timezone

from celery import chord, current_app, shared_task

from reports.services import (
    compliance_nightly,
    compliance_part_compute,
    compliance_parts_combine,
    compliance_refresh_changed,
    compliance_run_execute,
    compliance_run_start_parts,
    compliance_runs_sweep,
)


# A worker process killed mid-run (OOM, a lost node) puts the message back on the queue
# instead of acknowledging it as failed: the run would otherwise stay "running" for ever. The
# run is idempotent, so another worker simply starts it again.
@shared_task(acks_late=True, reject_on_worker_lost=True)
def compliance_run_execute_task(run_id: int) -> str:
    """Executes a queued compliance run (idempotent: a completed run is not recomputed)."""
    return compliance_run_execute(run_id=run_id).status


@shared_task
def compliance_nightly_task() -> int:
    """Queues this year's runs for every top-level area (scheduled by django-celery-beat)."""
    return len(compliance_nightly(year=timezone.localdate().year))


@shared_task
def compliance_runs_sweep_task() -> int:
    """Fails the runs lost with their worker (every 10 minutes, by django-celery-beat)."""
    return compliance_runs_sweep()


@shared_task
def report_export_build_task(export_id: int) -> str:
    """Builds a queued Excel/PDF export of a compliance report."""
    from reports.exports import report_export_build

    return report_export_build(export_id=export_id).status


@shared_task
def compliance_refresh_task() -> int:
    """Recomputes the roots changed since their snapshot (every minute, by django-celery-beat)."""
    return len(compliance_refresh_changed(year=timezone.localdate().year))


@shared_task(acks_late=True, reject_on_worker_lost=True)
def compliance_run_split_task(run_id: int) -> str:
    """Starts a run split over workers: a chord of one part per child area, then the combine.

    A run that cannot be split (a small area, records on the area itself) runs whole here.
    """
    parts = compliance_run_start_parts(run_id=run_id)
    # A chord waits on the parts' results: without a result backend the run is computed whole.
    has_backend = current_app.conf.task_always_eager or bool(current_app.conf.result_backend)
    if not parts or not has_backend:
        return compliance_run_execute(run_id=run_id).status
    chord(compliance_part_task.s(run_id, path) for path in parts)(
        compliance_parts_combine_task.s(run_id)
    )
    return "split"


@shared_task(acks_late=True, reject_on_worker_lost=True)
def compliance_part_task(run_id: int, path: str) -> dict:
    """Computes one part (a child area's subtree) of a split run; returns its facts."""
    return compliance_part_compute(run_id=run_id, path=path)


@shared_task(acks_late=True, reject_on_worker_lost=True)
def compliance_parts_combine_task(parts: list[dict], run_id: int) -> str:
    """Combines the parts of a split run into one snapshot (the chord's callback)."""
    return compliance_parts_combine(run_id=run_id, parts=parts).status
