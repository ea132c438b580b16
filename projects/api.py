"""The purchased-services API: contractors, plans, contracts and the contractors' reports."""

from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import exceptions, mixins, permissions, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from projects import access, exports, selectors, services, workflow
from projects.access import scope_to_contractor
from projects.filters import ContractFilter, PlanFilter, ReportFilter
from projects.models import AnnualPlan, Contract, Contractor, PaymentInstalment, Report
from stations.access import scope_to_actor
from stations.api import ScopedAreaField
from stations.api_base import ScopedViewSetMixin
from stations.exports import XLSX_CONTENT_TYPE
from stations.models import AdminArea, Station

# --- Stations served by contracts ---------------------------------------------------------------


class ContractStationSerializer(serializers.ModelSerializer):
    """A station served by contracts the caller reaches, with those contracts' numbers."""

    area = serializers.CharField(source="area.code")
    area_name = serializers.CharField(source="area.name")
    contracts = serializers.SerializerMethodField()

    class Meta:
        model = Station
        fields = [
            "id",
            "name",
            "signboard_name",
            "kind",
            "area",
            "area_name",
            "address",
            "phone",
            "status",
            "opened_on",
            "contracts",
        ]
        read_only_fields = fields

    def get_contracts(self, station) -> list[str]:
        return [contract.number for contract in station.reachable_contracts]


# --- Contractors ------------------------------------------------------------------------------


class ContractorSerializer(serializers.ModelSerializer):
    area = ScopedAreaField()

    class Meta:
        model = Contractor
        fields = [
            "id",
            "name",
            "kind",
            "credit_code",
            "area",
            "contact_person",
            "contact_phone",
            "address",
        ]


@extend_schema(tags=["projects"])
class ContractorViewSet(ScopedViewSetMixin, viewsets.ModelViewSet):
    """Contractor organisations (承接主体); contractor accounts see only their own."""

    queryset = Contractor.objects.all()
    serializer_class = ContractorSerializer

    def scoped_queryset(self):
        return scope_to_contractor(
            self.queryset.select_related("area"), actor=self.request.user, contractor_field=""
        )

    def perform_create(self, serializer):
        serializer.instance = services.contractor_save(
            actor=self.request.user, contractor=Contractor(**serializer.validated_data)
        )

    def perform_update(self, serializer):
        contractor = serializer.instance
        for name, value in serializer.validated_data.items():
            setattr(contractor, name, value)
        serializer.instance = services.contractor_save(
            actor=self.request.user, contractor=contractor
        )


# --- Annual plans -----------------------------------------------------------------------------


class PlanSerializer(serializers.ModelSerializer):
    area = ScopedAreaField()
    due_date = serializers.DateField(read_only=True)
    days_late = serializers.SerializerMethodField()

    class Meta:
        model = AnnualPlan
        fields = [
            "id",
            "area",
            "year",
            "goals",
            "budget",
            "procurement_method",
            "content_and_schedule",
            "standards",
            "evaluation_plan",
            "submitted_on",
            "due_date",
            "days_late",
        ]

    def get_days_late(self, plan) -> int:
        return plan.days_late(timezone.localdate())


@extend_schema(tags=["projects"])
class PlanViewSet(ScopedViewSetMixin, viewsets.ModelViewSet):
    """County annual implementation plans (年度实施计划), due to the city by 31 March."""

    queryset = AnnualPlan.objects.all()
    serializer_class = PlanSerializer
    filterset_class = PlanFilter

    def scoped_queryset(self):
        return self.queryset.select_related("area")

    def perform_create(self, serializer):
        serializer.instance = services.plan_save(
            actor=self.request.user, plan=AnnualPlan(**serializer.validated_data)
        )

    def perform_update(self, serializer):
        plan = serializer.instance
        for name, value in serializer.validated_data.items():
            setattr(plan, name, value)
        serializer.instance = services.plan_save(actor=self.request.user, plan=plan)

    def perform_destroy(self, instance):
        services.plan_delete(actor=self.request.user, plan=instance)

    @extend_schema(responses={(200, XLSX_CONTENT_TYPE): bytes, (200, "application/pdf"): bytes})
    @action(detail=True, methods=["get"], url_path="county-report")
    def county_report(self, request, pk=None):
        """The county's report to the city (due 30 November): `?as=xlsx` (default) or `?as=pdf` (`format` is DRF's renderer choice)."""
        plan = self.get_object()
        kind = request.query_params.get("as", "xlsx")
        if kind not in ("xlsx", "pdf"):
            raise serializers.ValidationError({"as": [_("Choose xlsx or pdf.")]})
        return exports.county_report_response(actor=request.user, plan=plan, kind=kind)


