"""E-mails to contractors about their reports (sent by Celery tasks, after commit)."""

import datetime

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from projects.models import Report
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


def report_notify(*, report_id: int, event: str) -> int:
    """E-mails the contractor's accounts that a report was returned or approved; returns sent count."""
    report = Report.objects.select_related("contract").filter(pk=report_id).first()
    if report is None:
        return 0
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
