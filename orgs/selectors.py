"""Reads of community social organisations: list querysets and the per-community counts.

The list querysets carry every join a list needs, so that a page costs the same number of queries
whatever its size; the viewsets and admins scope them to the actor.
"""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Q, QuerySet, Sum

from orgs.models import (
    ActivityReport,
    BrandProject,
    CommunityOrg,
    Contest,
    ContestApplication,
    Evaluation,
    Federation,
    IncubationCentre,
    ObservationPoint,
)
from stations.access import scope_to_actor
from stations.models import AdminArea

ACTIVE = CommunityOrg.Status.ACTIVE
# Ordos plan: at least 10 organisations in every urban community, 5 in every rural one.
ORDOS_URBAN_TARGET = 10
ORDOS_RURAL_TARGET = 5


def org_queryset() -> QuerySet[CommunityOrg]:
    """Organisations with their community, filing body, federation, incubator and groups.

    Cost: one query for the page plus one for the groups served of all its rows.
    """
    return CommunityOrg.objects.select_related(
        "community", "filing_body", "federation", "incubator"
    ).prefetch_related("served_groups")


def org_list(*, actor) -> QuerySet[CommunityOrg]:
    """The organisations in the communities the actor reaches."""
    return scope_to_actor(org_queryset(), actor=actor, area_field="community")


def federation_queryset() -> QuerySet[Federation]:
    """Federations with their township and their number of member organisations (all, active)."""
    # An aggregate drops Meta.ordering; pages need a stable order.
    return (
        Federation.objects.select_related("township")
        .annotate(
            member_total=Count("members"),
            active_member_total=Count("members", filter=Q(members__status=ACTIVE)),
        )
        .order_by("township__code")
    )


def incubator_queryset() -> QuerySet[IncubationCentre]:
    """Incubation centres with their area and the number of organisations they incubated."""
    return (
        IncubationCentre.objects.select_related("area")
        .annotate(incubated_total=Count("incubated_orgs"))
        .order_by("area__code", "name")
    )


def observation_point_queryset() -> QuerySet[ObservationPoint]:
    return ObservationPoint.objects.select_related("area")


def contest_queryset() -> QuerySet[Contest]:
    """Contests with their area, number of applications and the amount funded so far."""
    return (
        Contest.objects.select_related("area")
        .annotate(
            application_total=Count("applications"),
            funded_total=Sum(
                "applications__funded_amount",
                filter=Q(applications__status=ContestApplication.Status.FUNDED),
                default=Decimal("0"),
            ),
        )
        .order_by("-year", "area__code")
    )


def application_queryset() -> QuerySet[ContestApplication]:
    return ContestApplication.objects.select_related(
        "contest__area", "organisation__community", "decided_by"
    )


def brand_project_queryset() -> QuerySet[BrandProject]:
    return BrandProject.objects.select_related("organisation__community")


def activity_report_queryset() -> QuerySet[ActivityReport]:
    return ActivityReport.objects.select_related("organisation__community", "reviewed_by")


def evaluation_queryset() -> QuerySet[Evaluation]:
    return Evaluation.objects.select_related("organisation__community", "evaluated_by")


# Counts per community, for the targets (reports/) ----------------------------------------------


def community_org_counts(*, root_path: str, include_placeholders: bool = False) -> list[dict]:
    """Per community in the subtree at `root_path`: code, name, urban_rural and active_orgs.

    Only active organisations count; communities without any appear with 0. Placeholder
    communities (虚拟社区, statistics only) are left out unless asked for.
    Cost: one query (communities LEFT JOIN organisations, grouped by community).
    """
    communities = AdminArea.objects.filter(
        level=AdminArea.Level.COMMUNITY, path__startswith=root_path
    )
    if not include_placeholders:
        communities = communities.filter(is_placeholder=False)
    return list(
        communities.annotate(
            active_orgs=Count("community_orgs", filter=Q(community_orgs__status=ACTIVE))
        )
        .values("code", "name", "urban_rural", "active_orgs")
        .order_by("code")
    )


@dataclass(frozen=True)
class OrgCountSummary:
    """Organisations per community over the urban (or the rural) communities of a subtree."""

    communities: int
    organisations: int
    minimum: int | None  # None when there is no such community
    average: Decimal | None  # rounded to 2 places
    target: int
    meeting_target: int

    @property
    def below_target(self) -> int:
        return self.communities - self.meeting_target


def summarise_org_counts(
    rows: list[dict],
    *,
    urban_target: int = ORDOS_URBAN_TARGET,
    rural_target: int = ORDOS_RURAL_TARGET,
) -> dict[str, OrgCountSummary]:
    """Min, average and communities meeting the target, for "urban" and for "rural".

    `rows` come from `community_org_counts`; unclassified communities are in neither.
    """
    summaries = {}
    for kind, target in (
        (AdminArea.UrbanRural.URBAN, urban_target),
        (AdminArea.UrbanRural.RURAL, rural_target),
    ):
        counts = [row["active_orgs"] for row in rows if row["urban_rural"] == kind]
        total = sum(counts)
        average = (
            (Decimal(total) / len(counts)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
            if counts
            else None
        )
        summaries[str(kind)] = OrgCountSummary(
            communities=len(counts),
            organisations=total,
            minimum=min(counts) if counts else None,
            average=average,
            target=target,
            meeting_target=sum(1 for count in counts if count >= target),
        )
    return summaries
