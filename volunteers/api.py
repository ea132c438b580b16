"""The volunteers API: volunteers, teams, service points, activities, service records (with
verify/unverify), the points ledger and proofs of service. Every list is scoped to the caller's
subtree, personal data is masked for roles without `stations.view_personal_data`, and every write
goes through a service. `/api/v1/proofs/verify/<serial>/` is public (no login, throttled).
"""

from decimal import Decimal

from django.conf import settings
from django.db.models import Count, Sum
from django.http import Http404, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.throttling import SimpleRateThrottle
from rest_framework.views import APIView

from orgs.models import CommunityOrg
from stations.access import scope_to_actor
from stations.api import ScopedAreaField
from stations.api_base import ScopedViewSetMixin
from stations.api_policies import ModelPermissions
from stations.models import AdminArea, Station
from stations.privacy import can_see_personal_data, mask_id_number, mask_phone
from talent.models import Worker
from volunteers import selectors, services
from volunteers.filters import (
    ActivityFilter,
    PointsEntryFilter,
    ProofFilter,
    ServicePointFilter,
    ServiceRecordFilter,
    TeamFilter,
    VolunteerFilter,
)
from volunteers.models import (
    Activity,
    IssuedProof,
    PointsEntry,
    ServicePoint,
    ServiceRecord,
    ServiceRecordCorrection,
    Skill,
    Team,
    Volunteer,
)
from volunteers.privacy import mask_name

# --- shared --------------------------------------------------------------------------------------


class ScopedPrimaryKeyField(serializers.PrimaryKeyRelatedField):
    """A related row named by pk; rows outside the caller's subtree read as unknown."""

    def __init__(self, *, area_field: str = "area", **kwargs):
        self.area_field = area_field
        super().__init__(**kwargs)

    def get_queryset(self):
        request = self.context.get("request")
        return scope_to_actor(
            super().get_queryset(), actor=getattr(request, "user", None), area_field=self.area_field
        )


def _sees_personal_data(serializer) -> bool:
    """Asked once per response: the answer is kept in the (shared) serializer context."""
    context = serializer.context
    if "sees_personal_data" not in context:
        request = context.get("request")
        context["sees_personal_data"] = can_see_personal_data(getattr(request, "user", None))
    return context["sees_personal_data"]


class ActionPermission(ModelPermissions):
    """A POST action that changes an existing row needs the change permission."""

    perms_map = {**ModelPermissions.perms_map, "POST": ["%(app_label)s.change_%(model_name)s"]}


class ServiceViewSet(ScopedViewSetMixin, viewsets.ModelViewSet):
    """Reads through the output serializer, writes through the input serializer and a service."""

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

    def respond(self, instance, code: int = status.HTTP_200_OK) -> Response:
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
        return self.respond(serializer.instance)

    def perform_destroy(self, instance):
        self.delete_service(instance)


# --- volunteers ----------------------------------------------------------------------------------


class VolunteerOutputSerializer(serializers.ModelSerializer):
    id_number = serializers.SerializerMethodField()
    phone = serializers.SerializerMethodField()
    area = serializers.CharField(source="area.code")
    area_name = serializers.CharField(source="area.name")

    class Meta:
        model = Volunteer
        fields = [
            "id",
            "name",
            "id_number",
            "phone",
            "area",
            "area_name",
            "skills",
            "national_number",
            "joined_on",
            "is_active",
            "points_balance",
        ]
        read_only_fields = fields

    def get_id_number(self, volunteer) -> str:
        full = _sees_personal_data(self)
        return volunteer.id_number if full else mask_id_number(volunteer.id_number)

    def get_phone(self, volunteer) -> str:
        return volunteer.phone if _sees_personal_data(self) else mask_phone(volunteer.phone)


class VolunteerInputSerializer(serializers.ModelSerializer):
    # Plain fields: the service normalises and validates them (one set of messages everywhere).
    id_number = serializers.CharField(max_length=30)
    area = ScopedAreaField()
    skills = serializers.ListField(
        child=serializers.ChoiceField(choices=Skill.choices), required=False
    )

    class Meta:
        model = Volunteer
        fields = [
            "name",
            "id_number",
            "phone",
            "area",
            "skills",
            "national_number",
            "joined_on",
            "is_active",
        ]
        validators = []


