"""Contractor reports: their due dates, their content and their workflow.

draft → submitted → approved (locked), or submitted → returned (with a reason) → resubmitted →
approved or returned again. Every transition locks the report row (select_for_update) and checks
the version the caller saw, so that a double click or two reviewers at once never lose an update.
"""

import datetime
import os
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from projects import vocabulary
from projects.access import is_contractor_user, scope_reports
from projects.models import (
    Contract,
    CountyProjectConfig,
    Report,
    ReportAttachment,
    ReportTransition,
)

ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024
# Extension → the first bytes every such file starts with (docx and xlsx are zip files).
ATTACHMENT_SIGNATURES = {
    ".jpg": (b"\xff\xd8\xff",),
    ".jpeg": (b"\xff\xd8\xff",),
    ".png": (b"\x89PNG\r\n\x1a\n",),
    ".pdf": (b"%PDF-",),
    ".docx": (b"PK\x03\x04",),
    ".xlsx": (b"PK\x03\x04",),
}
CONTENT_FIELDS = [
    "services_delivered",
    "people_served",
    "cases_opened",
    "cases_closed",
    "activities",
    "volunteers",
    "volunteer_hours",
    "charity_yuan",
    "highlights",
    "problems",
    "next_month_plan",
]


class Action:
    SUBMIT = "submit"
    RETURN = "return"
    APPROVE = "approve"


# action → {from status: to status}
TRANSITIONS: dict[str, dict[str, str]] = {
    Action.SUBMIT: {
        Report.Status.DRAFT: Report.Status.SUBMITTED,
        Report.Status.RETURNED: Report.Status.RESUBMITTED,
    },
    Action.RETURN: {
        Report.Status.SUBMITTED: Report.Status.RETURNED,
        Report.Status.RESUBMITTED: Report.Status.RETURNED,
    },
    Action.APPROVE: {
        Report.Status.SUBMITTED: Report.Status.APPROVED,
        Report.Status.RESUBMITTED: Report.Status.APPROVED,
    },
}


# --- Due dates --------------------------------------------------------------------------------


def monthly_due_day(county_id: int) -> int:
    """The day of the next month a monthly briefing is due: the county's, else the setting, else 5."""
    config = CountyProjectConfig.objects.filter(area_id=county_id).first()
    if config is not None:
        return config.monthly_report_due_day
    return int(getattr(settings, "PROJECTS_MONTHLY_REPORT_DUE_DAY", 5))


def _month_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def _next_month(month: datetime.date) -> datetime.date:
    return (month.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)


