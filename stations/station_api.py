"""The service-network API: stations, six-haves inspections (with evidence files), station staff
and the service ledger. Every list is scoped to the caller's subtree, out-of-scope rows are 404,
and every write goes through a service in `stations.station_services`.
"""

import datetime

from django.http import FileResponse, Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import parsers, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from projects.models import Contractor
from stations import rules
from stations import station_services as services
from stations.access import scope_to_actor
from stations.api import ScopedAreaField
from stations.api_base import ChoiceLabelField, ScopedViewSetMixin
from stations.api_policies import ModelPermissions
from stations.models import (
    InspectionEvidence,
    ServiceLogEntry,
    Station,
    StationAssignment,
    StationInspection,
)
from stations.station_filters import (
    AssignmentFilter,
    InspectionFilter,
    LogEntryFilter,
    StationFilter,
)
from stations.station_selectors import (
    inspection_result,
    six_haves_result,
    with_latest_inspection,
)
from talent.models import WORKER_REACH, Worker

Item = StationInspection.Item

# --- shared pieces -------------------------------------------------------------------------------


class ScopedPrimaryKeyField(serializers.PrimaryKeyRelatedField):
    """A related row named by pk; rows outside the caller's subtree read as unknown."""

    def __init__(self, *, area_field: str | tuple[str, ...] = "area", **kwargs):
        self.area_field = area_field
        super().__init__(**kwargs)

    def get_queryset(self):
        request = self.context.get("request")
        return scope_to_actor(
            super().get_queryset(), actor=getattr(request, "user", None), area_field=self.area_field
        )


class ContractorField(serializers.PrimaryKeyRelatedField):
    """A contractor by pk; those the caller may not name (see contractors_within_reach) are unknown."""

    def get_queryset(self):
        request = self.context.get("request")
        return services.contractors_within_reach(actor=getattr(request, "user", None))


class ChangePermission(ModelPermissions):
    """For POST actions that change an existing row (not create one)."""

    perms_map = {**ModelPermissions.perms_map, "POST": ["%(app_label)s.change_%(model_name)s"]}


def query_date(request, name: str, default: datetime.date) -> datetime.date:
    """`?<name>=YYYY-MM-DD`, or `default`; a bad value is a 400 naming the parameter."""
    value = request.query_params.get(name)
    if not value:
        return default
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise serializers.ValidationError({name: [_("Give the date as YYYY-MM-DD.")]}) from None


def query_year(request, default: int) -> int:
    """`?year=YYYY`, or `default`; a bad value is a 400 naming the parameter."""
    value = request.query_params.get("year")
    if not value:
        return default
    if not value.isdigit() or not 2000 <= int(value) <= 2100:
        raise serializers.ValidationError({"year": [_("Give the year as ?year=YYYY.")]})
    return int(value)