class VolunteerTransferSerializer(serializers.Serializer):
    area = serializers.SlugRelatedField(slug_field="code", queryset=AdminArea.objects.all())


@extend_schema(tags=["volunteers"])
class VolunteerViewSet(ServiceViewSet):
    """Community volunteers. ID numbers and phones are masked unless your role sees personal data."""

    queryset = Volunteer.objects.all()
    input_serializer_class = VolunteerInputSerializer
    output_serializer_class = VolunteerOutputSerializer
    filterset_class = VolunteerFilter

    def scoped_queryset(self):
        return selectors.volunteers_shaped()

    def save_service(self, obj):
        return services.volunteer_save(actor=self.request.user, volunteer=obj)

    def delete_service(self, obj):
        services.volunteer_delete(actor=self.request.user, volunteer=obj)

    @extend_schema(request=VolunteerTransferSerializer, responses=VolunteerOutputSerializer)
    @action(detail=True, methods=["post"], permission_classes=[ActionPermission])
    def transfer(self, request, pk=None):
        """Moves the volunteer to another community, possibly outside your reach (a hand-over)."""
        volunteer = self.get_object()
        serializer = VolunteerTransferSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        volunteer = services.volunteer_transfer(
            actor=request.user, volunteer=volunteer, area=serializer.validated_data["area"]
        )
        output = VolunteerOutputSerializer(
            selectors.volunteers_shaped().get(pk=volunteer.pk),
            context=self.get_serializer_context(),
        )
        return Response(output.data)


# --- teams ---------------------------------------------------------------------------------------


class TeamMembershipOutputSerializer(serializers.Serializer):
    volunteer = serializers.IntegerField(source="volunteer_id")
    name = serializers.CharField(source="volunteer.name")
    joined_on = serializers.DateField()


class TeamOutputSerializer(serializers.ModelSerializer):
    area = serializers.CharField(source="area.code")
    area_name = serializers.CharField(source="area.name")
    leader_name = serializers.CharField(source="leader.name", allow_null=True, default=None)
    members = TeamMembershipOutputSerializer(source="memberships", many=True)

    class Meta:
        model = Team
        fields = [
            "id",
            "name",
            "area",
            "area_name",
            "sponsor_kind",
            "sponsor_name",
            "sponsor_org",
            "sponsor_station",
            "leader",
            "leader_name",
            "founded_on",
            "is_active",
            "members",
        ]
        read_only_fields = fields


class TeamInputSerializer(serializers.ModelSerializer):
    area = ScopedAreaField()
    leader = ScopedPrimaryKeyField(
        queryset=Volunteer.objects.all(), allow_null=True, required=False
    )
    sponsor_org = ScopedPrimaryKeyField(
        queryset=CommunityOrg.objects.all(), area_field="community", allow_null=True, required=False
    )
    sponsor_station = ScopedPrimaryKeyField(
        queryset=Station.objects.all(), allow_null=True, required=False
    )

    class Meta:
        model = Team
        fields = [
            "name",
            "area",
            "sponsor_kind",
            "sponsor_name",
            "sponsor_org",
            "sponsor_station",
            "leader",
            "founded_on",
            "is_active",
        ]
        validators = []


class TeamMemberSerializer(serializers.Serializer):
    volunteer = ScopedPrimaryKeyField(queryset=Volunteer.objects.all())
    joined_on = serializers.DateField(required=False)


@extend_schema(tags=["volunteers"])
class TeamViewSet(ServiceViewSet):
    """Volunteer service organisations and teams (志愿服务组织/团队) with their members."""

    queryset = Team.objects.all()
    input_serializer_class = TeamInputSerializer
    output_serializer_class = TeamOutputSerializer
    filterset_class = TeamFilter

    def scoped_queryset(self):
        return selectors.teams_shaped()

    def save_service(self, obj):
        return services.team_save(actor=self.request.user, team=obj)

    def delete_service(self, obj):
        services.team_delete(actor=self.request.user, team=obj)

    @extend_schema(request=TeamMemberSerializer, responses=TeamOutputSerializer)
    @action(detail=True, methods=["post"], permission_classes=[ActionPermission])
    def members(self, request, pk=None):
        """Adds a volunteer (in your reach) to the team."""
        team = self.get_object()
        serializer = TeamMemberSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        services.team_member_add(
            actor=request.user,
            team=team,
            volunteer=serializer.validated_data["volunteer"],
            joined_on=serializer.validated_data.get("joined_on"),
        )
        return self.respond(team)

    @extend_schema(request=TeamMemberSerializer, responses=TeamOutputSerializer)
    @action(
        detail=True,
        methods=["post"],
        url_path="remove-member",
        permission_classes=[ActionPermission],
    )
    def remove_member(self, request, pk=None):
        """Removes a volunteer from the team."""
        team = self.get_object()
        serializer = TeamMemberSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        services.team_member_remove(
            actor=request.user, team=team, volunteer=serializer.validated_data["volunteer"]
        )
        return self.respond(team)


