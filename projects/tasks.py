"""Celery tasks of purchased services: report due dates and e-mails."""

from celery import shared_task

from projects import notifications, workflow


@shared_task
def report_schedule_task(contract_id: int) -> int:
    """Generates the report due dates of one contract (on activation)."""
    return workflow.report_schedule_generate(contract_id=contract_id)


@shared_task
def report_schedule_all_task() -> int:
    """Generates the report due dates of every active contract (daily)."""
    return workflow.report_schedule_all()


@shared_task
def report_notify_task(report_id: int, event: str, transition_id: int | None = None) -> int:
    """E-mails the contractor that a report was returned or approved (once per transition)."""
    return notifications.report_notify(
        report_id=report_id, event=event, transition_id=transition_id
    )


@shared_task
def report_due_soon_notify_task() -> int:
    """E-mails reminders of reports due soon (daily)."""
    return notifications.report_due_soon_notify()
