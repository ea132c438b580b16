"""Reads of the volunteer records. Every sum of hours counts verified records only."""

import datetime
from decimal import Decimal

from django.db.models import (
    Count,
    DecimalField,
    Exists,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce

from stations.models import AdminArea
from volunteers.models import (
    Activity,
    IssuedProof,
    PointsEntry,
    ServicePoint,
    ServiceRecord,
    Team,
    TeamMembership,
    Volunteer,
)

HOURS = DecimalField(max_digits=12, decimal_places=2)


def volunteers_shaped() -> QuerySet[Volunteer]:
    return Volunteer.objects.select_related("area")


def teams_shaped() -> QuerySet[Team]:
    return Team.objects.select_related("area", "leader").prefetch_related(
        Prefetch(
            "memberships",
            queryset=TeamMembership.objects.select_related("volunteer").order_by("joined_on", "pk"),
        )
    )


def service_points_shaped() -> QuerySet[ServicePoint]:
    return ServicePoint.objects.select_related("area")


def activities_shaped() -> QuerySet[Activity]:
    """Activities with their verified hours, latest first.

    The Sum annotation groups the query, which drops Meta.ordering, so the order is set again.
    """
    return (
        Activity.objects.select_related("area", "social_worker")
        .annotate(
            verified_hours=Coalesce(
                Sum("service_records__hours", filter=Q(service_records__is_verified=True)),
                Value(Decimal(0)),
                output_field=HOURS,
            )
        )
        .order_by("-starts_at", "pk")
    )


def records_shaped() -> QuerySet[ServiceRecord]:
    return ServiceRecord.objects.select_related(
        "volunteer__area", "activity", "area", "recorded_by", "verified_by"
    )


def points_entries_shaped() -> QuerySet[PointsEntry]:
    return PointsEntry.objects.select_related("volunteer__area", "service_record__activity")


def proofs_shaped() -> QuerySet[IssuedProof]:
    return IssuedProof.objects.select_related("volunteer", "area", "issued_by").defer("pdf")


def verified_records(
    *, volunteer: Volunteer, start: datetime.date, end: datetime.date
) -> QuerySet[ServiceRecord]:
    """The volunteer's verified records of activities held between two dates (inclusive)."""
    return ServiceRecord.objects.filter(
        volunteer=volunteer,
        is_verified=True,
        activity_starts_at__date__gte=start,
        activity_starts_at__date__lte=end,
    ).select_related("activity")


def volunteer_verified_hours(
    *, volunteer: Volunteer, start: datetime.date, end: datetime.date
) -> Decimal:
    """Total verified hours of a volunteer between two dates. One query."""
    total = verified_records(volunteer=volunteer, start=start, end=end).aggregate(
        total=Sum("hours")
    )["total"]
    return total or Decimal(0)


def verified_hours_by_area(*, parent: AdminArea, year: int) -> QuerySet[AdminArea]:
    """Each child area of `parent` with the verified hours served in its subtree in `year`.

    Hours count where the activity took place. One query: a correlated sum per child.
    """
    hours = (
        ServiceRecord.objects.filter(
            is_verified=True,
            activity_starts_at__year=year,
            area__path__startswith=OuterRef("path"),
        )
        .order_by()
        .annotate(group=Value(1))
        .values("group")
        .annotate(total=Sum("hours"))
        .values("total")
    )
    return (
        AdminArea.objects.filter(parent=parent)
        .annotate(verified_hours=Coalesce(Subquery(hours, output_field=HOURS), Value(Decimal(0))))
        .order_by("code")
    )


def communities_with_active_service_point(*, root: AdminArea) -> QuerySet[AdminArea]:
    """The communities in `root`'s subtree with at least one active volunteer service point."""
    active = ServicePoint.objects.filter(area=OuterRef("pk"), is_active=True)
    return AdminArea.objects.filter(
        Exists(active),
        level=AdminArea.Level.COMMUNITY,
        path__startswith=root.path,
    ).order_by("code")


def service_point_coverage(*, parent: AdminArea) -> QuerySet[AdminArea]:
    """Each child of `parent` with its communities and those with an active service point.

    Placeholder communities (虚拟社区) have no facility and do not count. One query.
    """
    communities = AdminArea.objects.filter(
        level=AdminArea.Level.COMMUNITY,
        is_placeholder=False,
        path__startswith=OuterRef("path"),
    ).order_by()

    def count(queryset):
        return Subquery(
            queryset.annotate(group=Value(1)).values("group").annotate(n=Count("pk")).values("n")
        )

    covered = communities.filter(
        Exists(ServicePoint.objects.filter(area=OuterRef("pk"), is_active=True))
    )
    return (
        AdminArea.objects.filter(parent=parent)
        .annotate(
            communities=Coalesce(count(communities), Value(0)),
            covered_communities=Coalesce(count(covered), Value(0)),
        )
        .order_by("code")
    )


def records_out_of_step() -> QuerySet[ServiceRecord]:
    """Records whose copied community or start differs from their activity's (none, when every
    write goes through the services; the generator and the demo write the copies themselves)."""
    return ServiceRecord.objects.exclude(
        area_id=F("activity__area_id"), activity_starts_at=F("activity__starts_at")
    )