# --- service points ------------------------------------------------------------------------------


class ServicePointSerializer(serializers.ModelSerializer):
    area = ScopedAreaField()
    area_name = serializers.CharField(source="area.name", read_only=True)

    class Meta:
        model = ServicePoint
        fields = ["id", "name", "area", "area_name", "facility", "opened_on", "is_active"]
        validators = []


@extend_schema(tags=["volunteers"])
class ServicePointViewSet(ServiceViewSet):
    """Volunteer service points (志愿服务站点) in community service facilities."""

    queryset = ServicePoint.objects.all()
    input_serializer_class = ServicePointSerializer
    output_serializer_class = ServicePointSerializer
    filterset_class = ServicePointFilter

    def scoped_queryset(self):
        return selectors.service_points_shaped()

    def save_service(self, obj):
        return services.service_point_save(actor=self.request.user, point=obj)

    def delete_service(self, obj):
        services.service_point_delete(actor=self.request.user, point=obj)


# --- activities ----------------------------------------------------------------------------------


class ActivityOutputSerializer(serializers.ModelSerializer):
    area = serializers.CharField(source="area.code")
    area_name = serializers.CharField(source="area.name")
    verified_hours = serializers.DecimalField(max_digits=12, decimal_places=2)
    social_worker_name = serializers.CharField(
        source="social_worker.name", default=None, allow_null=True
    )

    class Meta:
        model = Activity
        fields = [
            "id",
            "title",
            "starts_at",
            "ends_at",
            "place",
            "area",
            "area_name",
            "organiser_kind",
            "organiser_team",
            "organiser_station",
            "organiser_org",
            "organiser_name",
            "social_worker",
            "social_worker_name",
            "needs",
            "planned_participants",
            "actual_participants",
            "verified_hours",
        ]
        read_only_fields = fields


class ActivityInputSerializer(serializers.ModelSerializer):
    area = ScopedAreaField()
    organiser_team = ScopedPrimaryKeyField(
        queryset=Team.objects.all(), allow_null=True, required=False
    )
    organiser_station = ScopedPrimaryKeyField(
        queryset=Station.objects.all(), allow_null=True, required=False
    )
    organiser_org = ScopedPrimaryKeyField(
        queryset=CommunityOrg.objects.all(), area_field="community", allow_null=True, required=False
    )
    social_worker = ScopedPrimaryKeyField(
        queryset=Worker.objects.all(), allow_null=True, required=False
    )

    class Meta:
        model = Activity
        fields = [
            "title",
            "starts_at",
            "ends_at",
            "place",
            "area",
            "organiser_kind",
            "organiser_team",
            "organiser_station",
            "organiser_org",
            "organiser_name",
            "social_worker",
            "needs",
            "planned_participants",
            "actual_participants",
        ]
        validators = []


@extend_schema(tags=["volunteers"])
class ActivityViewSet(ServiceViewSet):
    """Volunteer service activities, with the verified hours served at each."""

    queryset = Activity.objects.all()
    input_serializer_class = ActivityInputSerializer
    output_serializer_class = ActivityOutputSerializer
    filterset_class = ActivityFilter

    def scoped_queryset(self):
        return selectors.activities_shaped()

    def save_service(self, obj):
        return services.activity_save(actor=self.request.user, activity=obj)

    def delete_service(self, obj):
        services.activity_delete(actor=self.request.user, activity=obj)


# --- service records -----------------------------------------------------------------------------


