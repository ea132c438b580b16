import django_filters

from projects.models import AnnualPlan, Contract, Report
from stations.filters import WithinFilter


class PlanFilter(django_filters.FilterSet):
    year = django_filters.NumberFilter()
    within = WithinFilter()

    class Meta:
        model = AnnualPlan
        fields = ["year", "within"]


class ContractFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=Contract.Status.choices)
    contractor = django_filters.NumberFilter(field_name="contractor_id")
    within = WithinFilter()

    class Meta:
        model = Contract
        fields = ["status", "contractor", "within"]


class ReportFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=Report.Status.choices)
    contract = django_filters.NumberFilter(field_name="contract_id")
    period = django_filters.DateFilter()
    due_before = django_filters.DateFilter(field_name="due_date", lookup_expr="lte")
    within = WithinFilter(area_field="contract__area")

    class Meta:
        model = Report
        fields = ["status", "contract", "period", "due_before", "within"]
