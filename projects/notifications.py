"""E-mails to contractors about their reports (sent by Celery tasks, after commit)."""

import datetime

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from projects.models import Report, ReportTransition
from stations.models import User


def _recipients(report: Report) -> list[str]:
    return list(
        User.objects.filter(contractor_id=report.contract.contractor_id, is_active=True)
        .exclude(email="")
        .values_list("email", flat=True)
    )


def _describe(report: Report) -> dict:
    return {
        "report": str(report.get_kind_display()),
        "period": report.period.strftime("%Y-%m"),
        "contract": report.contract.number,
        "due": report.due_date.isoformat(),
    }


@transaction.atomic
def report_notify(*, report_id: int, event: str, transition_id: int | None = None) -> int:
    """E-mails the contractor's accounts that a report was returned or approved; returns sent count.

    With `transition_id` (what the workflow queues) the e-mail goes once per transition: the
    transition row is locked and marked, so a redelivered or repeated task sends nothing. (A
    worker lost between the mail server's answer and the commit still sends twice: e-mail is at
    least once.)
    """
    report = Report.objects.select_related("contract").filter(pk=report_id).first()
    if report is None:
        return 0
    transition = None
    if transition_id is not None:
        transition = (
            ReportTransition.objects.select_for_update()
            .filter(pk=transition_id, report_id=report_id, notified_at__isnull=True)
            .first()
        )
        if transition is None:
            return 0
        transition.notified_at = timezone.now()
        transition.save(update_fields=["notified_at"])
    recipients = _recipients(report)
    if not recipients:
        return 0
    with translation.override(settings.LANGUAGE_CODE):
        values = _describe(report)
        if event == "return":
            subject = _("Report returned: %(report)s %(period)s") % values
            body = _(
                "Your %(report)s for %(period)s (contract %(contract)s) was returned.\n"
                "Reason: %(reason)s\nPlease correct it and submit it again."
            ) % {**values, "reason": report.return_reason}
        elif event == "approve":
            subject = _("Report approved: %(report)s %(period)s") % values
            body = (
                _("Your %(report)s for %(period)s (contract %(contract)s) was approved.") % values
            )
        else:
            return 0
    return send_mail(subject, body, None, recipients)


DUE_SOON_DAYS = 3


@transaction.atomic
def report_due_soon_notify(*, today: datetime.date | None = None) -> int:
    """Reminds contractors of reports due within three days and not submitted; once per report."""
    today = today or timezone.localdate()
    reports = list(
        Report.objects.select_for_update(of=("self",))
        .select_related("contract")
        .filter(
            status__in=[Report.Status.DRAFT, Report.Status.RETURNED],
            due_date__gte=today,
            due_date__lte=today + datetime.timedelta(days=DUE_SOON_DAYS),
            due_soon_notified_on__isnull=True,
        )
    )
    sent = 0
    with translation.override(settings.LANGUAGE_CODE):
        for report in reports:
            recipients = _recipients(report)
            if recipients:
                values = _describe(report)
                sent += send_mail(
                    _("Report due soon: %(report)s %(period)s") % values,
                    _("Your %(report)s for %(period)s (contract %(contract)s) is due on %(due)s.")
                    % values,
                    None,
                    recipients,
                )
            report.due_soon_notified_on = today
    Report.objects.bulk_update(reports, ["due_soon_notified_on"])
    return sent