class ServiceViewSet(ScopedViewSetMixin, viewsets.ModelViewSet):
    """Reads through the output serializer, writes through the input serializer and a service;
    answers a write with the output representation of the saved row."""

    input_serializer_class: type[serializers.Serializer]
    output_serializer_class: type[serializers.Serializer]
    lookup_value_regex = r"\d+"

    def get_serializer_class(self):
        if self.action in ("create", "update", "partial_update"):
            return self.input_serializer_class
        return self.output_serializer_class

    def save_service(self, obj):
        raise NotImplementedError

    def delete_service(self, obj):
        raise NotImplementedError

    def respond(self, instance, code: int) -> Response:
        fresh = self.get_queryset().get(pk=instance.pk)
        output = self.output_serializer_class(fresh, context=self.get_serializer_context())
        return Response(output.data, status=code)

    def perform_create(self, serializer):
        obj = serializer.Meta.model(**serializer.validated_data)
        serializer.instance = self.save_service(obj)

    def perform_update(self, serializer):
        obj = serializer.instance
        for name, value in serializer.validated_data.items():
            setattr(obj, name, value)
        serializer.instance = self.save_service(obj)

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        self.perform_create(serializer)
        return self.respond(serializer.instance, status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        serializer = self.get_serializer(
            self.get_object(), data=request.data, partial=kwargs.pop("partial", False)
        )
        serializer.is_valid(raise_exception=True)
        self.perform_update(serializer)
        return self.respond(serializer.instance, status.HTTP_200_OK)

    def perform_destroy(self, instance):
        self.delete_service(instance)


# --- stations ------------------------------------------------------------------------------------


class SixHavesSerializer(serializers.Serializer):
    inspection = serializers.IntegerField(source="inspection_id", allow_null=True)
    inspected_on = serializers.DateField(allow_null=True)
    meets_standard = serializers.BooleanField(allow_null=True)
    failing_items = serializers.ListField(child=serializers.ChoiceField(choices=Item.choices))


class RuleSourceSerializer(serializers.Serializer):
    area = serializers.CharField(allow_null=True)
    area_name = serializers.CharField(allow_null=True)
    label = serializers.CharField()


class FailureSerializer(serializers.Serializer):
    code = serializers.ChoiceField(
        choices=["too_few_staff", "over_age", "below_education", "too_few_qualified"]
    )
    message = serializers.CharField()
    people = serializers.ListField(child=serializers.CharField())


class StaffingSerializer(serializers.Serializer):
    on = serializers.DateField()
    applies = serializers.BooleanField(help_text="Only township stations pass or fail the rule.")
    passed = serializers.BooleanField()
    rule = RuleSourceSerializer()
    resident_staff = serializers.IntegerField()
    qualified = serializers.IntegerField()
    failures = FailureSerializer(many=True)


def _decimal(**kwargs):
    return serializers.DecimalField(
        max_digits=12, decimal_places=2, coerce_to_string=False, **kwargs
    )


class LedgerSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    period_start = serializers.DateField()
    period_end = serializers.DateField(allow_null=True)
    applies = serializers.BooleanField()
    passed = serializers.BooleanField()
    rule = RuleSourceSerializer()
    entries = serializers.IntegerField()
    community_hours = _decimal()
    resident_weeks = _decimal()
    hours_per_resident_week = _decimal(allow_null=True)
    min_hours_per_resident_week = _decimal()
    community_hours_met = serializers.BooleanField()
    cases = serializers.IntegerField()
    min_cases = serializers.IntegerField()
    cases_met = serializers.BooleanField()
    supervision_hours = _decimal()
    min_supervision_hours = _decimal()
    supervision_met = serializers.BooleanField()


class StationOutputSerializer(serializers.ModelSerializer):
    area = serializers.CharField(source="area.code")
    area_name = serializers.CharField(source="area.name")
    kind_label = ChoiceLabelField(source="kind")
    status_label = ChoiceLabelField(source="status")
    contractor_name = serializers.CharField(source="contractor.name", allow_null=True, default=None)
    six_haves = serializers.SerializerMethodField()
    staffing = serializers.SerializerMethodField()
    ledger = serializers.SerializerMethodField()

    class Meta:
        model = Station
        fields = [
            "id",
            "kind",
            "kind_label",
            "area",
            "area_name",
            "name",
            "signboard_name",
            "address",
            "longitude",
            "latitude",
            "host_facility",
            "phone",
            "opened_on",
            "status",
            "status_label",
            "status_since",
            "operator",
            "contractor",
            "contractor_name",
            "six_haves",
            "staffing",
            "ledger",
        ]
        read_only_fields = fields

    @extend_schema_field(SixHavesSerializer)
    def get_six_haves(self, station) -> dict:
        return SixHavesSerializer(six_haves_result(station)).data

    def _results(self, station) -> tuple:
        """The rule results the view computed for the whole page; else for this station alone."""
        computed = self.context.get("rule_results")
        if computed is None or station.pk not in computed[0]:
            options = self.context.get("rule_options", {})
            computed = rules.rule_results([station], **options)
            self.context["rule_results"] = computed
        return computed[0][station.pk], computed[1][station.pk]

    @extend_schema_field(StaffingSerializer)
    def get_staffing(self, station) -> dict:
        return StaffingSerializer(self._results(station)[0].as_dict()).data

    @extend_schema_field(LedgerSerializer)
    def get_ledger(self, station) -> dict:
        return LedgerSerializer(self._results(station)[1].as_dict()).data


class StationInputSerializer(serializers.ModelSerializer):
    area = ScopedAreaField()
    kind = serializers.ChoiceField(choices=Station.Kind.choices, required=False)
    status_since = serializers.DateField(required=False)
    contractor = ContractorField(queryset=Contractor.objects.all(), allow_null=True, required=False)

    class Meta:
        model = Station
        fields = [
            "kind",
            "area",
            "name",
            "address",
            "longitude",
            "latitude",
            "host_facility",
            "phone",
            "opened_on",
            "status",
            "status_since",
            "operator",
            "contractor",
        ]
        # The service checks "one per area" with a message naming the area and the other body.
        validators = []

    def get_fields(self):
        fields = super().get_fields()
        if self.instance is not None:
            # Fixed once recorded; the status changes through POST …/status/ with its date.
            for name in ("kind", "area", "status", "status_since"):
                fields[name].read_only = True
        return fields


class StatusHistorySerializer(serializers.Serializer):
    from_status = serializers.CharField()
    to_status = serializers.CharField()
    changed_on = serializers.DateField()
    note = serializers.CharField()


class WorkerHoursSerializer(serializers.Serializer):
    worker = serializers.IntegerField()
    name = serializers.CharField()
    days_on_post = serializers.IntegerField()
    resident_weeks = _decimal()
    community_hours = _decimal()
    hours_per_week = _decimal(allow_null=True)
    min_hours_per_week = _decimal()
    met = serializers.BooleanField()


class StationDetailSerializer(StationOutputSerializer):
    """A station with its status history and, for the ledger's year, each resident worker's
    hours in communities per week on post; the staffing check and ledger figures are added by
    the viewset (they are computed for the given date and year)."""

    status_history = StatusHistorySerializer(source="status_changes", many=True)
    resident_hours = serializers.SerializerMethodField()

    class Meta(StationOutputSerializer.Meta):
        fields = [*StationOutputSerializer.Meta.fields, "status_history", "resident_hours"]
        read_only_fields = fields

    @extend_schema_field(WorkerHoursSerializer(many=True))
    def get_resident_hours(self, station) -> list[dict]:
        options = self.context.get("rule_options", {})
        on = options.get("on") or timezone.localdate()
        figures = rules.worker_hours([station], year=options.get("year") or on.year, as_of=on)
        return WorkerHoursSerializer(
            [figure.as_dict() for figure in figures[station.pk]], many=True
        ).data


class StatusChangeSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Station.Status.choices)
    on = serializers.DateField()
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


