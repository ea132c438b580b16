"""Who reaches which contracts, reports and stations: the area scope, narrowed for contractors.

Staff reach the rows of their area's subtree (stations.access.scope_to_actor). A contractor account
reaches only its own contractor's rows (within its area, since both rules apply). Anybody else —
no area, or a contractor account with no contractor — reaches nothing.
"""

from django.db.models import QuerySet

from stations.access import scope_to_actor
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
