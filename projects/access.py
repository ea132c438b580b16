"""Who reaches which contracts, reports and stations: the area scope, narrowed for contractors.

Staff reach the rows of their area's subtree (stations.access.scope_to_actor). A contractor account
reaches only its own contractor's rows (within its area, since both rules apply). Anybody else —
no area, or a contractor account with no contractor — reaches nothing.
"""

from django.db.models import QuerySet

from stations.access import scope_to_actor
from stations.models import AdminArea
from stations.roles import Role


def is_contractor_user(actor) -> bool:
    """A contractor account: linked to a contractor, or holding the contractor role."""
    if actor is None or not actor.is_authenticated or actor.is_superuser:
        return False
    if actor.contractor_id is not None:
        return True
    return any(group.name == Role.CONTRACTOR for group in actor.groups.all())


def scope_to_contractor(
    qs: QuerySet, *, actor, contractor_field: str = "contractor", area_field: str = "area"
) -> QuerySet:
    """Narrow `qs` to what `actor` reaches; `contractor_field` is the path to the row's contractor
    ("" for Contractor itself) and `area_field` the path to its area."""
    qs = scope_to_actor(qs, actor=actor, area_field=area_field)
    if not is_contractor_user(actor):
        return qs
    if actor.contractor_id is None:
        return qs.none()
    key = f"{contractor_field}_id" if contractor_field else "pk"
    return qs.filter(**{key: actor.contractor_id})


def reviews_landing_townships(actor) -> bool:
    """A township's reviewer: reaches the reports of contracts landing in that township.

    The contract belongs to the county, outside the township's subtree; the county lets its
    townships review by `CountyProjectConfig.township_reviewers` (checked in `scope_reports`).
    """
    if actor is None or not actor.is_authenticated or not actor.is_active or actor.is_superuser:
        return False
    area = actor.admin_area if actor.admin_area_id else None
    return (
        area is not None
        and area.level == AdminArea.Level.TOWNSHIP
        and not is_contractor_user(actor)
        and actor.has_perm("projects.review_report")
    )


def report_area_field(actor) -> str:
    """The path from a report to the area that decides whether `actor` reaches it."""
    return "contract__townships" if reviews_landing_townships(actor) else "contract__area"


def scope_reports(qs: QuerySet, *, actor) -> QuerySet:
    """Narrow a Report queryset to what `actor` reaches (the scope of every read of reports).

    Staff: reports of contracts in their subtree; contractors: their own; a township's reviewer:
    those of contracts landing in the township, when its county lets townships review.
    """
    if reviews_landing_townships(actor):
        return scope_to_actor(
            qs.filter(contract__area__project_config__township_reviewers=True),
            actor=actor,
            area_field="contract__townships",
        )
    return scope_to_contractor(
        qs, actor=actor, contractor_field="contract__contractor", area_field="contract__area"
    )
