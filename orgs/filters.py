from django.db.models import Q
from django.utils.translation import gettext_lazy as _

import django_filters

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
from stations.filters import WithinFilter


class OrgFilter(django_filters.FilterSet):
    area = django_filters.CharFilter(field_name="community__code", label=_("community code"))
    within = WithinFilter(area_field="community")
    type = django_filters.ChoiceFilter(field_name="org_type", choices=CommunityOrg.Type.choices)
    standing = django_filters.ChoiceFilter(choices=CommunityOrg.Standing.choices)
    status = django_filters.ChoiceFilter(choices=CommunityOrg.Status.choices)
    party_organisation = django_filters.ChoiceFilter(choices=CommunityOrg.PartyOrganisation.choices)
    brand = django_filters.BooleanFilter(
        field_name="brand_year", lookup_expr="isnull", exclude=True, label=_("brand organisation")
    )
    served_group = django_filters.CharFilter(
        field_name="served_groups__code", label=_("serves the group with this code")
    )
    federation = django_filters.NumberFilter(field_name="federation_id")
    incubator = django_filters.NumberFilter(field_name="incubator_id")
    search = django_filters.CharFilter(method="filter_search", label=_("name or credit code"))

    class Meta:
        model = CommunityOrg
        fields = [
            "area",
            "within",
            "type",
            "standing",
            "status",
            "party_organisation",
            "brand",
            "served_group",
            "federation",
            "incubator",
            "search",
        ]

    def filter_search(self, qs, name, value):
        return qs.filter(Q(name__icontains=value) | Q(credit_code__startswith=value.upper()))


class FederationFilter(django_filters.FilterSet):
    area = django_filters.CharFilter(field_name="township__code", label=_("township code"))
    within = WithinFilter(area_field="township")

    class Meta:
        model = Federation
        fields = ["area", "within"]


class IncubatorFilter(django_filters.FilterSet):
    area = django_filters.CharFilter(field_name="area__code", label=_("area code"))
    within = WithinFilter()

    class Meta:
        model = IncubationCentre
        fields = ["area", "within"]


class ObservationPointFilter(django_filters.FilterSet):
    area = django_filters.CharFilter(field_name="area__code", label=_("area code"))
    within = WithinFilter()
    designated_year = django_filters.NumberFilter()

    class Meta:
        model = ObservationPoint
        fields = ["area", "within", "designated_year"]


class ContestFilter(django_filters.FilterSet):
    area = django_filters.CharFilter(field_name="area__code", label=_("area code"))
    within = WithinFilter()
    year = django_filters.NumberFilter()

    class Meta:
        model = Contest
        fields = ["area", "within", "year"]


class ApplicationFilter(django_filters.FilterSet):
    contest = django_filters.NumberFilter(field_name="contest_id")
    organisation = django_filters.NumberFilter(field_name="organisation_id")
    status = django_filters.ChoiceFilter(choices=ContestApplication.Status.choices)
    within = WithinFilter(area_field="organisation__community")

    class Meta:
        model = ContestApplication
        fields = ["contest", "organisation", "status", "within"]


class OrgChildFilter(django_filters.FilterSet):
    """Filters of the records that hang off an organisation (projects, reports, evaluations)."""

    organisation = django_filters.NumberFilter(field_name="organisation_id")
    area = django_filters.CharFilter(
        field_name="organisation__community__code", label=_("community code")
    )
    within = WithinFilter(area_field="organisation__community")


class BrandProjectFilter(OrgChildFilter):
    year = django_filters.NumberFilter()

    class Meta:
        model = BrandProject
        fields = ["organisation", "area", "within", "year"]


class ActivityReportFilter(OrgChildFilter):
    status = django_filters.ChoiceFilter(choices=ActivityReport.Status.choices)
    kind = django_filters.ChoiceFilter(choices=ActivityReport.Kind.choices)
    held_after = django_filters.DateFilter(field_name="held_on", lookup_expr="gte")
    held_before = django_filters.DateFilter(field_name="held_on", lookup_expr="lte")

    class Meta:
        model = ActivityReport
        fields = ["organisation", "area", "within", "status", "kind", "held_after", "held_before"]


class EvaluationFilter(OrgChildFilter):
    year = django_filters.NumberFilter()

    class Meta:
        model = Evaluation
        fields = ["organisation", "area", "within", "year"]
