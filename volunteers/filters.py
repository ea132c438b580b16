from django.utils.translation import gettext_lazy as _

import django_filters

from stations.filters import WithinFilter
from volunteers.models import (
    Activity,
    IssuedProof,
    OrganiserKind,
    PointsEntry,
    ServicePoint,
    ServiceRecord,
    Skill,
    SponsorKind,
    Team,
    Volunteer,
)


class VolunteerFilter(django_filters.FilterSet):
    area = django_filters.CharFilter(field_name="area__code", label=_("community code"))
    within = WithinFilter()
    skill = django_filters.ChoiceFilter(
        choices=Skill.choices, method="filter_skill", label=_("has this skill")
    )
    active = django_filters.BooleanFilter(field_name="is_active", label=_("active"))
    search = django_filters.CharFilter(
        field_name="name", lookup_expr="icontains", label=_("name contains")
    )

    class Meta:
        model = Volunteer
        fields = ["area", "within", "skill", "active", "search"]

    def filter_skill(self, qs, name, value):
        # Skills are stored as a JSON list of codes; the quoted code matches one element exactly.
        return qs.filter(skills__icontains=f'"{value}"')


class TeamFilter(django_filters.FilterSet):
    area = django_filters.CharFilter(field_name="area__code", label=_("community code"))
    within = WithinFilter()
    sponsor_kind = django_filters.ChoiceFilter(choices=SponsorKind.choices)
    active = django_filters.BooleanFilter(field_name="is_active", label=_("active"))

    class Meta:
        model = Team
        fields = ["area", "within", "sponsor_kind", "active"]


class ServicePointFilter(django_filters.FilterSet):
    area = django_filters.CharFilter(field_name="area__code", label=_("community code"))
    within = WithinFilter()
    active = django_filters.BooleanFilter(field_name="is_active", label=_("active"))

    class Meta:
        model = ServicePoint
        fields = ["area", "within", "active"]


class ActivityFilter(django_filters.FilterSet):
    area = django_filters.CharFilter(field_name="area__code", label=_("area code"))
    within = WithinFilter()
    organiser_kind = django_filters.ChoiceFilter(choices=OrganiserKind.choices)
    team = django_filters.NumberFilter(field_name="organiser_team_id", label=_("organising team"))
    held_from = django_filters.DateFilter(
        field_name="starts_at", lookup_expr="date__gte", label=_("held on or after")
    )
    held_to = django_filters.DateFilter(
        field_name="starts_at", lookup_expr="date__lte", label=_("held on or before")
    )

    class Meta:
        model = Activity
        fields = ["area", "within", "organiser_kind", "team", "held_from", "held_to"]


class ServiceRecordFilter(django_filters.FilterSet):
    volunteer = django_filters.NumberFilter(field_name="volunteer_id")
    activity = django_filters.NumberFilter(field_name="activity_id")
    verified = django_filters.BooleanFilter(field_name="is_verified", label=_("verified"))
    within = WithinFilter(area_field="area")
    held_from = django_filters.DateFilter(
        field_name="activity_starts_at", lookup_expr="date__gte", label=_("held on or after")
    )
    held_to = django_filters.DateFilter(
        field_name="activity_starts_at", lookup_expr="date__lte", label=_("held on or before")
    )

    class Meta:
        model = ServiceRecord
        fields = ["volunteer", "activity", "verified", "within", "held_from", "held_to"]


class PointsEntryFilter(django_filters.FilterSet):
    volunteer = django_filters.NumberFilter(field_name="volunteer_id")
    kind = django_filters.ChoiceFilter(choices=PointsEntry.Kind.choices)
    within = WithinFilter(area_field="volunteer__area")

    class Meta:
        model = PointsEntry
        fields = ["volunteer", "kind", "within"]


class ProofFilter(django_filters.FilterSet):
    volunteer = django_filters.NumberFilter(field_name="volunteer_id")
    within = WithinFilter()

    class Meta:
        model = IssuedProof
        fields = ["volunteer", "within"]
