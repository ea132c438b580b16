"""Reads of the charity app: scoped lists, balances from the ledger, matching and the report."""

import datetime
from decimal import Decimal

from django.db.models import (
    BooleanField,
    Case,
    DecimalField,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from charity.models import (
    MONEY,
    CharityFund,
    CharitySource,
    LedgerEntry,
    LinkageProject,
    Need,
    Resource,
)
from stations.access import scope_to_actor
from stations.areas import codes_in_path
from stations.models import AdminArea

ZERO = Value(Decimal("0.00"), output_field=DecimalField(**MONEY))
IN = LedgerEntry.Direction.IN


def signed_amount_sum(prefix: str = "") -> Coalesce:
    """Sum of money in minus money out over the entries reached by `prefix` ("entries__" …)."""
    amount = F(f"{prefix}amount")
    return Coalesce(
        Sum(
            Case(
                When(**{f"{prefix}direction": IN}, then=amount),
                default=-amount,
                output_field=DecimalField(**MONEY),
            )
        ),
        ZERO,
    )


def source_list(*, actor) -> QuerySet[CharitySource]:
    return scope_to_actor(CharitySource.objects.select_related("area"), actor=actor)


def fund_list(*, actor) -> QuerySet[CharityFund]:
    return scope_to_actor(CharityFund.objects.select_related("area", "holder"), actor=actor)


def ledger_list(*, actor) -> QuerySet[LedgerEntry]:
    return scope_to_actor(
        LedgerEntry.objects.select_related(
            "fund", "area", "donor", "linkage_project", "need", "reverses", "booked_by"
        ).annotate(reversed_by_id=F("reversed_by__pk")),
        actor=actor,
    )


def need_list(*, actor) -> QuerySet[Need]:
    return scope_to_actor(Need.objects.select_related("area"), actor=actor)


def resource_list(*, actor) -> QuerySet[Resource]:
    return scope_to_actor(Resource.objects.select_related("area", "fund", "source"), actor=actor)


def project_list(*, actor) -> QuerySet[LinkageProject]:
    return scope_to_actor(
        LinkageProject.objects.select_related("area").prefetch_related(
            "needs", "resources", "status_changes"
        ),
        actor=actor,
    )


def fund_ledger_balance(*, fund: CharityFund) -> Decimal:
    """The fund's balance summed from its ledger (one query); equals `fund.balance`."""
    return LedgerEntry.objects.filter(fund=fund).aggregate(total=signed_amount_sum())["total"]


def area_ledger_balance(*, area: AdminArea) -> Decimal:
    """The balance of all funds held in the area's subtree, summed from the ledger (one query)."""
    return LedgerEntry.objects.filter(area__path__startswith=area.path).aggregate(
        total=signed_amount_sum()
    )["total"]


def fund_balances_from_ledger(*, actor) -> QuerySet[CharityFund]:
    """Each fund in scope with `ledger_balance` summed from its entries (one query)."""
    return fund_list(actor=actor).annotate(ledger_balance=signed_amount_sum("entries__"))


def need_suggestions(*, actor, need: Need, limit: int = 20) -> QuerySet[Resource]:
    """Available resources for an open need, nearest first (one query; none for a need that is
    no longer open, which is matched already or closed).

    A resource matches when one of its tags is the kind of help the need asks for (a group tag
    alone says whom it serves, not what it gives), and it covers the need's community: its area
    is the community or one of its ancestors. The ancestors' paths are prefixes of the
    community's path, so they are known without a query; `distance` is 0 for the community, 1
    for its township, 2 for the county, 3 for the city. At the same distance, a resource that
    also serves the need's group comes first (`serves_group`).
    """
    if need.status != Need.Status.OPEN:
        return Resource.objects.none()
    codes = codes_in_path(need.area.path)
    ancestor_paths = ["/" + "/".join(codes[: depth + 1]) + "/" for depth in range(len(codes))]
    nearest_first = list(reversed(ancestor_paths))
    distance = Case(
        *[When(area__path=path, then=Value(rank)) for rank, path in enumerate(nearest_first)],
        output_field=IntegerField(),
    )
    serves_group = Case(
        When(tags__contains=f"|{need.group}|", then=Value(True)),
        default=Value(False),
        output_field=BooleanField(),
    )
    return (
        resource_list(actor=actor)
        .filter(tags__contains=f"|{need.help_kind}|", is_available=True)
        .filter(area__path__in=ancestor_paths)
        .annotate(distance=distance, serves_group=serves_group)
        .order_by("distance", "-serves_group", "name", "pk")[:limit]
    )


# Money paid to the linkage work, net of reversals: disbursements out, and their reversals back in.
LINKED_Q = Q(kind=LedgerEntry.Kind.DISBURSEMENT) | Q(
    kind=LedgerEntry.Kind.REVERSAL, reverses__kind=LedgerEntry.Kind.DISBURSEMENT
)


def _year_range(year: int) -> tuple[datetime.date, datetime.date]:
    return datetime.date(year, 1, 1), datetime.date(year, 12, 31)


def charity_linked_yuan(*, area: AdminArea, year: int) -> Decimal:
    """Yuan disbursed in `year` to linkage projects, needs and volunteer activities by the funds
    of the area's subtree, net of reversals booked that year (one query)."""
    total = LedgerEntry.objects.filter(
        LINKED_Q, area__path__startswith=area.path, booked_on__range=_year_range(year)
    ).aggregate(total=signed_amount_sum())["total"]
    return -total


def charity_linked_yuan_by_area(*, areas: QuerySet[AdminArea], year: int) -> QuerySet[AdminArea]:
    """The areas annotated with `charity_linked_yuan`: each one's subtree total (one query).

    For the reports app: pass e.g. the counties of a city, or the children of an area.
    """
    per_subtree = (
        LedgerEntry.objects.filter(
            LINKED_Q,
            area__path__startswith=OuterRef("path"),
            booked_on__range=_year_range(year),
        )
        .order_by()
        .values(group=Value(1))
        .annotate(total=signed_amount_sum())
        .values("total")
    )
    return areas.annotate(
        charity_linked_yuan=Coalesce(-Subquery(per_subtree), ZERO),
    )
