"""The county's yearly report to the city, as Excel (stations.exports) and PDF (stations.pdf)."""

import io
from urllib.parse import quote
from xml.sax.saxutils import escape

from django.http import HttpResponse
from django.utils.translation import gettext as _

from projects.selectors import county_annual_report
from stations.exports import xlsx_response


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
        _("Payments scheduled in the year (yuan)"),
        _("Payments due to date (yuan)"),
        _("Late"),
        _("Missing"),
        _("Awaiting review"),
        _("Returned"),
        _("Approved"),
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
            row["payments_scheduled"],
            row["payments_due"],
            row["reports_late"],
            row["reports_missing"],
            row["reports_waiting"],
            row["reports_returned"],
            row["reports_approved"],
        ]
        for row in report["contracts"]
    ]


def _percent(value) -> str:
    return "-" if value is None else f"{value}%"


def _sections(report: dict) -> list[tuple[str, list[list]]]:
    """The PDF's tables: contracts and payments, briefings by state, evaluation scores."""
    contracts = report["contracts"]
    money = [
        [
            _("Contract number"),
            _("Contractor"),
            _("Status"),
            _("Term"),
            _("Price (yuan)"),
            _("Scheduled in the year"),
            _("Due to date"),
        ],
        *[
            [
                row["number"],
                row["contractor"],
                row["status"],
                f"{row['start_date']:%Y-%m-%d} – {row['end_date']:%Y-%m-%d}",
                row["price"],
                row["payments_scheduled"],
                row["payments_due"],
            ]
            for row in contracts
        ],
        [
            _("Total"),
            "",
            "",
            "",
            report["contracted"],
            report["payments_scheduled"],
            report["payments_due"],
        ],
    ]
    briefings = [
        [
            _("Contract number"),
            _("Due"),
            _("Submitted"),
            _("On time"),
            _("Late"),
            _("Missing"),
            _("Awaiting review"),
            _("Returned"),
            _("Approved"),
            _("Completeness"),
        ],
        *[
            [
                row["number"],
                row["reports_due"],
                row["reports_submitted"],
                row["reports_on_time"],
                row["reports_late"],
                row["reports_missing"],
                row["reports_waiting"],
                row["reports_returned"],
                row["reports_approved"],
                _percent(row["completeness"]),
            ]
            for row in contracts
        ],
    ]
    scores = [
        [_("Contract number"), _("Indicator scores (weight)"), _("Score"), _("Grade")],
        *[
            [
                row["number"],
                "；".join(
                    f"{item['indicator']} {item['score']} ({item['weight']})"
                    for item in row["scores"]
                )
                or "-",
                "-" if row["score"] is None else row["score"],
                row["grade"] or _("Not evaluated"),
            ]
            for row in contracts
        ],
    ]
    return [
        (_("Contracts and payments"), money),
        (_("Monthly briefings of the year"), briefings),
        (_("Annual evaluation"), scores),
    ]


def county_report_pdf(report: dict) -> bytes:
    """The report as a PDF in Chinese (stations.pdf's CJK font, embedded when installed)."""
    paragraphs = [
        _("Due to the city by %(date)s.") % {"date": report["due_date"].isoformat()},
        _("Annual plan submitted on %(date)s (%(late)s days late).")
        % {"date": report["plan_submitted_on"] or "-", "late": report["plan_days_late"]},
        _("Budget %(budget)s yuan; contracted %(contracted)s yuan.")
        % {"budget": report["budget"], "contracted": report["contracted"]},
        _(
            "%(count)s contracts; monthly briefings due %(due)s, submitted %(submitted)s, "
            "on time %(on_time)s; %(evaluated)s contracts evaluated."
        )
        % {
            "count": len(report["contracts"]),
            "due": report["reports_due"],
            "submitted": report["reports_submitted"],
            "on_time": report["reports_on_time"],
            "evaluated": report["evaluated"],
        },
    ]
    title = _("%(county)s: purchased social-work services in %(year)s") % {
        "county": report["county"],
        "year": report["year"],
    }
    return _pdf(title=title, paragraphs=paragraphs, sections=_sections(report))


def _pdf(*, title: str, paragraphs: list[str], sections: list[tuple[str, list[list]]]) -> bytes:
    """An A4 landscape document of several titled tables (stations.pdf.simple_pdf has one)."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    from stations.pdf import register_font as register_cjk_font

    font = register_cjk_font()
    heading = ParagraphStyle("heading", fontName=font, fontSize=16, leading=22, spaceAfter=8)
    subheading = ParagraphStyle("subheading", fontName=font, fontSize=12, leading=18)
    body = ParagraphStyle("body", fontName=font, fontSize=10.5, leading=16)
    small = ParagraphStyle("small", fontName=font, fontSize=8.5, leading=12)
    # Escaped: reportlab paragraphs read a little markup, and names are the users' ("<b" is a 500).
    story = [
        Paragraph(escape(title), heading),
        *[Paragraph(escape(text), body) for text in paragraphs],
    ]
    for caption, table in sections:
        story += [Spacer(1, 5 * mm), Paragraph(escape(caption), subheading), Spacer(1, 2 * mm)]
        cells = [
            [Paragraph(escape("" if v is None else str(v)), small) for v in row] for row in table
        ]
        grid = Table(cells, repeatRows=1)
        grid.setStyle(
            TableStyle(
                [
                    ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                    ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef3")),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ]
            )
        )
        story.append(grid)
    buffer = io.BytesIO()
    SimpleDocTemplate(
        buffer,
        pagesize=landscape(A4),
        leftMargin=12 * mm,
        rightMargin=12 * mm,
        title=title,
    ).build(story)
    return buffer.getvalue()


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