class ServiceRecordOutputSerializer(serializers.ModelSerializer):
    volunteer_name = serializers.CharField(source="volunteer.name")
    activity_title = serializers.CharField(source="activity.title")
    area = serializers.CharField(source="area.code")
    recorded_by = serializers.CharField(source="recorded_by.username", default=None)
    verified_by = serializers.CharField(source="verified_by.username", default=None)

    class Meta:
        model = ServiceRecord
        fields = [
            "id",
            "volunteer",
            "volunteer_name",
            "activity",
            "activity_title",
            "activity_starts_at",
            "area",
            "hours",
            "is_verified",
            "recorded_by",
            "recorded_at",
            "verified_by",
            "verified_at",
        ]
        read_only_fields = fields


class ServiceRecordCreateSerializer(serializers.ModelSerializer):
    volunteer = ScopedPrimaryKeyField(queryset=Volunteer.objects.all())
    activity = ScopedPrimaryKeyField(queryset=Activity.objects.all())
    verify = serializers.BooleanField(default=False, write_only=True)

    class Meta:
        model = ServiceRecord
        fields = ["volunteer", "activity", "hours", "verify"]
        validators = []


class ServiceRecordCorrectSerializer(serializers.Serializer):
    hours = serializers.DecimalField(max_digits=4, decimal_places=2)
    reason = serializers.CharField(max_length=500)


class RecordReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class ServiceRecordCorrectionSerializer(serializers.ModelSerializer):
    changed_by = serializers.CharField(source="changed_by.username", default=None)

    class Meta:
        model = ServiceRecordCorrection
        fields = ["id", "kind", "old_hours", "new_hours", "reason", "changed_by", "changed_at"]
        read_only_fields = fields


@extend_schema(tags=["volunteers"])
class ServiceRecordViewSet(ServiceViewSet):
    """Service hours. PATCH `{hours, reason}` corrects (history kept); only verified hours count."""

    queryset = ServiceRecord.objects.all()
    area_field = "area"
    page_by_ids = True
    output_serializer_class = ServiceRecordOutputSerializer
    filterset_class = ServiceRecordFilter
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_serializer_class(self):
        if self.action == "create":
            return ServiceRecordCreateSerializer
        if self.action == "partial_update":
            return ServiceRecordCorrectSerializer
        return ServiceRecordOutputSerializer

    def scoped_queryset(self):
        return selectors.records_shaped()

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        verify = data.pop("verify", False)
        serializer.instance = services.record_create(
            actor=self.request.user, record=ServiceRecord(**data), verify=verify
        )

    def update(self, request, *args, **kwargs):
        record = self.get_object()
        serializer = ServiceRecordCorrectSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        record = services.record_correct_hours(
            actor=request.user, record=record, **serializer.validated_data
        )
        return self.respond(record)

    def delete_service(self, obj):
        services.record_delete(actor=self.request.user, record=obj)

    @extend_schema(request=RecordReasonSerializer, responses=ServiceRecordOutputSerializer)
    @action(detail=True, methods=["post"], permission_classes=[ActionPermission])
    def verify(self, request, pk=None):
        """Verifies the record: the hours count and earn points."""
        serializer = RecordReasonSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        record = services.record_verify(
            actor=request.user, record=self.get_object(), **serializer.validated_data
        )
        return self.respond(record)

    @extend_schema(request=RecordReasonSerializer, responses=ServiceRecordOutputSerializer)
    @action(detail=True, methods=["post"], permission_classes=[ActionPermission])
    def unverify(self, request, pk=None):
        """Withdraws the verification (a reason is required); the points are reversed."""
        serializer = RecordReasonSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        record = services.record_unverify(
            actor=request.user, record=self.get_object(), **serializer.validated_data
        )
        return self.respond(record)

    @extend_schema(responses=ServiceRecordCorrectionSerializer(many=True))
    @action(detail=True, methods=["get"])
    def corrections(self, request, pk=None):
        """The record's history: every change of hours and every (un)verification."""
        record = self.get_object()
        rows = record.corrections.select_related("changed_by").order_by("changed_at", "pk")
        return Response(ServiceRecordCorrectionSerializer(rows, many=True).data)


# --- points --------------------------------------------------------------------------------------