@extend_schema(tags=["stations"])
class StationViewSet(ServiceViewSet):
    """Service bodies of the four levels. The detail adds the status history, the staffing check
    on `?on=` (default today) and the ledger figures of `?year=` (default this year)."""

    queryset = Station.objects.all()
    input_serializer_class = StationInputSerializer
    output_serializer_class = StationOutputSerializer
    filterset_class = StationFilter

    def scoped_queryset(self):
        qs = with_latest_inspection(Station.objects.select_related("area", "contractor"))
        if self.action == "retrieve":
            qs = qs.prefetch_related("status_changes")
        return qs

    def get_serializer_class(self):
        if self.action == "retrieve":
            return StationDetailSerializer
        return super().get_serializer_class()

    def save_service(self, obj):
        return services.station_save(actor=self.request.user, station=obj)

    def delete_service(self, obj):
        services.station_delete(actor=self.request.user, station=obj)

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if getattr(self, "request", None) is not None and self.action not in (
            "create",
            "update",
            "partial_update",
        ):
            today = timezone.localdate()
            on = query_date(self.request, "on", today)
            context["rule_options"] = {"on": on, "year": query_year(self.request, on.year)}
        return context

    @extend_schema(
        parameters=[
            OpenApiParameter("on", OpenApiTypes.DATE, description="Staffing check date"),
            OpenApiParameter("year", OpenApiTypes.INT, description="Year of the ledger figures"),
        ]
    )
    def list(self, request, *args, **kwargs):
        """Stations with their six-haves, staffing and ledger results (a fixed number of queries
        per page, whatever its size)."""
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        stations = list(page if page is not None else queryset)
        context = self.get_serializer_context()
        context["rule_results"] = rules.rule_results(stations, **context["rule_options"])
        data = StationOutputSerializer(stations, many=True, context=context).data
        if page is not None:
            return self.get_paginated_response(data)
        return Response(data)

    @extend_schema(
        parameters=[
            OpenApiParameter("on", OpenApiTypes.DATE, description="Staffing check date"),
            OpenApiParameter("year", OpenApiTypes.INT, description="Year of the ledger figures"),
        ]
    )
    def retrieve(self, request, *args, **kwargs):
        return super().retrieve(request, *args, **kwargs)

    @extend_schema(request=StatusChangeSerializer, responses=StationOutputSerializer)
    @action(detail=True, methods=["post"], permission_classes=[ChangePermission])
    def status(self, request, pk=None):
        """Moves the station to another status on a date; the change joins its history."""
        station = self.get_object()
        change = StatusChangeSerializer(data=request.data)
        change.is_valid(raise_exception=True)
        services.station_change_status(
            actor=request.user,
            station=station,
            status=change.validated_data["status"],
            on=change.validated_data["on"],
            note=change.validated_data["note"],
        )
        return self.respond(station, status.HTTP_200_OK)


