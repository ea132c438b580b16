"""The county's yearly report to the city, as Excel (stations.exports) and PDF (stations.pdf)."""

from urllib.parse import quote

from django.http import HttpResponse
from django.utils.translation import gettext as _

from projects.selectors import county_annual_report
from stations.exports import xlsx_response
from stations.pdf import simple_pdf


def _headers() -> list[str]:
    return [
        _("Contract number"),
        _("Title"),
        _("Contractor"),
        _("Status"),
        _("Start"),
        _("End"),
        _("Price (yuan)"),
        _("Briefings due"),
        _("Submitted"),
        _("On time"),
        _("Score"),
        _("Grade"),
    ]


def _rows(report: dict) -> list[list]:
    return [
        [
            row["number"],
            row["title"],
            row["contractor"],
            row["status"],
            row["start_date"],
            row["end_date"],
            row["price"],
            row["reports_due"],
            row["reports_submitted"],
            row["reports_on_time"],
            row["score"],
            row["grade"],
        ]
        for row in report["contracts"]
    ]


def county_report_pdf(report: dict) -> bytes:
    """The report as a PDF in Chinese (stations.pdf embeds the platform's CJK font)."""
    paragraphs = [
        _("Due to the city by %(date)s.") % {"date": report["due_date"].isoformat()},
        _("Annual plan submitted on %(date)s (%(late)s days late).")
        % {"date": report["plan_submitted_on"] or "-", "late": report["plan_days_late"]},
        _("Budget %(budget)s yuan; contracted %(contracted)s yuan.")
        % {"budget": report["budget"], "contracted": report["contracted"]},
    ]
    title = _("%(county)s: purchased social-work services in %(year)s") % {
        "county": report["county"],
        "year": report["year"],
    }
    return simple_pdf(title=title, paragraphs=paragraphs, table=[_headers(), *_rows(report)])


def county_report_response(*, actor, plan, kind: str) -> HttpResponse:
    report = county_annual_report(actor=actor, plan=plan)
    filename = f"{report['county']}-{report['year']}"
    if kind == "xlsx":
        return xlsx_response(filename, _headers(), _rows(report))
    response = HttpResponse(county_report_pdf(report), content_type="application/pdf")
    response["Content-Disposition"] = (
        f"attachment; filename=\"report.pdf\"; filename*=UTF-8''{quote(filename)}.pdf"
    )
    return response