class PointsEntrySerializer(serializers.ModelSerializer):
    volunteer_name = serializers.CharField(source="volunteer.name")
    activity = serializers.CharField(
        source="service_record.activity.title", default=None, allow_null=True
    )

    class Meta:
        model = PointsEntry
        fields = [
            "id",
            "volunteer",
            "volunteer_name",
            "kind",
            "amount",
            "balance_after",
            "service_record",
            "activity",
            "reason",
            "reference",
            "created_at",
        ]
        read_only_fields = fields


class PointsSpendSerializer(serializers.Serializer):
    volunteer = ScopedPrimaryKeyField(queryset=Volunteer.objects.all())
    points = serializers.IntegerField(min_value=1)
    reason = serializers.CharField(max_length=200)
    reference = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")


class PointsBalanceSerializer(serializers.ModelSerializer):
    class Meta:
        model = Volunteer
        fields = ["id", "name", "points_balance"]
        read_only_fields = fields


@extend_schema(tags=["volunteers"])
class PointsViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """The community points ledger (社区公益积分). POST spends points; entries are never changed."""

    queryset = PointsEntry.objects.all()
    area_field = "volunteer__area"
    serializer_class = PointsEntrySerializer
    filterset_class = PointsEntryFilter
    lookup_value_regex = r"\d+"

    def scoped_queryset(self):
        return selectors.points_entries_shaped()

    def get_serializer_class(self):
        if self.action == "create":
            return PointsSpendSerializer
        return PointsEntrySerializer

    @extend_schema(request=PointsSpendSerializer, responses={201: PointsEntrySerializer})
    def create(self, request, *args, **kwargs):
        """Spends points of a volunteer in your reach; refused (nothing written) past the balance."""
        serializer = PointsSpendSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        entry = services.points_spend(actor=request.user, **serializer.validated_data)
        fresh = self.get_queryset().get(pk=entry.pk)
        return Response(PointsEntrySerializer(fresh).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses=PointsBalanceSerializer(many=True))
    @action(detail=False, methods=["get"])
    def balances(self, request):
        """Each volunteer in your reach with the points balance (`?volunteer=<id>` for one)."""
        volunteers = scope_to_actor(
            Volunteer.objects.only("id", "name", "points_balance"), actor=request.user
        ).order_by("name", "pk")
        volunteer = request.query_params.get("volunteer")
        if volunteer:
            if not volunteer.isdigit():
                raise serializers.ValidationError({"volunteer": [_("Give a volunteer id.")]})
            volunteers = volunteers.filter(pk=int(volunteer))
        page = self.paginate_queryset(volunteers)
        return self.get_paginated_response(PointsBalanceSerializer(page, many=True).data)


# --- proofs --------------------------------------------------------------------------------------


class ProofOutputSerializer(serializers.ModelSerializer):
    volunteer_name = serializers.CharField(source="volunteer.name")
    area = serializers.CharField(source="area.code")
    issued_by = serializers.CharField(source="issued_by.username", default=None)

    class Meta:
        model = IssuedProof
        fields = [
            "id",
            "serial",
            "volunteer",
            "volunteer_name",
            "period_start",
            "period_end",
            "total_hours",
            "activity_count",
            "issuer_name",
            "area",
            "team",
            "station",
            "organisation",
            "issued_by",
            "issued_at",
            "content_hash",
        ]
        read_only_fields = fields


class ProofIssueSerializer(serializers.Serializer):
    """Name one issuer: the team, station or community organisation that ran the activities."""

    volunteer = ScopedPrimaryKeyField(queryset=Volunteer.objects.all())
    period_start = serializers.DateField()
    period_end = serializers.DateField()
    team = ScopedPrimaryKeyField(queryset=Team.objects.all(), allow_null=True, required=False)
    station = ScopedPrimaryKeyField(queryset=Station.objects.all(), allow_null=True, required=False)
    organisation = ScopedPrimaryKeyField(
        queryset=CommunityOrg.objects.all(),
        area_field="community",
        allow_null=True,
        required=False,
    )