# --- Contracts --------------------------------------------------------------------------------


class InstalmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = PaymentInstalment
        fields = ["due_date", "amount", "note"]


class StaffOnPostSerializer(serializers.Serializer):
    deadline = serializers.DateField(help_text=_("One month after signing."))
    staffed_on = serializers.DateField(allow_null=True)
    on_post = serializers.BooleanField()
    days_late = serializers.IntegerField()


class ContractListSerializer(serializers.ListSerializer):
    """Computes the staff-on-post flags of the whole page at once (a fixed number of queries)."""

    def to_representation(self, data):
        contracts = list(data.all() if hasattr(data, "all") else data)
        self.child.staff_flags = selectors.staff_on_post_flags(contracts=contracts)
        return super().to_representation(contracts)


class ContractOutputSerializer(serializers.ModelSerializer):
    area = serializers.CharField(source="area.code")
    contractor = serializers.IntegerField(source="contractor_id")
    contractor_name = serializers.CharField(source="contractor.name")
    townships = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    instalments = InstalmentSerializer(many=True, read_only=True)
    stations = serializers.SerializerMethodField()
    staff_on_post = serializers.SerializerMethodField(
        help_text=_(
            "Whether the stations had their resident staff within a month of signing, with the "
            "days late; null before signing or without stations."
        )
    )

    class Meta:
        model = Contract
        list_serializer_class = ContractListSerializer
        fields = [
            "id",
            "number",
            "title",
            "area",
            "townships",
            "stations",
            "contractor",
            "contractor_name",
            "plan",
            "start_date",
            "end_date",
            "signed_on",
            "activated_on",
            "terminated_on",
            "completed_on",
            "status",
            "status_reason",
            "content",
            "quantities",
            "quality_standards",
            "price",
            "settlement_method",
            "instalments",
            "staff_on_post",
        ]
        read_only_fields = fields

    def get_stations(self, contract) -> list[int]:
        from projects import rules

        return rules.prefetched_station_ids(contract)

    @extend_schema_field(StaffOnPostSerializer(allow_null=True))
    def get_staff_on_post(self, contract) -> dict | None:
        flags = getattr(self, "staff_flags", None)
        if flags is None:
            flags = selectors.staff_on_post_flags(contracts=[contract])
        flag = flags.get(contract.pk)
        return StaffOnPostSerializer(flag).data if flag is not None else None


class ContractInputSerializer(serializers.ModelSerializer):
    area = ScopedAreaField()
    townships = ScopedAreaField(many=True, required=False)
    stations = serializers.ListField(child=serializers.IntegerField(), required=False)
    instalments = InstalmentSerializer(many=True, required=False)

    class Meta:
        model = Contract
        fields = [
            "number",
            "title",
            "area",
            "townships",
            "stations",
            "contractor",
            "plan",
            "start_date",
            "end_date",
            "content",
            "quantities",
            "quality_standards",
            "price",
            "settlement_method",
            "instalments",
        ]
        extra_kwargs = {"end_date": {"required": False}}

    def get_fields(self):
        fields = super().get_fields()
        request = self.context.get("request")
        actor = getattr(request, "user", None)
        fields["contractor"].queryset = scope_to_contractor(
            Contractor.objects.all(), actor=actor, contractor_field=""
        )
        fields["plan"].queryset = scope_to_actor(AnnualPlan.objects.all(), actor=actor)
        return fields

    def to_representation(self, instance):
        return ContractOutputSerializer(instance, context=self.context).data


class CompletenessQuerySerializer(serializers.Serializer):
    county = serializers.CharField(required=False, help_text=_("The county's area code."))
    year = serializers.IntegerField(required=False, min_value=2000, max_value=2100)


