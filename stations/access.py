"""The one visibility rule of the platform: a user reaches the rows inside their area's subtree.

Superusers reach everything; a user without an area reaches nothing (default deny). Every admin
page, API view, form, export and import goes through `scope_to_actor`.
"""

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from stations.models import AdminArea


def actor_root_path(actor) -> str | None:
    """The path of the subtree an actor reaches: "" for everything, None for nothing."""
    if actor is None or not actor.is_authenticated or not actor.is_active:
        return None
    if actor.is_superuser:
        return ""
    if actor.admin_area_id is None:
        return None
    return actor.admin_area.path


def scope_to_actor(
    qs: QuerySet, *, actor, area_field: str | tuple[str, ...] | None = "area"
) -> QuerySet:
    """Narrow `qs` to what `actor` may reach; `area_field` is the path to the row's area ("" or
    None for AdminArea itself).

    A tuple of paths reaches a row through any of them (a worker's own area, or an area they are
    linked to): the row is kept when one of its areas is in the subtree, once, however many are.
    """
    root = actor_root_path(actor)
    if root is None:
        return qs.none()
    if root == "":
        return qs
    if isinstance(area_field, tuple):
        condition = Q()
        for field in area_field:
            condition |= Q(**{f"{field}__path__startswith": root})
        # A subquery, so that a row reached through several links is not repeated.
        reached = qs.model._base_manager.filter(condition).values("pk")
        return qs.filter(pk__in=reached)
    prefix = f"{area_field}__" if area_field else ""
    return qs.filter(**{f"{prefix}path__startswith": root})


def area_in_scope(area: AdminArea | None, *, actor) -> bool:
    """Whether `actor` reaches `area`."""
    root = actor_root_path(actor)
    if root is None or area is None:
        return False
    return area.path.startswith(root)


def area_assert_in_scope(area: AdminArea | None, *, actor, field: str = "area") -> None:
    """Refuses a write to an area the actor does not reach, as if the area did not exist."""
    if not area_in_scope(area, actor=actor):
        raise ValidationError(
            {field: _("No such area within your reach.")}, code="area_out_of_scope"
        )
