"""FilterSets of the service-network API: `area` (exact code), `within` (subtree), kind, status."""

import datetime

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

import django_filters

from stations.filters import WithinFilter
from stations.models import ServiceLogEntry, Station, StationAssignment, StationInspection
from stations.station_selectors import filter_six_haves

SIX_HAVES_CHOICES = [
    ("met", _("Meets the six haves")),
    ("failing", _("Fails an item")),
    ("uninspected", _("Never inspected")),
]


class StationFilter(django_filters.FilterSet):
    area = django_filters.CharFilter(field_name="area__code", label=_("area code"))
    within = WithinFilter()
    kind = django_filters.ChoiceFilter(choices=Station.Kind.choices)
    status = django_filters.ChoiceFilter(choices=Station.Status.choices)
    operator = django_filters.ChoiceFilter(choices=Station.Operator.choices)
    contractor = django_filters.NumberFilter(field_name="contractor_id")
    six_haves = django_filters.ChoiceFilter(
        choices=SIX_HAVES_CHOICES, method="filter_six_haves", label=_("six-haves result")
    )
    search = django_filters.CharFilter(method="filter_search", label=_("name contains"))

    class Meta:
        model = Station
        fields = ["area", "within", "kind", "status", "operator", "contractor", "six_haves"]

    def filter_six_haves(self, qs, name, value):
        return filter_six_haves(qs, value)

    def filter_search(self, qs, name, value):
        return qs.filter(Q(name__icontains=value) | Q(signboard_name__icontains=value))


class InspectionFilter(django_filters.FilterSet):
    station = django_filters.NumberFilter(field_name="station_id")
    area = django_filters.CharFilter(field_name="area__code", label=_("area code"))
    within = WithinFilter()
    kind = django_filters.ChoiceFilter(field_name="station__kind", choices=Station.Kind.choices)
    status = django_filters.ChoiceFilter(
        field_name="station__status", choices=Station.Status.choices
    )
    date_from = django_filters.DateFilter(field_name="inspected_on", lookup_expr="gte")
    date_to = django_filters.DateFilter(field_name="inspected_on", lookup_expr="lte")

    class Meta:
        model = StationInspection
        fields = ["station", "area", "within", "kind", "status", "date_from", "date_to"]


class AssignmentFilter(django_filters.FilterSet):
    station = django_filters.NumberFilter(field_name="station_id")
    worker = django_filters.NumberFilter(field_name="worker_id")
    role = django_filters.ChoiceFilter(choices=StationAssignment.Role.choices)
    area = django_filters.CharFilter(field_name="area__code", label=_("area code"))
    within = WithinFilter()
    kind = django_filters.ChoiceFilter(field_name="station__kind", choices=Station.Kind.choices)
    status = django_filters.ChoiceFilter(
        field_name="station__status", choices=Station.Status.choices
    )
    active_on = django_filters.DateFilter(
        method="filter_active_on", label=_("running on this date")
    )

    class Meta:
        model = StationAssignment
        fields = ["station", "worker", "role", "area", "within", "kind", "status", "active_on"]

    def filter_active_on(self, qs, name, value):
        return qs.filter(starts_on__lte=value).filter(
            Q(ends_on__isnull=True) | Q(ends_on__gte=value)
        )


class LogEntryFilter(django_filters.FilterSet):
    station = django_filters.NumberFilter(field_name="station_id")
    worker = django_filters.NumberFilter(field_name="worker_id")
    kind = django_filters.ChoiceFilter(choices=ServiceLogEntry.Kind.choices)
    area = django_filters.CharFilter(field_name="area__code", label=_("area code"))
    within = WithinFilter()
    station_kind = django_filters.ChoiceFilter(
        field_name="station__kind", choices=Station.Kind.choices
    )
    status = django_filters.ChoiceFilter(
        field_name="station__status", choices=Station.Status.choices
    )
    community = django_filters.CharFilter(field_name="community__code", label=_("community code"))
    year = django_filters.NumberFilter(method="filter_year", label=_("year"))
    date_from = django_filters.DateFilter(field_name="served_on", lookup_expr="gte")
    date_to = django_filters.DateFilter(field_name="served_on", lookup_expr="lte")

    class Meta:
        model = ServiceLogEntry
        fields = [
            "station",
            "worker",
            "kind",
            "area",
            "within",
            "station_kind",
            "status",
            "community",
            "year",
            "date_from",
            "date_to",
        ]

    def filter_year(self, qs, name, value):
        # A range rather than served_on__year, so that the (station, served_on) index serves it.
        year = int(value)
        if not 1900 <= year <= 2100:
            return qs.none()
        return qs.filter(served_on__range=(datetime.date(year, 1, 1), datetime.date(year, 12, 31)))
