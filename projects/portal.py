"""The contractor portal (/portal/): contracts, what is due, the monthly briefing, reviews.

Every object is looked up through the scoped selectors: another contractor's id answers 404.
"""

import calendar
import datetime

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from projects import selectors, workflow
from projects.access import is_contractor_user, reviews_landing_townships
from projects.forms import AttachmentForm, ReportForm, ReviewForm
from projects.models import Report, ReportAttachment

portal_login_required = login_required(login_url=reverse_lazy("portal:login"))
ATTENTION_DAYS = 31


class PortalLoginView(auth_views.LoginView):
    template_name = "portal/login.html"
    redirect_authenticated_user = True
    next_page = reverse_lazy("portal:home")


class PortalLogoutView(auth_views.LogoutView):
    next_page = reverse_lazy("portal:login")


def _is_reviewer(user) -> bool:
    return user.is_superuser or (
        not is_contractor_user(user) and user.has_perm("projects.review_report")
    )


def _review_queue(user):
    queryset = selectors.report_list(actor=user).filter(
        status__in=[Report.Status.SUBMITTED, Report.Status.RESUBMITTED]
    )
    # A township's reviewer reviews everything in reach (report_list checked the county's consent);
    # county staff review their own county's contracts, not those of the counties below a city.
    if not user.is_superuser and not reviews_landing_townships(user):
        queryset = queryset.filter(contract__area_id=user.admin_area_id)
    return queryset.order_by("submitted_at")


@portal_login_required
def home(request):
    """Contracts and what needs doing: returned, late and due-soon reports."""
    today = timezone.localdate()
    user = request.user
    contracts = selectors.contract_list(actor=user).order_by("-start_date")
    if not is_contractor_user(user):
        contracts = contracts.none()
    reports = workflow.reports_needing_attention(
        selectors.report_list(actor=user).filter(contract__in=contracts), today=today
    ).order_by("due_date", "contract__number")
    sections = {"returned": [], "late": [], "due": []}
    for report in reports:
        report.days_late_today = report.days_late(today)
        if report.status == Report.Status.RETURNED:
            sections["returned"].append(report)
        elif report.due_date < today:
            sections["late"].append(report)
        else:
            sections["due"].append(report)
    context = {
        "contracts": contracts,
        "sections": sections,
        "today": today,
        "is_reviewer": _is_reviewer(user),
        "review_count": _review_queue(user).count() if _is_reviewer(user) else 0,
    }
    return render(request, "portal/home.html", context)


@portal_login_required
def contract_detail(request, pk: int):
    contract = get_object_or_404(selectors.contract_list(actor=request.user), pk=pk)
    today = timezone.localdate()
    reports = list(contract.reports.order_by("due_date", "kind"))
    for report in reports:
        report.days_late_today = report.days_late(today)
    staff_flag = selectors.staff_on_post_flags(contracts=[contract], today=today).get(contract.pk)
    stations = selectors.contract_station_list(actor=request.user).filter(contracts=contract)
    return render(
        request,
        "portal/contract.html",
        {
            "contract": contract,
            "reports": reports,
            "today": today,
            "staff_flag": staff_flag,
            "stations": stations,
        },
    )


@portal_login_required
def station_detail(request, pk: int):
    """A station served by one of the user's contracts in force, read-only; any other is 404."""
    station = get_object_or_404(selectors.contract_station_list(actor=request.user), pk=pk)
    return render(request, "portal/station.html", {"station": station})


# The states a report shows in the calendar, in the order of the legend.
CALENDAR_STATES = ["due", "overdue", "submitted", "returned", "approved"]


def calendar_state_labels() -> dict[str, str]:
    return {
        "due": _("Due"),
        "overdue": _("Overdue"),
        "submitted": _("Submitted"),
        "returned": _("Returned"),
        "approved": _("Approved"),
    }


