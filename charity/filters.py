from django.utils.translation import gettext_lazy as _

import django_filters

from charity.models import CharityFund, CharitySource, LedgerEntry, LinkageProject, Need, Resource
from stations.filters import WithinFilter


class SourceFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=CharitySource.Kind.choices)
    within = WithinFilter()
    search = django_filters.CharFilter(field_name="name", lookup_expr="icontains")

    class Meta:
        model = CharitySource
        fields = ["kind", "is_active", "within", "search"]


class FundFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=CharityFund.Kind.choices)
    within = WithinFilter()

    class Meta:
        model = CharityFund
        fields = ["kind", "is_restricted", "is_active", "within"]


class LedgerFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=LedgerEntry.Kind.choices)
    year = django_filters.NumberFilter(
        field_name="booked_on", lookup_expr="year", min_value=1949, max_value=2100
    )
    booked_from = django_filters.DateFilter(
        field_name="booked_on", lookup_expr="gte", label=_("booked on or after")
    )
    booked_to = django_filters.DateFilter(
        field_name="booked_on", lookup_expr="lte", label=_("booked on or before")
    )
    within = WithinFilter()

    class Meta:
        model = LedgerEntry
        fields = ["fund", "kind", "direction", "donor", "target_kind", "year", "within"]


class NeedFilter(django_filters.FilterSet):
    group = django_filters.ChoiceFilter(choices=Need._meta.get_field("group").choices)
    status = django_filters.ChoiceFilter(choices=Need.Status.choices)
    urgency = django_filters.ChoiceFilter(choices=Need.Urgency.choices)
    within = WithinFilter()

    class Meta:
        model = Need
        fields = ["group", "help_kind", "status", "urgency", "source", "within"]


class ResourceFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=Resource.Kind.choices)
    tag = django_filters.CharFilter(method="filter_tag", label=_("tag"))
    within = WithinFilter()

    class Meta:
        model = Resource
        fields = ["kind", "is_available", "tag", "within"]

    def filter_tag(self, qs, name, value):
        return qs.filter(tags__contains=f"|{value.strip().lower()}|")


class ProjectFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=LinkageProject.Status.choices)
    owner_kind = django_filters.ChoiceFilter(choices=LinkageProject.OwnerKind.choices)
    within = WithinFilter()

    class Meta:
        model = LinkageProject
        fields = ["status", "owner_kind", "within"]