def report_due_dates(
    contract: Contract, *, due_day: int
) -> list[tuple[str, datetime.date, datetime.date]]:
    """(kind, period, due date) of every report the contract's term calls for."""
    end = contract.effective_end
    rows = []
    month = _month_start(contract.start_date)
    last = _month_start(end)
    while month <= last:
        rows.append((Report.Kind.MONTHLY, month, _next_month(month).replace(day=due_day)))
        month = _next_month(month)
    # The mid-term report closes the first half of the months (18 of a three-year term).
    middle = rows[max(0, len(rows) // 2 - 1)][1]
    rows.append((Report.Kind.MID_TERM, middle, _next_month(middle).replace(day=due_day)))
    rows.append((Report.Kind.FINAL, last, _next_month(last).replace(day=due_day)))
    return rows


@transaction.atomic
def report_schedule_generate(*, contract_id: int) -> int:
    """Creates the reports an active contract owes that do not exist yet; returns how many.

    Idempotent: running it again creates nothing. Cost: three queries whatever the term.
    """
    contract = Contract.objects.filter(pk=contract_id, status=Contract.Status.ACTIVE).first()
    if contract is None:
        return 0
    existing = set(contract.reports.values_list("kind", "period"))
    missing = [
        Report(contract=contract, kind=kind, period=period, due_date=due)
        for kind, period, due in report_due_dates(
            contract, due_day=monthly_due_day(contract.area_id)
        )
        if (kind, period) not in existing
    ]
    Report.objects.bulk_create(missing, ignore_conflicts=True)
    return len(missing)


def report_schedule_all() -> int:
    """Generates the due dates of every active contract (the daily job)."""
    ids = Contract.objects.filter(status=Contract.Status.ACTIVE).values_list("pk", flat=True)
    return sum(report_schedule_generate(contract_id=pk) for pk in ids)


# --- Who may do what --------------------------------------------------------------------------


def can_review(actor, report: Report) -> bool:
    """The county's reviewers and administrators (and the township's, where the county says so)."""
    if actor is None or not actor.is_authenticated or not actor.is_active:
        return False
    if actor.is_superuser:
        return True
    if is_contractor_user(actor) or not actor.has_perm("projects.review_report"):
        return False
    contract = report.contract
    if actor.admin_area_id == contract.area_id:
        return True
    config = CountyProjectConfig.objects.filter(area_id=contract.area_id).first()
    return bool(
        config
        and config.township_reviewers
        and contract.townships.filter(pk=actor.admin_area_id).exists()
    )


def can_fill_in(actor, report: Report) -> bool:
    """Reports are written by the contractor's own accounts (or a superuser)."""
    if actor is None or not actor.is_authenticated or not actor.is_active:
        return False
    if actor.is_superuser:
        return True
    return (
        actor.contractor_id is not None
        and actor.contractor_id == report.contract.contractor_id
        and actor.has_perm("projects.change_report")
    )


def report_list_for(actor):
    """The reports `actor` reaches (the scope of reads)."""
    return scope_reports(
        Report.objects.select_related("contract__area", "contract__contractor"), actor=actor
    )


def _locked_report(*, actor, report_id: int) -> Report:
    """The report, locked for this transaction, if the actor reaches it; else "no such report"."""
    report = report_list_for(actor).select_for_update(of=("self",)).filter(pk=report_id).first()
    if report is None:
        raise ValidationError({"report": _("No such report within your reach.")}, code="not_found")
    return report


def _check_version(report: Report, expected_version: int | None) -> None:
    if expected_version is not None and int(expected_version) != report.version:
        raise ValidationError(
            {
                "version": _(
                    "Someone else changed this report in the meantime; reload it and try again."
                )
            },
            code="stale_version",
        )


# --- Content ----------------------------------------------------------------------------------


def _clean_services(value) -> dict:
    if not isinstance(value, dict):
        raise ValidationError({"services_delivered": _("Give the services as an object by kind.")})
    cleaned = {}
    for kind, figures in value.items():
        if kind not in vocabulary.service_kinds():
            raise ValidationError(
                {"services_delivered": _("Unknown service kind “%(kind)s”.") % {"kind": kind}}
            )
        try:
            count = int(figures.get("count", 0))
            hours = Decimal(str(figures.get("hours", 0)))
        except (AttributeError, TypeError, ValueError, InvalidOperation):
            raise ValidationError(
                {"services_delivered": _("Give a count and hours for “%(kind)s”.") % {"kind": kind}}
            ) from None
        if count < 0 or hours < 0:
            raise ValidationError({"services_delivered": _("Counts and hours cannot be negative.")})
        if count or hours:
            cleaned[kind] = {"count": count, "hours": str(hours.quantize(Decimal("0.1")))}
    return cleaned


def _clean_people(value) -> dict:
    if not isinstance(value, dict):
        raise ValidationError({"people_served": _("Give the people served as an object by group.")})
    cleaned = {}
    for group, number in value.items():
        if group not in vocabulary.vulnerable_groups():
            raise ValidationError(
                {"people_served": _("Unknown group “%(group)s”.") % {"group": group}}
            )
        try:
            number = int(number)
        except (TypeError, ValueError):
            raise ValidationError(
                {"people_served": _("Give a whole number for “%(group)s”.") % {"group": group}}
            ) from None
        if number < 0:
            raise ValidationError({"people_served": _("Numbers of people cannot be negative.")})
        if number:
            cleaned[group] = number
    return cleaned


def _assert_editable(report: Report) -> None:
    if report.status == Report.Status.APPROVED:
        raise ValidationError(
            _("This report is approved and locked; it can no longer be changed."), code="locked"
        )
    if not report.is_editable:
        raise ValidationError(
            _("This report has been submitted and waits for review; it cannot be changed now."),
            code="under_review",
        )


@transaction.atomic
def report_update_content(
    *, actor, report_id: int, data: dict, expected_version: int | None = None
) -> Report:
    """Saves the contractor's draft of a report (draft or returned reports only)."""
    report = _locked_report(actor=actor, report_id=report_id)
    if not can_fill_in(actor, report):
        raise ValidationError(
            _("Only the contractor's own accounts fill in its reports."), code="not_contractor"
        )
    _assert_editable(report)
    _check_version(report, expected_version)
    for name in CONTENT_FIELDS:
        if name in data:
            setattr(report, name, data[name])
    report.services_delivered = _clean_services(report.services_delivered)
    report.people_served = _clean_people(report.people_served)
    report.version += 1
    report.full_clean()
    report.save()
    return report


@transaction.atomic
def report_prefill_from_ledger(*, actor, report_id: int) -> Report:
    """Fills services and people of a blank draft from the stations' service ledger, if any."""
    from projects import ledger

    report = _locked_report(actor=actor, report_id=report_id)
    if report.status != Report.Status.DRAFT or report.services_delivered:
        return report
    services, people = ledger.ledger_figures(report)
    if not services and not people:
        return report
    report.services_delivered = services
    report.people_served = report.people_served or people
    report.version += 1
    report.save(update_fields=["services_delivered", "people_served", "version"])
    return report


# --- Transitions ------------------------------------------------------------------------------


def _wrong_state_message(action: str, status: str) -> str:
    if status == Report.Status.APPROVED:
        return _("This report is approved and locked; it can no longer be changed.")
    if action == Action.SUBMIT:
        return _("This report has already been submitted; it cannot be submitted again.")
    if action == Action.APPROVE:
        return _("Only a submitted report can be approved.")
    return _("Only a submitted report can be returned.")


@transaction.atomic
def report_transition(
    *,
    actor,
    report_id: int,
    action: str,
    expected_version: int | None = None,
    reason: str = "",
) -> Report:
    """Submits, returns or approves a report; keeps who and when; e-mails the contractor.

    Raises ValidationError with code "stale_version" when the caller's version is out of date,
    "invalid_transition" when the report is not in a state the action applies to.
    """
    from projects.tasks import report_notify_task

    if action not in TRANSITIONS:
        raise ValidationError({"action": _("Unknown action.")}, code="unknown_action")
    if action == Action.SUBMIT:
        report = _locked_report(actor=actor, report_id=report_id)
        if not can_fill_in(actor, report):
            raise ValidationError(
                _("Only the contractor's own accounts submit its reports."), code="not_contractor"
            )
    else:
        # A township's reviewers review the county's contracts landing there, which lie outside
        # their area: the review rule decides, and anyone else out of scope learns nothing.
        report = (
            Report.objects.select_related("contract__area", "contract__contractor")
            .select_for_update(of=("self",))
            .filter(pk=report_id)
            .first()
        )
        if report is None or not can_review(actor, report):
            in_reach = report is not None and (report_list_for(actor).filter(pk=report_id).exists())
            if not in_reach:
                raise ValidationError(
                    {"report": _("No such report within your reach.")}, code="not_found"
                )
            raise ValidationError(
                _("Only the county's reviewers approve or return reports."), code="not_reviewer"
            )
    _check_version(report, expected_version)
    old_status = report.status
    if old_status not in TRANSITIONS[action]:
        raise ValidationError(_wrong_state_message(action, old_status), code="invalid_transition")
    reason = (reason or "").strip()
    if action == Action.RETURN and not reason:
        raise ValidationError(
            {"reason": _("Give the reason for returning the report.")}, code="reason_required"
        )
    now = timezone.now()
    report.status = TRANSITIONS[action][old_status]
    if action == Action.SUBMIT:
        report.submitted_at = now
        report.first_submitted_on = report.first_submitted_on or timezone.localdate(now)
    elif action == Action.RETURN:
        report.return_reason = reason
    else:
        report.approved_at = now
    report.version += 1
    report.save()
    transition = ReportTransition.objects.create(
        report=report, from_status=old_status, to_status=report.status, reason=reason, actor=actor
    )
    if action in (Action.RETURN, Action.APPROVE):
        transaction.on_commit(
            lambda: report_notify_task.delay(report.pk, action, transition_id=transition.pk)
        )
    return report


# --- Attachments ------------------------------------------------------------------------------


def attachment_errors(upload) -> list[str]:
    """Why an uploaded file is refused: its type (by name and content) or its size."""
    extension = os.path.splitext(upload.name or "")[1].lower()
    if extension not in ATTACHMENT_SIGNATURES:
        return [_("Only JPG, PNG, PDF, DOCX and XLSX files can be attached.")]
    if upload.size > ATTACHMENT_MAX_BYTES:
        return [_("A file can be at most 10 MB.")]
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    if not any(head.startswith(signature) for signature in ATTACHMENT_SIGNATURES[extension]):
        return [_("The file's content does not match its type %(type)s.") % {"type": extension}]
    return []


@transaction.atomic
def report_attachment_add(*, actor, report_id: int, upload) -> ReportAttachment:
    """Attaches a photo or document to a report the contractor may still edit."""
    report = _locked_report(actor=actor, report_id=report_id)
    if not can_fill_in(actor, report):
        raise ValidationError(
            _("Only the contractor's own accounts fill in its reports."), code="not_contractor"
        )
    _assert_editable(report)
    errors = attachment_errors(upload)
    if errors:
        raise ValidationError({"file": errors}, code="attachment_refused")
    attachment = ReportAttachment(
        report=report,
        original_name=os.path.basename(upload.name)[:200],
        size=upload.size,
        uploaded_by=actor,
    )
    attachment.file.save(upload.name, upload, save=False)
    attachment.full_clean()
    attachment.save()
    return attachment


@transaction.atomic
def report_attachment_delete(*, actor, attachment_id: int) -> None:
    attachment = ReportAttachment.objects.filter(pk=attachment_id).first()
    report = _locked_report(actor=actor, report_id=attachment.report_id if attachment else -1)
    if not can_fill_in(actor, report):
        raise ValidationError(
            _("Only the contractor's own accounts fill in its reports."), code="not_contractor"
        )
    _assert_editable(report)
    name = attachment.file.name
    attachment.delete()
    transaction.on_commit(lambda: attachment.file.storage.delete(name))


def reports_needing_attention(queryset, *, today: datetime.date):
    """Reports that are due within a month, late, or returned."""
    return queryset.filter(
        Q(status=Report.Status.RETURNED)
        | Q(
            status=Report.Status.DRAFT,
            due_date__lte=today + datetime.timedelta(days=31),
        )
    )