@extend_schema(tags=["volunteers"])
class ProofViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Issued proofs of volunteer service (志愿服务记录证明). POST issues one; `pdf` downloads it."""

    queryset = IssuedProof.objects.all()
    serializer_class = ProofOutputSerializer
    filterset_class = ProofFilter
    lookup_value_regex = r"\d+"

    def scoped_queryset(self):
        return selectors.proofs_shaped()

    def get_serializer_class(self):
        if self.action == "create":
            return ProofIssueSerializer
        return ProofOutputSerializer

    @extend_schema(request=ProofIssueSerializer, responses={201: ProofOutputSerializer})
    def create(self, request, *args, **kwargs):
        serializer = ProofIssueSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        proof = services.proof_issue(actor=request.user, **serializer.validated_data)
        fresh = self.get_queryset().get(pk=proof.pk)
        return Response(ProofOutputSerializer(fresh).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={(200, "application/pdf"): bytes})
    @action(detail=True, methods=["get"])
    def pdf(self, request, pk=None):
        """The PDF exactly as issued."""
        proof = self.get_object()
        data = bytes(IssuedProof.objects.values_list("pdf", flat=True).get(pk=proof.pk))
        response = HttpResponse(data, content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="proof-{proof.serial}.pdf"'
        return response


class ProofVerifyThrottle(SimpleRateThrottle):
    """Per client address, logged in or not: serial numbers must not be guessable by trying."""

    scope = "proof_verify"

    def get_rate(self):
        return getattr(settings, "VOLUNTEER_VERIFY_THROTTLE_RATE", "30/minute")

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


def proof_is_current(proof: IssuedProof) -> bool:
    """Whether the hours the proof counted are still verified as printed. One query.

    Recounts the volunteer's verified hours in the period among the issuer's activities (those
    the team, station or organisation ran; for an older proof naming no issuer, those in its
    area); a withdrawn verification or a corrected figure since issue makes the proof outdated.
    """
    records = selectors.verified_records(
        volunteer=proof.volunteer, start=proof.period_start, end=proof.period_end
    )
    if proof.team_id is not None:
        records = records.filter(activity__organiser_team_id=proof.team_id)
    elif proof.station_id is not None:
        records = records.filter(activity__organiser_station_id=proof.station_id)
    elif proof.organisation_id is not None:
        records = records.filter(activity__organiser_org_id=proof.organisation_id)
    else:
        records = records.filter(area__path__startswith=proof.area.path)
    now = records.aggregate(hours=Sum("hours"), activities=Count("pk"))
    return (now["hours"] or Decimal(0), now["activities"]) == (
        proof.total_hours,
        proof.activity_count,
    )


def proof_public_facts(proof: IssuedProof) -> dict:
    """What anyone holding the serial may learn: no ID number, the name partly masked.

    `is_current` is false once the hours it counted are no longer verified as printed.
    """
    return {
        "serial": proof.serial,
        "volunteer": mask_name(proof.volunteer.name),
        "period_start": proof.period_start.isoformat(),
        "period_end": proof.period_end.isoformat(),
        "total_hours": f"{proof.total_hours:.2f}",
        "activity_count": proof.activity_count,
        "issuer": proof.issuer_name,
        "issued_on": timezone.localtime(proof.issued_at).date().isoformat(),
        "is_current": proof_is_current(proof),
    }


def proof_by_serial(serial: str) -> IssuedProof:
    proof = (
        IssuedProof.objects.select_related("volunteer", "area")
        .defer("pdf")
        .filter(serial=(serial or "").strip().upper())
        .first()
    )
    if proof is None:
        raise Http404
    return proof


class ProofVerifyView(APIView):
    """Public: checks a proof's serial number and answers what the proof says (masked)."""

    authentication_classes = []
    permission_classes = [permissions.AllowAny]
    throttle_classes = [ProofVerifyThrottle]

    @extend_schema(
        tags=["volunteers"],
        responses=inline_serializer(
            "ProofVerification",
            {
                "serial": serializers.CharField(),
                "volunteer": serializers.CharField(),
                "period_start": serializers.DateField(),
                "period_end": serializers.DateField(),
                "total_hours": serializers.CharField(),
                "activity_count": serializers.IntegerField(),
                "issuer": serializers.CharField(),
                "issued_on": serializers.DateField(),
                "is_current": serializers.BooleanField(),
            },
        ),
    )
    def get(self, request, serial: str):
        return Response(proof_public_facts(proof_by_serial(serial)))
