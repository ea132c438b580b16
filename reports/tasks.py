"""Celery tasks of the compliance reports."""

from django.utils import timezone

from celery import shared_task

from reports.services import (
    compliance_nightly,
    compliance_refresh_changed,
    compliance_run_execute,
)


@shared_task(acks_late=True)
def compliance_run_execute_task(run_id: int) -> str:
    """Executes a queued compliance run (idempotent: a completed run is not recomputed)."""
    return compliance_run_execute(run_id=run_id).status


@shared_task
def compliance_nightly_task() -> int:
    """Queues this year's runs for every top-level area (scheduled by django-celery-beat)."""
    return len(compliance_nightly(year=timezone.localdate().year))


@shared_task
def report_export_build_task(export_id: int) -> str:
    """Builds a queued Excel/PDF export of a compliance report."""
    from reports.exports import report_export_build

    return report_export_build(export_id=export_id).status


@shared_task
def compliance_refresh_task() -> int:
    """Recomputes the roots changed since their snapshot (every minute, by django-celery-beat)."""
    return len(compliance_refresh_changed(year=timezone.localdate().year))
