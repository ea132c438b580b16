from django.db.models import Q
from django.utils.translation import gettext_lazy as _

import django_filters

from stations.access import actor_root_path, reach_condition
from stations.models import AdminArea, AreaPopulation


def filter_within(qs, path: str, area_field: str | tuple[str, ...] | None):
    """Rows whose area lies under `path`. A tuple of paths (a worker's own area and the areas
    linked to them, `talent.models.WORKER_REACH`) keeps a row when one of them does, once."""
    if isinstance(area_field, tuple):
        return qs.filter(reach_condition(qs.model, area_field, path))
    prefix = f"{area_field}__" if area_field else ""
    return qs.filter(**{f"{prefix}path__startswith": path})


_NOT_SCOPED = object()


class WithinFilter(django_filters.CharFilter):
    """`?within=<code>`: rows whose area lies in that area's subtree (the area included)."""

    def __init__(self, *args, area_field: str | tuple[str, ...] | None = "area", **kwargs):
        self.area_field = area_field
        kwargs.setdefault("label", _("within the area with this code"))
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):
        if not value:
            return qs
        path = AdminArea.objects.filter(code=value).values_list("path", flat=True).first()
        if path is None:
            return qs.none()
        if self._scope_is_within(path):
            return qs
        return filter_within(qs, path, self.area_field)

    def _scope_is_within(self, path: str) -> bool:
        """Whether the view's scope (by the same area path) already lies in `path`'s subtree:
        the condition would then be the scope's again, and PostgreSQL, taking the two identical
        `LIKE`s for independent, under-estimates the rows (35 areas of a county expected as 2,
        131 records instead of 32,194) and plans the page badly (docs/performance.md §3)."""
        scope_area_field = getattr(self.parent, "scope_area_field", _NOT_SCOPED)
        if scope_area_field != self.area_field:
            return False
        root = actor_root_path(getattr(self.parent.request, "user", None))
        return bool(root) and root.startswith(path)


class AreaFilter(django_filters.FilterSet):
    level = django_filters.TypedChoiceFilter(choices=AdminArea.Level.choices, coerce=int)
    parent = django_filters.CharFilter(field_name="parent_id", label=_("parent code"))
    urban_rural = django_filters.ChoiceFilter(choices=AdminArea.UrbanRural.choices)
    is_virtual = django_filters.BooleanFilter()
    within = WithinFilter(area_field=None)
    search = django_filters.CharFilter(method="filter_search", label=_("name or code prefix"))

    class Meta:
        model = AdminArea
        fields = ["level", "parent", "urban_rural", "is_virtual", "within", "search"]

    def filter_search(self, qs, name, value):
        if value.isdigit():
            return qs.filter(code__startswith=value)
        return qs.filter(Q(name__icontains=value))


class PopulationFilter(django_filters.FilterSet):
    area = django_filters.CharFilter(field_name="area__code", label=_("area code"))
    year = django_filters.NumberFilter()
    within = WithinFilter()

    class Meta:
        model = AreaPopulation
        fields = ["area", "year", "within"]