class CompletenessRowSerializer(serializers.Serializer):
    contractor = serializers.IntegerField(source="contract__contractor_id")
    contractor_name = serializers.CharField(source="contract__contractor__name")
    county = serializers.CharField(source="contract__area__code")
    county_name = serializers.CharField(source="contract__area__name")
    period = serializers.DateField()
    due = serializers.IntegerField()
    submitted = serializers.IntegerField()
    on_time = serializers.IntegerField()
    late = serializers.IntegerField()
    missing = serializers.IntegerField()
    completeness = serializers.FloatField(help_text=_("Submitted, in per cent of those due."))
    timeliness = serializers.FloatField(help_text=_("On time, in per cent of those due."))


class TransitionSerializer(serializers.Serializer):
    to_status = serializers.ChoiceField(choices=Contract.Status.choices)
    effective_on = serializers.DateField()
    reason = serializers.CharField(required=False, allow_blank=True, default="")


@extend_schema(tags=["projects"])
class ContractViewSet(ScopedViewSetMixin, viewsets.ModelViewSet):
    """Purchased-service contracts; contractor accounts see only their own."""

    queryset = Contract.objects.all()
    filterset_class = ContractFilter

    def scoped_queryset(self):
        from projects import rules

        queryset = self.queryset.select_related("area", "contractor").prefetch_related(
            "townships", "instalments", *rules.station_prefetch()
        )
        return scope_to_contractor(queryset, actor=self.request.user)

    def get_serializer_class(self):
        if self.action in ("create", "update", "partial_update"):
            return ContractInputSerializer
        return ContractOutputSerializer

    def _save(self, serializer, contract):
        data = dict(serializer.validated_data)
        townships = data.pop("townships", None)
        station_ids = data.pop("stations", None)
        instalments = data.pop("instalments", None)
        for name, value in data.items():
            setattr(contract, name, value)
        saved = services.contract_save(
            actor=self.request.user,
            contract=contract,
            townships=townships,
            station_ids=station_ids,
            instalments=instalments,
        )
        serializer.instance = saved

    def perform_create(self, serializer):
        self._save(serializer, Contract())

    def perform_update(self, serializer):
        self._save(serializer, serializer.instance)

    @extend_schema(
        parameters=[CompletenessQuerySerializer],
        responses=CompletenessRowSerializer(many=True),
    )
    @action(
        detail=False,
        methods=["get"],
        permission_classes=[permissions.IsAuthenticated],
        pagination_class=None,
    )
    def completeness(self, request):
        """Monthly-briefing completeness and timeliness per contractor, county and month."""
        query = CompletenessQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        county = query.validated_data.get("county")
        if (
            county
            and not scope_to_actor(
                AdminArea.objects.filter(code=county), actor=request.user, area_field=None
            ).exists()
        ):
            raise serializers.ValidationError({"county": [_("No such area within your reach.")]})
        rows = selectors.report_completeness(
            actor=request.user, county_code=county, year=query.validated_data.get("year")
        )
        return Response(CompletenessRowSerializer(rows, many=True).data)

    @extend_schema(responses=ContractStationSerializer(many=True))
    @action(detail=True, methods=["get"], url_path="stations", filterset_class=None)
    def stations(self, request, pk=None):
        """The stations this contract serves while in force (signed or active), read-only.

        A contractor account reaches its own contracts' stations this way and no other station.
        Cost: the contract, then two queries a page.
        """
        contract = self.get_object()
        queryset = selectors.contract_station_list(actor=request.user).filter(contracts=contract)
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(ContractStationSerializer(page, many=True).data)

    @extend_schema(responses=ContractStationSerializer)
    @action(
        detail=True,
        methods=["get"],
        url_path=r"stations/(?P<station_pk>[0-9]+)",
        url_name="station",
        filterset_class=None,
    )
    def station(self, request, pk=None, station_pk=None):
        """One station this contract serves while in force; any other station is 404."""
        contract = self.get_object()
        station = get_object_or_404(
            selectors.contract_station_list(actor=request.user).filter(contracts=contract),
            pk=station_pk,
        )
        return Response(ContractStationSerializer(station).data)

    @extend_schema(request=TransitionSerializer, responses=ContractOutputSerializer)
    @action(detail=True, methods=["post"], permission_classes=[permissions.IsAuthenticated])
    def transition(self, request, pk=None):
        """Moves the contract to another status (signed, active, terminated, completed)."""
        contract = self.get_object()
        if not request.user.has_perm("projects.change_contract"):
            raise exceptions.PermissionDenied()
        serializer = TransitionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        contract = services.contract_transition(
            actor=request.user, contract=contract, **serializer.validated_data
        )
        return Response(ContractOutputSerializer(self.get_queryset().get(pk=contract.pk)).data)


