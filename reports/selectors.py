"""Reading compliance results: the current snapshot of an area and its children."""

from reports.metric_defs import metric_by_key
from reports.models import AreaResult, ComplianceSnapshot, Target
from stations.areas import codes_in_path
from stations.models import AdminArea


def snapshot_current(*, area: AdminArea, year: int) -> ComplianceSnapshot | None:
    """The newest complete snapshot of the year that covers `area` (its root is `area` or above)."""
    return (
        ComplianceSnapshot.objects.filter(
            year=year, is_current=True, area__code__in=codes_in_path(area.path)
        )
        .order_by("-computed_at")
        .first()
    )


def _area(area: AdminArea) -> dict:
    return {"code": area.code, "name": area.name, "level": area.level}


def compliance_report(*, area: AdminArea, year: int) -> dict | None:
    """The API/dashboard shape for an area and its children; None when nothing was computed.

    Cost: three queries whatever the number of children or metrics (a fourth for snapshots
    computed before results carried a copy of their target).
    """
    snapshot = snapshot_current(area=area, year=year)
    if snapshot is None:
        return None
    children = list(AdminArea.objects.filter(parent=area).order_by("code"))
    rows = {
        row.area_id: row
        for row in AreaResult.objects.filter(
            snapshot=snapshot, area_id__in=[area.pk, *(child.pk for child in children)]
        )
    }
    # Results carry a copy of their target; only snapshots computed before the copy was kept
    # need the live targets (for those the query runs, else it is skipped).
    legacy_ids = {
        result["target"]
        for row in rows.values()
        for result in row.results
        if "metric" not in result
    }
    targets = {target.pk: target for target in Target.objects.filter(pk__in=legacy_ids)}
    catalogue = metric_by_key()

    def items(area_id: int) -> list[dict]:
        row = rows.get(area_id)
        if row is None:
            return []
        judged = set()
        entries = []
        for result in row.results:
            copied = _copied_target(result, targets)
            metric = catalogue.get(copied["metric"]) if copied else None
            if metric is None:
                continue
            judged.add(metric.key)
            entries.append(_item(metric, row.values.get(metric.key), {**result, **copied}))
        for key, metric in catalogue.items():
            if key not in judged and key in row.values:
                entries.append(_item(metric, row.values[key], None))
        return entries

    return {
        "area": _area(area),
        "year": year,
        "computed_at": snapshot.computed_at.isoformat(),
        "targets": items(area.pk),
        "children": [{"area": _area(child), "targets": items(child.pk)} for child in children],
    }


def _copied_target(result: dict, targets: dict[int, Target]) -> dict | None:
    """The metric, comparison and source a result was judged by, as copied at compute time."""
    if "metric" in result:
        return {key: result[key] for key in ("metric", "comparison", "source")}
    target = targets.get(result["target"])
    if target is None:
        return None
    source = " ".join(part for part in (target.source_document, target.source_clause) if part)
    return {"metric": target.metric, "comparison": target.comparison, "source": source}


def _item(metric, figures: list | None, result: dict | None) -> dict:
    numerator, denominator, value = figures or (None, None, None)
    return {
        "key": metric.key,
        "name": str(metric.name),
        "value": value,
        "threshold": result["threshold"] if result else None,
        "comparison": result["comparison"] if result else None,
        "unit": metric.unit,
        "met": result["met"] if result else None,
        "numerator": numerator,
        "denominator": denominator,
        "source": (result["source"] or None) if result else None,
    }