def calendar_state(report: Report, today) -> str:
    """Where a report stands for its contractor: due, overdue, submitted, returned or approved."""
    if report.status == Report.Status.APPROVED:
        return "approved"
    if report.status == Report.Status.RETURNED:
        return "returned"
    if report.status in (Report.Status.SUBMITTED, Report.Status.RESUBMITTED):
        return "submitted"
    return "overdue" if report.due_date < today else "due"


def _month_from_query(value: str | None, today) -> datetime.date | None:
    """The first day of the month `?month=YYYY-MM` names (this month if absent), None if bad."""
    if not value:
        return today.replace(day=1)
    try:
        month = datetime.datetime.strptime(value, "%Y-%m").date()  # noqa: DTZ007 (a date only)
    except ValueError:
        return None
    return month if 2000 <= month.year <= 2100 else None


@portal_login_required
def report_calendar(request):
    """A month of the contractor's reports by due date, with where each stands, and per contract.

    One query for the month's reports, whatever their number; no script (a phone shows the
    days that have reports as a list).
    """
    today = timezone.localdate()
    month = _month_from_query(request.GET.get("month"), today)
    status = 200
    if month is None:
        messages.error(request, _("Give the month as YYYY-MM, between 2000 and 2100."))
        month, status = today.replace(day=1), 400
    weeks_of_dates = calendar.Calendar(firstweekday=0).monthdatescalendar(month.year, month.month)
    first, last = weeks_of_dates[0][0], weeks_of_dates[-1][-1]
    contracts = selectors.contract_list(actor=request.user)
    if not is_contractor_user(request.user):
        contracts = contracts.none()
    reports = list(
        selectors.report_list(actor=request.user)
        .filter(contract__in=contracts.values("pk"), due_date__range=(first, last))
        .order_by("due_date", "contract__number", "kind")
    )
    labels = calendar_state_labels()
    by_day: dict[datetime.date, list[Report]] = {}
    per_contract: dict[int, dict] = {}
    for report in reports:
        report.calendar_state = calendar_state(report, today)
        report.calendar_label = labels[report.calendar_state]
        by_day.setdefault(report.due_date, []).append(report)
        if report.due_date.month != month.month:
            continue
        row = per_contract.setdefault(
            report.contract_id,
            {"contract": report.contract, **dict.fromkeys(CALENDAR_STATES, 0)},
        )
        row[report.calendar_state] += 1
    for row in per_contract.values():
        row["counts"] = [(key, labels[key], row[key]) for key in CALENDAR_STATES]
    weeks = [
        [
            {"date": day, "in_month": day.month == month.month, "reports": by_day.get(day, [])}
            for day in week
        ]
        for week in weeks_of_dates
    ]
    context = {
        "month": month,
        "previous_month": (month - datetime.timedelta(days=1)).replace(day=1),
        "next_month": (month + datetime.timedelta(days=32)).replace(day=1),
        "weekdays": weeks_of_dates[0],
        "weeks": weeks,
        "today": today,
        "states": list(labels.items()),
        "per_contract": sorted(per_contract.values(), key=lambda row: row["contract"].number),
    }
    return render(request, "portal/calendar.html", context, status=status)


def _report_or_404(user, pk: int) -> Report:
    return get_object_or_404(selectors.report_list(actor=user), pk=pk)


@portal_login_required
def report_edit(request, pk: int):
    """Fill in a report: "save" keeps a draft, "submit" sends it for review."""
    report = _report_or_404(request.user, pk)
    editable = report.is_editable and workflow.can_fill_in(request.user, report)
    if editable and request.method == "GET" and report.version == 0:
        report = workflow.report_prefill_from_ledger(actor=request.user, report_id=report.pk)
    form = ReportForm(request.POST or None, instance=report)
    status = 200
    if request.method == "POST":
        if not editable:
            messages.error(request, _("This report cannot be changed now."))
            return redirect("portal:report", pk=report.pk)
        if form.is_valid():
            try:
                saved = workflow.report_update_content(
                    actor=request.user,
                    report_id=report.pk,
                    data=form.content(),
                    expected_version=form.cleaned_data["version"],
                )
                if "submit" in request.POST:
                    workflow.report_transition(
                        actor=request.user,
                        report_id=report.pk,
                        action=workflow.Action.SUBMIT,
                        expected_version=saved.version,
                    )
                    messages.success(request, _("The report was submitted for review."))
                else:
                    messages.success(request, _("The draft was saved."))
                return redirect("portal:report", pk=report.pk)
            except ValidationError as error:
                for message in error.messages:
                    form.add_error(None, message)
        status = 400
    context = {
        "report": report,
        "form": form,
        "editable": editable,
        "attachment_form": AttachmentForm(),
        "attachments": report.attachments.all(),
        "transitions": report.transitions.select_related("actor"),
        "days_late": report.days_late(timezone.localdate()),
    }
    return render(request, "portal/report.html", context, status=status)


