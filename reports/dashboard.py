"""The leadership dashboard: an area's targets, its children, charts, trend and the gap.

Charts are SVG drawn on the server: nothing is fetched at run time, so it works on an intranet.
"""

from urllib.parse import quote

from django.contrib.admin.views.decorators import staff_member_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from reports.exports import report_export_request
from reports.gaps import gap_statements
from reports.metric_defs import metric_by_key
from reports.models import AreaResult, ComplianceSnapshot, ReportExport, Target
from reports.selectors import compliance_report, snapshot_current
from stations.access import actor_root_path, scope_to_actor
from stations.areas import codes_in_path
from stations.exports import XLSX_CONTENT_TYPE
from stations.models import AdminArea

BAR_WIDTH = 560
GAP_LIMIT = 50


def bar_chart(
    rows: list[tuple[str, float | None]],
    threshold: float | None,
    comparison: str | None = Target.Comparison.AT_LEAST,
) -> dict:
    """Geometry of a horizontal bar chart: one bar per child, a line at the threshold.

    A bar is met when its value is at least the threshold, or at most it for an "lte" target.
    """
    values = [value for _label, value in rows if value is not None]
    top = max([*values, threshold or 0, 1])
    at_most = comparison == Target.Comparison.AT_MOST
    bars = []
    for index, (label, value) in enumerate(rows):
        width = 0 if value is None else round(value / top * BAR_WIDTH, 1)
        if value is None or threshold is None:
            met = None
        else:
            met = value <= threshold if at_most else value >= threshold
        bars.append({"y": index * 26, "label": label, "value": value, "width": width, "met": met})
    return {
        "bars": bars,
        "height": len(rows) * 26 + 10,
        "threshold_x": None if threshold is None else round(threshold / top * BAR_WIDTH, 1),
        "width": BAR_WIDTH,
    }


def children_table(report: dict) -> list[dict]:
    """The drill-down rows: each child's cells in the columns of the parent's targets.

    A child's own list follows its own targets (a target of its level comes first there), so
    its cells are looked up by metric key rather than taken in order.
    """
    keys = [item["key"] for item in report["targets"]]
    rows = []
    for child in report["children"]:
        by_key: dict[str, dict] = {}
        for item in child["targets"]:
            by_key.setdefault(item["key"], item)
        rows.append({"area": child["area"], "cells": [by_key.get(key) for key in keys]})
    return rows


def trend(area: AdminArea, metric_key: str) -> list[dict]:
    """The metric's value for `area` in each year with a current snapshot (one query)."""
    rows = (
        AreaResult.objects.filter(area=area, snapshot__is_current=True)
        .order_by("snapshot__year", "-snapshot__computed_at")
        .values_list("snapshot__year", "values")
    )
    by_year: dict[int, float | None] = {}
    for year, values in rows:
        by_year.setdefault(year, (values.get(metric_key) or [None, None, None])[2])
    return [{"year": year, "value": value} for year, value in by_year.items()]


def gaps(area: AdminArea, snapshot: ComplianceSnapshot, item: dict) -> dict | None:
    """For a per-community minimum below its threshold: which communities, and how many short."""
    if item["met"] is not False or not item["key"].endswith("_orgs_min"):
        return None
    threshold = item["threshold"]
    kind = (
        AdminArea.UrbanRural.URBAN
        if item["key"].startswith("urban_")
        else AdminArea.UrbanRural.RURAL
    )
    # Only the communities the metric counts: on PostgreSQL a JSON null sorts below every
    # number, so the other kind's communities (null) would otherwise match `lt`.
    short = AreaResult.objects.filter(
        snapshot=snapshot,
        area__path__startswith=area.path,
        area__level=AdminArea.Level.COMMUNITY,
        area__urban_rural=kind,
        area__is_placeholder=False,
        **{f"values__{item['key']}__0__lt": threshold},
    )
    counts = [values[item["key"]][0] for values in short.values_list("values", flat=True)]
    listed = [
        {"area": row.area, "has": row.values[item["key"]][0]}
        for row in short.select_related("area").order_by("area__code")[:GAP_LIMIT]
    ]
    for row in listed:
        row["needs"] = threshold - row["has"]
    return {
        "count": len(counts),
        "missing": sum(threshold - count for count in counts),
        "listed": listed,
    }