# --- six-haves inspections -----------------------------------------------------------------------


class EvidenceOutputSerializer(serializers.ModelSerializer):
    download = serializers.SerializerMethodField()

    class Meta:
        model = InspectionEvidence
        fields = [
            "id",
            "item",
            "original_name",
            "content_type",
            "size",
            "description",
            "uploaded_at",
            "download",
        ]
        read_only_fields = fields

    def get_download(self, evidence) -> str:
        return f"/api/v1/station-inspections/{evidence.inspection_id}/evidence/{evidence.pk}/"


class InspectionItemSerializer(serializers.Serializer):
    item = serializers.ChoiceField(choices=Item.choices)
    label = serializers.CharField()
    passed = serializers.BooleanField()
    note = serializers.CharField()


ITEM_FIELDS = [name for item in Item.values for name in (f"{item}_passed", f"{item}_note")]


class InspectionOutputSerializer(serializers.ModelSerializer):
    station_name = serializers.CharField(source="station.__str__")
    area = serializers.CharField(source="area.code")
    items = serializers.SerializerMethodField()
    meets_standard = serializers.BooleanField()
    failing_items = serializers.SerializerMethodField()
    evidence = EvidenceOutputSerializer(many=True)

    class Meta:
        model = StationInspection
        fields = [
            "id",
            "station",
            "station_name",
            "area",
            "inspected_on",
            "inspector",
            "meets_standard",
            "failing_items",
            "items",
            "note",
            "evidence",
        ]
        read_only_fields = fields

    @extend_schema_field(InspectionItemSerializer(many=True))
    def get_items(self, inspection) -> list[dict]:
        return [
            {
                "item": item.value,
                "label": str(item.label),
                "passed": getattr(inspection, f"{item.value}_passed"),
                "note": getattr(inspection, f"{item.value}_note"),
            }
            for item in Item
        ]

    def get_failing_items(self, inspection) -> list[str]:
        return list(inspection_result(inspection).failing_items)


class InspectionInputSerializer(serializers.ModelSerializer):
    station = ScopedPrimaryKeyField(queryset=Station.objects.all())

    class Meta:
        model = StationInspection
        fields = ["station", "inspected_on", "inspector", *ITEM_FIELDS, "note"]
        validators = []