# --- Reports ----------------------------------------------------------------------------------


class ReportSerializer(serializers.ModelSerializer):
    contract_number = serializers.CharField(source="contract.number", read_only=True)
    contractor = serializers.CharField(source="contract.contractor.name", read_only=True)
    days_late = serializers.SerializerMethodField()

    class Meta:
        model = Report
        fields = [
            "id",
            "contract",
            "contract_number",
            "contractor",
            "kind",
            "period",
            "due_date",
            "status",
            "version",
            "first_submitted_on",
            "submitted_at",
            "approved_at",
            "return_reason",
            "days_late",
            *workflow.CONTENT_FIELDS,
        ]
        read_only_fields = [
            "id",
            "contract",
            "contract_number",
            "contractor",
            "kind",
            "period",
            "due_date",
            "status",
            "first_submitted_on",
            "submitted_at",
            "approved_at",
            "return_reason",
            "days_late",
        ]
        extra_kwargs = {"version": {"required": False}}

    def get_days_late(self, report) -> int:
        return report.days_late(timezone.localdate())


class ReportActionSerializer(serializers.Serializer):
    version = serializers.IntegerField(
        required=False, help_text=_("The version you saw; a stale one is refused.")
    )
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class ReportViewSet(
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Reports of one kind; contractors fill them in and submit them, reviewers approve or return.

    Writes carry the `version` last read: a stale one answers 400 and changes nothing.
    """

    queryset = Report.objects.all()
    serializer_class = ReportSerializer
    filterset_class = ReportFilter
    kind: str = Report.Kind.MONTHLY

    @property
    def area_field(self) -> str:
        # A township's reviewer is scoped by the landing township, everyone else by the county.
        request = getattr(self, "request", None)
        return access.report_area_field(getattr(request, "user", None))

    def scoped_queryset(self):
        return access.scope_reports(
            self.queryset.filter(kind=self.kind).select_related(
                "contract__area", "contract__contractor"
            ),
            actor=self.request.user,
        )

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        version = data.pop("version", None)
        serializer.instance = workflow.report_update_content(
            actor=self.request.user,
            report_id=serializer.instance.pk,
            data=data,
            expected_version=version,
        )

    def _transition(self, request, action_name: str):
        report = self.get_object()
        serializer = ReportActionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        report = workflow.report_transition(
            actor=request.user,
            report_id=report.pk,
            action=action_name,
            expected_version=serializer.validated_data.get("version"),
            reason=serializer.validated_data["reason"],
        )
        return Response(ReportSerializer(self.get_queryset().get(pk=report.pk)).data)

    @extend_schema(request=ReportActionSerializer, responses=ReportSerializer)
    @action(detail=True, methods=["post"], permission_classes=[permissions.IsAuthenticated])
    def submit(self, request, pk=None):
        """The contractor submits (or resubmits) the report."""
        return self._transition(request, workflow.Action.SUBMIT)

    @extend_schema(request=ReportActionSerializer, responses=ReportSerializer)
    @action(
        detail=True,
        methods=["post"],
        url_path="return",
        url_name="return",
        permission_classes=[permissions.IsAuthenticated],
    )
    def return_report(self, request, pk=None):
        """A reviewer returns the report; `reason` is required."""
        return self._transition(request, workflow.Action.RETURN)

    @extend_schema(request=ReportActionSerializer, responses=ReportSerializer)
    @action(detail=True, methods=["post"], permission_classes=[permissions.IsAuthenticated])
    def approve(self, request, pk=None):
        """A reviewer approves the report, which locks it."""
        return self._transition(request, workflow.Action.APPROVE)


@extend_schema(tags=["reports from contractors"])
class MonthlyReportViewSet(ReportViewSet):
    kind = Report.Kind.MONTHLY


@extend_schema(tags=["reports from contractors"])
class MidTermReportViewSet(ReportViewSet):
    kind = Report.Kind.MID_TERM


@extend_schema(tags=["reports from contractors"])
class FinalReportViewSet(ReportViewSet):
    kind = Report.Kind.FINAL