@portal_login_required
@require_POST
def attachment_upload(request, pk: int):
    report = _report_or_404(request.user, pk)
    form = AttachmentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            workflow.report_attachment_add(
                actor=request.user, report_id=report.pk, upload=form.cleaned_data["file"]
            )
            messages.success(request, _("The file was attached."))
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
    else:
        for message in form.errors.get("file", []):
            messages.error(request, message)
    return redirect("portal:report", pk=report.pk)


def _attachment_or_404(user, pk: int) -> ReportAttachment:
    return get_object_or_404(
        ReportAttachment.objects.select_related("report"),
        pk=pk,
        report__in=selectors.report_list(actor=user).values("pk"),
    )


@portal_login_required
@require_POST
def attachment_delete(request, pk: int):
    attachment = _attachment_or_404(request.user, pk)
    try:
        workflow.report_attachment_delete(actor=request.user, attachment_id=attachment.pk)
        messages.success(request, _("The file was removed."))
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    return redirect("portal:report", pk=attachment.report_id)


@portal_login_required
def attachment_download(request, pk: int):
    """Serves an attachment to whoever reaches its report, always as a download."""
    attachment = _attachment_or_404(request.user, pk)
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=attachment.original_name,
        content_type="application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@portal_login_required
def review_list(request):
    if not _is_reviewer(request.user):
        raise Http404
    reports = _review_queue(request.user).select_related("contract__contractor")
    return render(request, "portal/review_list.html", {"reports": reports})


@portal_login_required
def review(request, pk: int):
    """A reviewer approves or returns a submitted report (the reason is required on return)."""
    report = _report_or_404(request.user, pk)
    if not workflow.can_review(request.user, report):
        raise Http404
    form = ReviewForm(request.POST or None, initial={"version": report.version})
    status = 200
    if request.method == "POST" and form.is_valid():
        action = workflow.Action.RETURN if "return" in request.POST else workflow.Action.APPROVE
        try:
            workflow.report_transition(
                actor=request.user,
                report_id=report.pk,
                action=action,
                expected_version=form.cleaned_data["version"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                for field, field_messages in error.message_dict.items():
                    for message in field_messages:
                        form.add_error("reason" if field == "reason" else None, message)
            else:
                for message in error.messages:
                    form.add_error(None, message)
            status = 400
        else:
            messages.success(
                request,
                _("The report was returned.")
                if action == workflow.Action.RETURN
                else _("The report was approved."),
            )
            return redirect("portal:review-list")
    elif request.method == "POST":
        status = 400
    context = {
        "report": report,
        "form": form,
        "attachments": report.attachments.all(),
        "transitions": report.transitions.select_related("actor"),
        "services": _service_rows(report),
        "people": _people_rows(report),
    }
    return render(request, "portal/review.html", context, status=status)


def _service_rows(report: Report) -> list[tuple[str, int, str]]:
    from projects import vocabulary

    return [
        (label, report.services_delivered[key]["count"], report.services_delivered[key]["hours"])
        for key, label in vocabulary.service_kind_choices()
        if key in report.services_delivered
    ]


def _people_rows(report: Report) -> list[tuple[str, int]]:
    from projects import vocabulary

    return [
        (label, report.people_served[key])
        for key, label in vocabulary.vulnerable_group_choices()
        if key in report.people_served
    ]