class EvidenceInputSerializer(serializers.Serializer):
    file = serializers.FileField()
    item = serializers.ChoiceField(choices=Item.choices, required=False, allow_blank=True)
    description = serializers.CharField(max_length=200, required=False, allow_blank=True)


@extend_schema(tags=["stations"])
class InspectionViewSet(ServiceViewSet):
    """Six-haves inspections; a station meets the standard by its latest one. Evidence files are
    uploaded to …/evidence/ (multipart) and downloaded from …/evidence/{id}/."""

    queryset = StationInspection.objects.all()
    input_serializer_class = InspectionInputSerializer
    output_serializer_class = InspectionOutputSerializer
    filterset_class = InspectionFilter

    def scoped_queryset(self):
        return StationInspection.objects.select_related("station", "area").prefetch_related(
            "evidence"
        )

    def save_service(self, obj):
        return services.inspection_save(actor=self.request.user, inspection=obj)

    def delete_service(self, obj):
        services.inspection_delete(actor=self.request.user, inspection=obj)

    @extend_schema(request=EvidenceInputSerializer, responses={201: EvidenceOutputSerializer})
    @action(
        detail=True,
        methods=["post"],
        url_path="evidence",
        parser_classes=[parsers.MultiPartParser],
        permission_classes=[ChangePermission],
    )
    def add_evidence(self, request, pk=None):
        """Adds a JPEG, PNG, WebP or PDF file of at most 10 MB to the inspection."""
        inspection = self.get_object()
        upload = EvidenceInputSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        evidence = services.evidence_add(
            actor=request.user,
            evidence=InspectionEvidence(
                inspection=inspection,
                file=upload.validated_data["file"],
                item=upload.validated_data.get("item", ""),
                description=upload.validated_data.get("description", ""),
            ),
        )
        return Response(EvidenceOutputSerializer(evidence).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        parameters=[OpenApiParameter("evidence_id", OpenApiTypes.INT, OpenApiParameter.PATH)],
        responses={(200, "application/octet-stream"): OpenApiTypes.BINARY},
    )
    @action(
        detail=True,
        methods=["get", "delete"],
        url_path=r"evidence/(?P<evidence_id>\d+)",
        permission_classes=[ChangePermission],
    )
    def evidence_file(self, request, pk=None, evidence_id=None):
        """Downloads an evidence file (always as an attachment), or deletes it."""
        inspection = self.get_object()
        evidence = inspection.evidence.filter(pk=evidence_id).first()
        if evidence is None:
            raise Http404
        if request.method == "DELETE":
            services.evidence_delete(actor=request.user, evidence=evidence)
            return Response(status=status.HTTP_204_NO_CONTENT)
        try:
            handle = evidence.file.open("rb")
        except FileNotFoundError:
            raise Http404 from None
        # The type was detected from the file's bytes on upload; an attachment with `nosniff` and
        # a sandboxing CSP is never rendered as a page, whatever the file holds.
        response = FileResponse(
            handle,
            as_attachment=True,
            filename=evidence.original_name or "evidence",
            content_type=evidence.content_type or "application/octet-stream",
        )
        response["X-Content-Type-Options"] = "nosniff"
        response["Content-Security-Policy"] = "default-src 'none'; sandbox"
        return response


# --- station staff -------------------------------------------------------------------------------


class AssignmentOutputSerializer(serializers.ModelSerializer):
    station_name = serializers.CharField(source="station.__str__")
    area = serializers.CharField(source="area.code")
    worker_name = serializers.CharField(source="worker.name")
    role_label = ChoiceLabelField(source="role")

    class Meta:
        model = StationAssignment
        fields = [
            "id",
            "station",
            "station_name",
            "area",
            "worker",
            "worker_name",
            "role",
            "role_label",
            "starts_on",
            "ends_on",
            "note",
        ]
        read_only_fields = fields


class AssignmentInputSerializer(serializers.ModelSerializer):
    station = ScopedPrimaryKeyField(queryset=Station.objects.all())
    worker = ScopedPrimaryKeyField(queryset=Worker.objects.all(), area_field=WORKER_REACH)

    class Meta:
        model = StationAssignment
        fields = ["station", "worker", "role", "starts_on", "ends_on", "note"]
        validators = []


