"""Reads of the service network: stations with their latest six-haves inspection.

The staffing check and the ledger figures, which are computed in Python over a few prefetched
queries, live in `stations.rules`.
"""

import datetime
from dataclasses import dataclass

from django.db.models import Case, IntegerField, OuterRef, QuerySet, Subquery, Value, When

from stations.access import scope_to_actor
from stations.models import Station, StationInspection

Item = StationInspection.Item
# Each item is one bit of the "passed" mask, in the policy's order: premises = 1 … workflow = 32.
ITEM_BITS: dict[str, int] = {item: 1 << index for index, item in enumerate(Item.values)}
ALL_ITEMS_MASK = sum(ITEM_BITS.values())


@dataclass(frozen=True)
class SixHavesResult:
    """A station's standing against the six haves, by its latest inspection."""

    inspection_id: int | None
    inspected_on: datetime.date | None
    failing_items: tuple[str, ...]

    @property
    def inspected(self) -> bool:
        return self.inspection_id is not None

    @property
    def meets_standard(self) -> bool | None:
        """True or False by the latest inspection; None when the station was never inspected."""
        if not self.inspected:
            return None
        return not self.failing_items


def passed_mask_expression():
    """The inspection's passed items as one integer (see ITEM_BITS), computed in SQL."""
    expression = Value(0)
    for item, bit in ITEM_BITS.items():
        expression = expression + Case(
            When(**{f"{item}_passed": True}, then=Value(bit)),
            default=Value(0),
            output_field=IntegerField(),
        )
    return expression


def with_latest_inspection(qs: QuerySet[Station]) -> QuerySet[Station]:
    """Annotates each station with its latest inspection's id, date and passed-items mask.

    Cost: three correlated subqueries inside the one query, each answered by the
    (station, inspected_on) unique index; no query per station.
    """
    latest = StationInspection.objects.filter(station=OuterRef("pk")).order_by(
        "-inspected_on", "-pk"
    )
    return qs.annotate(
        latest_inspection_id=Subquery(latest.values("pk")[:1]),
        latest_inspected_on=Subquery(latest.values("inspected_on")[:1]),
        latest_inspection_mask=Subquery(
            latest.annotate(mask=passed_mask_expression()).values("mask")[:1],
            output_field=IntegerField(),
        ),
    )


def six_haves_result(station: Station) -> SixHavesResult:
    """The result carried by a station annotated with `with_latest_inspection`."""
    mask = getattr(station, "latest_inspection_mask", None)
    inspection_id = getattr(station, "latest_inspection_id", None)
    if inspection_id is None:
        return SixHavesResult(None, None, ())
    failing = tuple(item for item, bit in ITEM_BITS.items() if not (mask or 0) & bit)
    return SixHavesResult(inspection_id, station.latest_inspected_on, failing)


def inspection_result(inspection: StationInspection) -> SixHavesResult:
    return SixHavesResult(inspection.pk, inspection.inspected_on, tuple(inspection.failing_items()))


def station_list(*, actor) -> QuerySet[Station]:
    """The stations the actor reaches, with area, contractor and latest inspection in one query."""
    return with_latest_inspection(
        scope_to_actor(Station.objects.select_related("area", "contractor"), actor=actor)
    )


def filter_six_haves(qs: QuerySet[Station], value: str) -> QuerySet[Station]:
    """Narrows annotated stations to "met", "failing" or "uninspected" by the latest inspection."""
    if value == "met":
        return qs.filter(latest_inspection_mask=ALL_ITEMS_MASK)
    if value == "failing":
        return qs.filter(latest_inspection_id__isnull=False).exclude(
            latest_inspection_mask=ALL_ITEMS_MASK
        )
    if value == "uninspected":
        return qs.filter(latest_inspection_id__isnull=True)
    return qs
