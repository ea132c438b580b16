"""The one visibility rule of the platform: a user reaches the rows inside their area's subtree.

Superusers reach everything; a user without an area reaches nothing (default deny). Every admin
page, API view, form, export and import goes through `scope_to_actor`.
"""

import enum
from contextlib import contextmanager
from contextvars import ContextVar

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from stations.areas import is_county_or_below
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
        return qs.filter(reach_condition(qs.model, area_field, root))
    prefix = f"{area_field}__" if area_field else ""
    return qs.filter(**{f"{prefix}path__startswith": root})


class ReachForm(enum.Enum):
    """How `reach_condition` writes a reach through several area paths."""

    READ = "read"  # the form lists are read in: by the depth of the subtree (below)
    UNION = "union"  # `pk IN (a UNION of ids)`, for every subtree
    OWN = "own"  # the first path alone (the row's own area): some of the rows, none twice


_reach_form = ContextVar("reach_form", default=ReachForm.READ)


@contextmanager
def reach_form(form: ReachForm):
    """Builds `reach_condition` in `form` while the block runs: for a list's count, not its page.

    A city's or province's page is read with the OR form, which the planner takes for 75 % of the
    table whatever the subtree: its estimated count is then 2.6 million workers for Xuzhou's
    18,628, and a count capped at 10,001 rows becomes a sequential scan from wherever the last
    one stopped (8–830 ms on the national data). The UNION form is estimated within a factor of two;
    the OWN form counts its first 10,001 rows from the area index (16–44 ms), which tells a long
    list from a short one (docs/performance.md, stop 18).
    """
    token = _reach_form.set(form)
    try:
        yield
    finally:
        _reach_form.reset(token)


def _is_multi_valued(model, field_path: str) -> bool:
    for name in field_path.split("__"):
        field = model._meta.get_field(name)
        if field.one_to_many or field.many_to_many:
            return True
        model = field.related_model
    return False


def reach_condition(model, area_fields: tuple[str, ...], path: str) -> Q:
    """Rows of `model` with one of `area_fields` (paths to an area) inside the subtree `path`.

    Each field is `area_id IN (areas of the subtree)`, a multi-valued one (a worker's linked areas)
    `pk IN (rows linked to such an area)`, so no row is repeated. Cost: PostgreSQL checks each row
    against two small hashed sets and can stop at a LIMIT; the former `pk IN (rows joined to all
    their areas)` built a hash of every reached row first (Jiangsu's workers: 0.4–0.5 s a count).
    """
    areas = AdminArea.objects.filter(path__startswith=path).values("pk")
    form = _reach_form.get()
    if form is ReachForm.OWN:
        return _path_in(model, area_fields[0], areas)
    if form is ReachForm.UNION or is_county_or_below(path):
        # A county's few thousand rows: `pk IN (a UNION of the ids each path reaches)`, which
        # PostgreSQL estimates and reads from the area indexes (a county's 1,733 workers in 10 ms).
        # The OR below it takes for 75 % of the table, and walks the list's order through 100,000
        # rows for such a page (281 ms) and the whole table for its count (578 ms). For a city or
        # province the OR is the right plan: the UNION would collect and sort 160,000 workers of
        # Jiangsu (3.5 s) where the OR finds its page of 50 in the first thousand (25 ms).
        parts = [
            model._base_manager.filter(**{f"{field}__in": areas}).order_by().values("pk")
            for field in area_fields
        ]
        return Q(pk__in=parts[0].union(*parts[1:]))
    condition = Q()
    for field in area_fields:
        condition |= _path_in(model, field, areas)
    return condition


def _path_in(model, field: str, areas) -> Q:
    """Rows of `model` whose `field` is one of `areas`, each once."""
    if _is_multi_valued(model, field):
        return Q(pk__in=model._base_manager.filter(**{f"{field}__in": areas}).values("pk"))
    return Q(**{f"{field}__in": areas})


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
