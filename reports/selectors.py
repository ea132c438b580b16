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

    Cost: four queries whatever the number of children or metrics.
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
    target_ids = {result["target"] for row in rows.values() for result in row.results}
    targets = {target.pk: target for target in Target.objects.filter(pk__in=target_ids)}
    catalogue = metric_by_key()

    def items(area_id: int) -> list[dict]:
        row = rows.get(area_id)
        if row is None:
            return []
        judged = set()
        entries = []
        for result in row.results:
            target = targets.get(result["target"])
            metric = catalogue.get(target.metric) if target else None
            if metric is None:
                continue
            judged.add(metric.key)
            entries.append(_item(metric, row.values.get(metric.key), target, result))
        for key, metric in catalogue.items():
            if key not in judged and key in row.values:
                entries.append(_item(metric, row.values[key], None, None))
        return entries

    return {
        "area": _area(area),
        "year": year,
        "computed_at": snapshot.computed_at.isoformat(),
        "targets": items(area.pk),
        "children": [{"area": _area(child), "targets": items(child.pk)} for child in children],
    }


def _item(metric, figures: list | None, target: Target | None, result: dict | None) -> dict:
    numerator, denominator, value = figures or (None, None, None)
    source = None
    if target is not None:
        source = " ".join(part for part in (target.source_document, target.source_clause) if part)
    return {
        "key": metric.key,
        "name": str(metric.name),
        "value": value,
        "threshold": result["threshold"] if result else None,
        "comparison": target.comparison if target else None,
        "unit": metric.unit,
        "met": result["met"] if result else None,
        "numerator": numerator,
        "denominator": denominator,
        "source": source,
    }