@extend_schema(tags=["stations"])
class AssignmentViewSet(ServiceViewSet):
    """Workers on the staff of stations: station heads, resident social workers, supervisors.
    A worker is resident staff at one station at a time."""

    queryset = StationAssignment.objects.all()
    input_serializer_class = AssignmentInputSerializer
    output_serializer_class = AssignmentOutputSerializer
    filterset_class = AssignmentFilter

    def scoped_queryset(self):
        return StationAssignment.objects.select_related("station", "area", "worker")

    def save_service(self, obj):
        return services.assignment_save(actor=self.request.user, assignment=obj)

    def delete_service(self, obj):
        services.assignment_delete(actor=self.request.user, assignment=obj)


# --- the service ledger --------------------------------------------------------------------------


class LogEntryOutputSerializer(serializers.ModelSerializer):
    station_name = serializers.CharField(source="station.__str__")
    area = serializers.CharField(source="area.code")
    worker_name = serializers.CharField(source="worker.name")
    community = serializers.CharField(source="community.code", allow_null=True, default=None)
    community_name = serializers.CharField(source="community.name", allow_null=True, default=None)
    hours = serializers.DecimalField(max_digits=3, decimal_places=1, coerce_to_string=False)

    class Meta:
        model = ServiceLogEntry
        fields = [
            "id",
            "station",
            "station_name",
            "area",
            "worker",
            "worker_name",
            "served_on",
            "kind",
            "community",
            "community_name",
            "hours",
            "case_reference",
            "people_served",
            "volunteers",
            "note",
            "version",
        ]
        read_only_fields = fields


class LogEntryInputSerializer(serializers.ModelSerializer):
    station = ScopedPrimaryKeyField(queryset=Station.objects.all())
    worker = ScopedPrimaryKeyField(queryset=Worker.objects.all(), area_field=WORKER_REACH)
    community = ScopedAreaField(allow_null=True, required=False)
    people_served = serializers.JSONField(
        required=False,
        help_text='Counts by vulnerable group, e.g. {"lone_elderly": 3, "disabled": 1}.',
    )
    version = serializers.IntegerField(
        required=False,
        min_value=0,
        help_text="On a correction, the version you read; a stale one is refused (400). "
        "Ignored on a new entry.",
    )

    class Meta:
        model = ServiceLogEntry
        fields = [
            "station",
            "worker",
            "served_on",
            "kind",
            "community",
            "hours",
            "case_reference",
            "people_served",
            "volunteers",
            "note",
            "version",
        ]
        validators = []


@extend_schema(tags=["stations"])
class LogEntryViewSet(ServiceViewSet):
    """The service ledger (服务台账): hours of work by station staff, by kind, community and the
    vulnerable groups served. The yearly figures are on the station (`/stations/{id}/?year=`).

    A correction (PUT/PATCH) that carries the `version` last read is refused with a 400 on
    `version` when someone else changed the entry since; without it the last save wins."""

    queryset = ServiceLogEntry.objects.all()
    input_serializer_class = LogEntryInputSerializer
    output_serializer_class = LogEntryOutputSerializer
    filterset_class = LogEntryFilter

    def scoped_queryset(self):
        return ServiceLogEntry.objects.select_related("station", "area", "worker", "community")

    def perform_create(self, serializer):
        serializer.validated_data.pop("version", None)
        super().perform_create(serializer)

    def perform_update(self, serializer):
        expected_version = serializer.validated_data.pop("version", None)
        entry = serializer.instance
        for name, value in serializer.validated_data.items():
            setattr(entry, name, value)
        serializer.instance = services.log_entry_save(
            actor=self.request.user, entry=entry, expected_version=expected_version
        )

    def save_service(self, obj):
        return services.log_entry_save(actor=self.request.user, entry=obj)

    def delete_service(self, obj):
        services.log_entry_delete(actor=self.request.user, entry=obj)