@staff_member_required
def dashboard(request):
    areas = scope_to_actor(AdminArea.objects.all(), actor=request.user, area_field=None)
    code = request.GET.get("area")
    if code:
        area = areas.filter(code=code).first()
    else:
        root = actor_root_path(request.user)
        area = (
            request.user.admin_area
            if root
            else areas.filter(parent__isnull=True).order_by("code").first()
        )
    if area is None:
        raise Http404(_("No such area within your reach."))
    years = sorted(
        ComplianceSnapshot.objects.filter(is_current=True, area__code__in=codes_in_path(area.path))
        .values_list("year", flat=True)
        .distinct(),
        reverse=True,
    )
    try:
        year = int(request.GET.get("year") or (years[0] if years else 0))
    except ValueError:
        year = years[0] if years else 0
    report = compliance_report(area=area, year=year) if year else None
    catalogue = metric_by_key()
    metric_key = request.GET.get("metric")
    if report and metric_key not in catalogue:
        judged = [item["key"] for item in report["targets"] if item["threshold"] is not None]
        metric_key = judged[0] if judged else next(iter(catalogue))
    chart = trend_rows = trend_chart = gap = snapshot = children_rows = None
    if report:
        snapshot = snapshot_current(area=area, year=year)
        item = next((i for i in report["targets"] if i["key"] == metric_key), None)
        chart = bar_chart(
            [
                (
                    child["area"]["name"],
                    next((i["value"] for i in child["targets"] if i["key"] == metric_key), None),
                )
                for child in report["children"]
            ],
            item["threshold"] if item else None,
            item["comparison"] if item else None,
        )
        trend_rows = trend(area, metric_key)
        trend_chart = bar_chart(
            [(str(point["year"]), point["value"]) for point in trend_rows],
            item["threshold"] if item else None,
            item["comparison"] if item else None,
        )
        children_rows = children_table(report)
        gap = []
        for target_item in report["targets"]:
            found = gaps(area, snapshot, target_item)
            if found:
                gap.append({"item": target_item, **found})
    ancestors = list(
        areas.filter(code__in=codes_in_path(area.path)).exclude(pk=area.pk).order_by("level")
    )
    return render(
        request,
        "reports/dashboard.html",
        {
            "area": area,
            "ancestors": ancestors,
            "year": year,
            "years": years,
            "report": report,
            "metric_key": metric_key,
            "metrics": catalogue.values(),
            "chart": chart,
            "trend": trend_rows,
            "trend_chart": trend_chart,
            "computed_at": snapshot.computed_at if report else None,
            "gaps": gap,
            "gap_statements": gap_statements(report) if report else [],
            "children_rows": children_rows,
        },
    )


@staff_member_required
@require_POST
def export_request(request):
    """Queues an Excel or PDF export of the dashboard's area and year."""
    areas = scope_to_actor(AdminArea.objects.all(), actor=request.user, area_field=None)
    area = areas.filter(code=request.POST.get("area", "")).first()
    file_format = request.POST.get("format")
    try:
        year = int(request.POST.get("year", ""))
    except ValueError:
        year = None
    if area is None or year is None or file_format not in ReportExport.Format.values:
        raise Http404(_("No such area within your reach."))
    export = report_export_request(
        actor=request.user, area=area, year=year, file_format=file_format
    )
    return redirect("report-export", export_id=export.pk)


def _own_export(request, export_id: int) -> ReportExport:
    exports = ReportExport.objects.select_related("area")
    if not request.user.is_superuser:
        exports = exports.filter(requested_by=request.user)
    return get_object_or_404(exports.defer("content"), pk=export_id)


@staff_member_required
def export_status(request, export_id: int):
    export = _own_export(request, export_id)
    return render(request, "reports/export_status.html", {"export": export})


@staff_member_required
def export_download(request, export_id: int):
    export = _own_export(request, export_id)
    if export.status != ReportExport.Status.READY:
        raise Http404(_("This export is not ready."))
    content = ReportExport.objects.values_list("content", flat=True).get(pk=export.pk)
    content_type = XLSX_CONTENT_TYPE if export.format == "xlsx" else "application/pdf"
    response = HttpResponse(bytes(content), content_type=content_type)
    response["Content-Disposition"] = (
        f'attachment; filename="report.{export.format}"; '
        f"filename*=UTF-8''{quote(export.filename)}"
    )
    return response
