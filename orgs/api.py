"""The organisations API: organisations, platforms, contests, brand projects, reports, evaluations.

Every viewset is scoped (an organisation's area is its community); writes go through orgs.services
and answer with the output representation. Phones are masked unless the caller may see them.
"""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.validators import UniqueValidator

from orgs import selectors, services
from orgs.exports import org_export_headers, org_export_rows
from orgs.filters import (
    ActivityReportFilter,
    ApplicationFilter,
    BrandProjectFilter,
    ContestFilter,
    EvaluationFilter,
    FederationFilter,
    IncubatorFilter,
    ObservationPointFilter,
    OrgFilter,
)
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
    ServedGroup,
)
from stations.access import scope_to_actor
from stations.api import ScopedAreaField
from stations.api_base import ChoiceLabelField, ScopedViewSetMixin
from stations.api_policies import ModelPermissions
from stations.exports import XLSX_CONTENT_TYPE, xlsx_response
from stations.privacy import shown_phone


class ScopedRelatedField(serializers.PrimaryKeyRelatedField):
    """A related row named by id; rows outside the caller's subtree read as unknown ids."""

    def __init__(self, *, area_field: str, **kwargs):
        self.area_field = area_field
        super().__init__(**kwargs)

    def get_queryset(self):
        request = self.context.get("request")
        return scope_to_actor(
            super().get_queryset(),
            actor=getattr(request, "user", None),
            area_field=self.area_field,
        )


class ChangePermission(ModelPermissions):
    """For workflow actions (POST on an existing row): the change permission, not add."""

    perms_map = {**ModelPermissions.perms_map, "POST": ["%(app_label)s.change_%(model_name)s"]}


class ServiceViewSetMixin(ScopedViewSetMixin):
    """Input serializer for writes, output serializer for reads and for the write's answer."""

    input_serializer_class: type[serializers.Serializer]
    output_serializer_class: type[serializers.Serializer]

    def get_serializer_class(self):
        if self.action in ("create", "update", "partial_update"):
            return self.input_serializer_class
        return self.output_serializer_class

    def output(self, instance) -> dict:
        # Re-read through the list queryset, so that annotations and joins are there.
        fresh = self.get_queryset().get(pk=instance.pk)
        return self.output_serializer_class(fresh, context=self.get_serializer_context()).data

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        self.perform_create(serializer)
        return Response(self.output(serializer.instance), status=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        partial = kwargs.pop("partial", False)
        serializer = self.get_serializer(self.get_object(), data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        self.perform_update(serializer)
        return Response(self.output(serializer.instance))


class ServiceInputSerializer(serializers.ModelSerializer):
    """Parses input only: uniqueness is checked by the service, with the model's own messages
    on the field they concern (DRF's generated unique validators would word them differently)."""

    def get_validators(self):
        return []

    def get_fields(self):
        fields = super().get_fields()
        for field in fields.values():
            field.validators = [
                validator
                for validator in field.validators
                if not isinstance(validator, UniqueValidator)
            ]
        return fields


def _apply(instance, data: dict):
    for name, value in data.items():
        setattr(instance, name, value)
    return instance


# Organisations ---------------------------------------------------------------------------------


class OrgOutputSerializer(serializers.ModelSerializer):
    type = serializers.CharField(source="org_type")
    type_label = ChoiceLabelField(source="org_type")
    community = serializers.CharField(source="community.code")
    community_name = serializers.CharField(source="community.name")
    township = serializers.CharField(source="community.parent_id")
    served_groups = serializers.SlugRelatedField(many=True, read_only=True, slug_field="code")
    contact_phone = serializers.SerializerMethodField()
    filing_body = serializers.CharField(source="filing_body.code", allow_null=True, default=None)
    is_brand = serializers.BooleanField()
    incubator_name = serializers.CharField(source="incubator.name", allow_null=True, default=None)
    federation_name = serializers.CharField(source="federation.name", allow_null=True, default=None)

    class Meta:
        model = CommunityOrg
        fields = [
            "id",
            "name",
            "type",
            "type_label",
            "community",
            "community_name",
            "township",
            "served_groups",
            "founded_on",
            "leader",
            "contact_phone",
            "member_count",
            "standing",
            "credit_code",
            "registration_authority",
            "registered_on",
            "filing_body",
            "filed_on",
            "status",
            "party_organisation",
            "brand_year",
            "is_brand",
            "incubator",
            "incubator_name",
            "federation",
            "federation_name",
            "updated_at",
        ]
        read_only_fields = fields

    def get_contact_phone(self, org) -> str:
        return shown_phone(org.contact_phone, actor=self.context["request"].user)


class OrgInputSerializer(ServiceInputSerializer):
    type = serializers.ChoiceField(source="org_type", choices=CommunityOrg.Type.choices)
    community = ScopedAreaField()
    served_groups = serializers.SlugRelatedField(
        many=True, slug_field="code", queryset=ServedGroup.objects.all(), required=False
    )
    filing_body = ScopedAreaField(allow_null=True, required=False)
    incubator = ScopedRelatedField(
        area_field="area", queryset=IncubationCentre.objects.all(), allow_null=True, required=False
    )
    federation = ScopedRelatedField(
        area_field="township", queryset=Federation.objects.all(), allow_null=True, required=False
    )

    class Meta:
        model = CommunityOrg
        fields = [
            "name",
            "type",
            "community",
            "served_groups",
            "founded_on",
            "leader",
            "contact_phone",
            "member_count",
            "standing",
            "credit_code",
            "registration_authority",
            "registered_on",
            "filing_body",
            "filed_on",
            "status",
            "party_organisation",
            "brand_year",
            "incubator",
            "federation",
        ]


@extend_schema(tags=["organisations"])
class OrgViewSet(ServiceViewSetMixin, viewsets.ModelViewSet):
    """Community social organisations; `?within=<code>` narrows to an area's subtree."""

    queryset = CommunityOrg.objects.all()
    area_field = "community"
    ordered_by_area_code = True
    filterset_class = OrgFilter
    input_serializer_class = OrgInputSerializer
    output_serializer_class = OrgOutputSerializer

    def scoped_queryset(self):
        return selectors.org_queryset()

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        groups = data.pop("served_groups", None)
        serializer.instance = services.org_save(
            actor=self.request.user, org=CommunityOrg(**data), served_groups=groups
        )

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        groups = data.pop("served_groups", None)
        serializer.instance = services.org_save(
            actor=self.request.user, org=_apply(serializer.instance, data), served_groups=groups
        )

    def perform_destroy(self, instance):
        services.org_delete(actor=self.request.user, org=instance)

    @extend_schema(responses={(200, XLSX_CONTENT_TYPE): bytes})
    @action(detail=False, methods=["get"])
    def export(self, request):
        """The filtered list as an Excel file (phones masked unless you may see them)."""
        orgs = self.filter_queryset(self.get_queryset())
        filename = _("community-organisations-%(date)s") % {"date": timezone.localdate()}
        return xlsx_response(
            str(filename), org_export_headers(), org_export_rows(orgs, actor=request.user)
        )


# Support platforms -----------------------------------------------------------------------------


class FederationOutputSerializer(serializers.ModelSerializer):
    township = serializers.CharField(source="township.code")
    township_name = serializers.CharField(source="township.name")
    member_total = serializers.IntegerField()
    active_member_total = serializers.IntegerField()

    class Meta:
        model = Federation
        fields = [
            "id",
            "name",
            "township",
            "township_name",
            "founded_on",
            "credit_code",
            "member_total",
            "active_member_total",
        ]
        read_only_fields = fields


class FederationInputSerializer(ServiceInputSerializer):
    township = ScopedAreaField()

    class Meta:
        model = Federation
        fields = ["name", "township", "founded_on", "credit_code"]


@extend_schema(tags=["organisations"])
class FederationViewSet(ServiceViewSetMixin, viewsets.ModelViewSet):
    """Township federations of community social organisations; members: /orgs/?federation=<id>."""

    queryset = Federation.objects.all()
    area_field = "township"
    filterset_class = FederationFilter
    input_serializer_class = FederationInputSerializer
    output_serializer_class = FederationOutputSerializer

    def scoped_queryset(self):
        return selectors.federation_queryset()

    def perform_create(self, serializer):
        serializer.instance = services.federation_save(
            actor=self.request.user, federation=Federation(**serializer.validated_data)
        )

    def perform_update(self, serializer):
        serializer.instance = services.federation_save(
            actor=self.request.user,
            federation=_apply(serializer.instance, serializer.validated_data),
        )

    def perform_destroy(self, instance):
        services.federation_delete(actor=self.request.user, federation=instance)


class IncubatorOutputSerializer(serializers.ModelSerializer):
    area = serializers.CharField(source="area.code")
    area_name = serializers.CharField(source="area.name")
    incubated_total = serializers.IntegerField()

    class Meta:
        model = IncubationCentre
        fields = [
            "id",
            "name",
            "area",
            "area_name",
            "operator",
            "opened_on",
            "address",
            "incubated_total",
        ]
        read_only_fields = fields


class IncubatorInputSerializer(ServiceInputSerializer):
    area = ScopedAreaField()

    class Meta:
        model = IncubationCentre
        fields = ["name", "area", "operator", "opened_on", "address"]


@extend_schema(tags=["organisations"])
class IncubatorViewSet(ServiceViewSetMixin, viewsets.ModelViewSet):
    """Incubation and development centres of counties and townships."""

    queryset = IncubationCentre.objects.all()
    filterset_class = IncubatorFilter
    input_serializer_class = IncubatorInputSerializer
    output_serializer_class = IncubatorOutputSerializer

    def scoped_queryset(self):
        return selectors.incubator_queryset()

    def perform_create(self, serializer):
        serializer.instance = services.incubator_save(
            actor=self.request.user, incubator=IncubationCentre(**serializer.validated_data)
        )

    def perform_update(self, serializer):
        serializer.instance = services.incubator_save(
            actor=self.request.user,
            incubator=_apply(serializer.instance, serializer.validated_data),
        )

    def perform_destroy(self, instance):
        services.incubator_delete(actor=self.request.user, incubator=instance)


class ObservationPointOutputSerializer(serializers.ModelSerializer):
    area = serializers.CharField(source="area.code")
    area_name = serializers.CharField(source="area.name")

    class Meta:
        model = ObservationPoint
        fields = ["id", "area", "area_name", "designated_year", "focus"]
        read_only_fields = fields


class ObservationPointInputSerializer(ServiceInputSerializer):
    area = ScopedAreaField()

    class Meta:
        model = ObservationPoint
        fields = ["area", "designated_year", "focus"]


@extend_schema(tags=["organisations"])
class ObservationPointViewSet(ServiceViewSetMixin, viewsets.ModelViewSet):
    """Cultivation observation points (townships or communities)."""

    queryset = ObservationPoint.objects.all()
    filterset_class = ObservationPointFilter
    input_serializer_class = ObservationPointInputSerializer
    output_serializer_class = ObservationPointOutputSerializer

    def scoped_queryset(self):
        return selectors.observation_point_queryset()

    def perform_create(self, serializer):
        serializer.instance = services.observation_point_save(
            actor=self.request.user, point=ObservationPoint(**serializer.validated_data)
        )

    def perform_update(self, serializer):
        serializer.instance = services.observation_point_save(
            actor=self.request.user, point=_apply(serializer.instance, serializer.validated_data)
        )

    def perform_destroy(self, instance):
        services.observation_point_delete(actor=self.request.user, point=instance)


# Contests --------------------------------------------------------------------------------------


class ContestOutputSerializer(serializers.ModelSerializer):
    area = serializers.CharField(source="area.code")
    area_name = serializers.CharField(source="area.name")
    application_total = serializers.IntegerField()
    funded_total = serializers.DecimalField(max_digits=14, decimal_places=2)
    remaining = serializers.SerializerMethodField()

    class Meta:
        model = Contest
        fields = [
            "id",
            "name",
            "area",
            "area_name",
            "year",
            "budget",
            "application_total",
            "funded_total",
            "remaining",
        ]
        read_only_fields = fields

    def get_remaining(self, contest) -> str:
        return f"{contest.budget - contest.funded_total:.2f}"


class ContestInputSerializer(ServiceInputSerializer):
    area = ScopedAreaField()

    class Meta:
        model = Contest
        fields = ["name", "area", "year", "budget"]


@extend_schema(tags=["contests"])
class ContestViewSet(ServiceViewSetMixin, viewsets.ModelViewSet):
    """Venture-philanthropy contests (公益创投) per area and year, with budget and funded total."""

    queryset = Contest.objects.all()
    filterset_class = ContestFilter
    input_serializer_class = ContestInputSerializer
    output_serializer_class = ContestOutputSerializer

    def scoped_queryset(self):
        return selectors.contest_queryset()

    def perform_create(self, serializer):
        serializer.instance = services.contest_save(
            actor=self.request.user, contest=Contest(**serializer.validated_data)
        )

    def perform_update(self, serializer):
        serializer.instance = services.contest_save(
            actor=self.request.user, contest=_apply(serializer.instance, serializer.validated_data)
        )

    def perform_destroy(self, instance):
        services.contest_delete(actor=self.request.user, contest=instance)


class ApplicationOutputSerializer(serializers.ModelSerializer):
    contest_name = serializers.CharField(source="contest.name")
    organisation_name = serializers.CharField(source="organisation.name")
    community = serializers.CharField(source="organisation.community.code")
    decided_by = serializers.CharField(source="decided_by.username", allow_null=True, default=None)

    class Meta:
        model = ContestApplication
        fields = [
            "id",
            "contest",
            "contest_name",
            "organisation",
            "organisation_name",
            "community",
            "project_name",
            "requested_amount",
            "score",
            "status",
            "funded_amount",
            "decided_by",
            "decided_at",
        ]
        read_only_fields = fields


class ApplicationInputSerializer(ServiceInputSerializer):
    contest = ScopedRelatedField(area_field="area", queryset=Contest.objects.all())
    organisation = ScopedRelatedField(area_field="community", queryset=CommunityOrg.objects.all())

    class Meta:
        model = ContestApplication
        fields = ["contest", "organisation", "project_name", "requested_amount", "score"]

    def get_fields(self):
        fields = super().get_fields()
        if self.instance is not None:
            fields["contest"].read_only = True
            fields["organisation"].read_only = True
        return fields


class FundInputSerializer(serializers.Serializer):
    funded_amount = serializers.DecimalField(max_digits=12, decimal_places=2)


@extend_schema(tags=["contests"])
class ApplicationViewSet(ServiceViewSetMixin, viewsets.ModelViewSet):
    """Applications to contests; POST …/fund/ with `funded_amount`, or …/reject/, decides them."""

    queryset = ContestApplication.objects.all()
    area_field = "contest__area"
    filterset_class = ApplicationFilter
    input_serializer_class = ApplicationInputSerializer
    output_serializer_class = ApplicationOutputSerializer

    def scoped_queryset(self):
        return selectors.application_queryset()

    def perform_create(self, serializer):
        serializer.instance = services.application_save(
            actor=self.request.user, application=ContestApplication(**serializer.validated_data)
        )

    def perform_update(self, serializer):
        serializer.instance = services.application_save(
            actor=self.request.user,
            application=_apply(serializer.instance, serializer.validated_data),
        )

    def perform_destroy(self, instance):
        services.application_delete(actor=self.request.user, application=instance)

    @extend_schema(request=FundInputSerializer, responses=ApplicationOutputSerializer)
    @action(detail=True, methods=["post"], permission_classes=[ChangePermission])
    def fund(self, request, pk=None):
        """Funds the application; the contest's funded total may not exceed its budget."""
        application = self.get_object()
        data = FundInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        application = services.application_fund(
            actor=request.user,
            application=application,
            amount=data.validated_data["funded_amount"],
        )
        return Response(self.output(application))

    @extend_schema(request=None, responses=ApplicationOutputSerializer)
    @action(detail=True, methods=["post"], permission_classes=[ChangePermission])
    def reject(self, request, pk=None):
        """Turns the application down."""
        application = services.application_reject(actor=request.user, application=self.get_object())
        return Response(self.output(application))


# Brand projects, activity reports, evaluations -------------------------------------------------


class OrgChildOutputMixin(serializers.Serializer):
    organisation_name = serializers.CharField(source="organisation.name")
    community = serializers.CharField(source="organisation.community.code")


class BrandProjectOutputSerializer(OrgChildOutputMixin, serializers.ModelSerializer):
    class Meta:
        model = BrandProject
        fields = [
            "id",
            "organisation",
            "organisation_name",
            "community",
            "name",
            "year",
            "description",
        ]
        read_only_fields = fields


class BrandProjectInputSerializer(ServiceInputSerializer):
    organisation = ScopedRelatedField(area_field="community", queryset=CommunityOrg.objects.all())

    class Meta:
        model = BrandProject
        fields = ["organisation", "name", "year", "description"]


@extend_schema(tags=["organisations"])
class BrandProjectViewSet(ServiceViewSetMixin, viewsets.ModelViewSet):
    """Brand projects (品牌项目) of organisations, with the year they were named."""

    queryset = BrandProject.objects.all()
    area_field = "organisation__community"
    filterset_class = BrandProjectFilter
    input_serializer_class = BrandProjectInputSerializer
    output_serializer_class = BrandProjectOutputSerializer

    def scoped_queryset(self):
        return selectors.brand_project_queryset()

    def perform_create(self, serializer):
        serializer.instance = services.brand_project_save(
            actor=self.request.user, project=BrandProject(**serializer.validated_data)
        )

    def perform_update(self, serializer):
        serializer.instance = services.brand_project_save(
            actor=self.request.user, project=_apply(serializer.instance, serializer.validated_data)
        )

    def perform_destroy(self, instance):
        services.brand_project_delete(actor=self.request.user, project=instance)


class ActivityReportOutputSerializer(OrgChildOutputMixin, serializers.ModelSerializer):
    reviewed_by = serializers.CharField(
        source="reviewed_by.username", allow_null=True, default=None
    )

    class Meta:
        model = ActivityReport
        fields = [
            "id",
            "organisation",
            "organisation_name",
            "community",
            "kind",
            "title",
            "held_on",
            "place",
            "expected_participants",
            "status",
            "filed_at",
            "reviewed_by",
            "reviewed_at",
            "objection_reason",
        ]
        read_only_fields = fields


class ActivityReportInputSerializer(ServiceInputSerializer):
    organisation = ScopedRelatedField(area_field="community", queryset=CommunityOrg.objects.all())

    class Meta:
        model = ActivityReport
        fields = ["organisation", "kind", "title", "held_on", "place", "expected_participants"]

    def get_fields(self):
        fields = super().get_fields()
        if self.instance is not None:
            fields["organisation"].read_only = True
        return fields


class ObjectionInputSerializer(serializers.Serializer):
    objection_reason = serializers.CharField(allow_blank=True)


@extend_schema(tags=["organisations"])
class ActivityReportViewSet(ServiceViewSetMixin, viewsets.ModelViewSet):
    """Major activities reported in advance; the community or township acknowledges or objects."""

    queryset = ActivityReport.objects.all()
    area_field = "organisation__community"
    filterset_class = ActivityReportFilter
    input_serializer_class = ActivityReportInputSerializer
    output_serializer_class = ActivityReportOutputSerializer

    def scoped_queryset(self):
        return selectors.activity_report_queryset()

    def perform_create(self, serializer):
        serializer.instance = services.activity_report_file(
            actor=self.request.user, report=ActivityReport(**serializer.validated_data)
        )

    def perform_update(self, serializer):
        serializer.instance = services.activity_report_file(
            actor=self.request.user, report=_apply(serializer.instance, serializer.validated_data)
        )

    def perform_destroy(self, instance):
        services.activity_report_delete(actor=self.request.user, report=instance)

    @extend_schema(request=None, responses=ActivityReportOutputSerializer)
    @action(detail=True, methods=["post"], permission_classes=[ChangePermission])
    def acknowledge(self, request, pk=None):
        """The community or township takes note of the activity."""
        report = services.activity_report_acknowledge(actor=request.user, report=self.get_object())
        return Response(self.output(report))

    @extend_schema(request=ObjectionInputSerializer, responses=ActivityReportOutputSerializer)
    @action(
        detail=True,
        methods=["post"],
        url_path="object",
        url_name="object",
        permission_classes=[ChangePermission],
    )
    def object_to(self, request, pk=None):
        """The community or township objects to the activity, giving `objection_reason`."""
        report = self.get_object()
        data = ObjectionInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        report = services.activity_report_object(
            actor=request.user, report=report, reason=data.validated_data["objection_reason"]
        )
        return Response(self.output(report))


class EvaluationOutputSerializer(OrgChildOutputMixin, serializers.ModelSerializer):
    evaluated_by = serializers.CharField(
        source="evaluated_by.username", allow_null=True, default=None
    )

    class Meta:
        model = Evaluation
        fields = [
            "id",
            "organisation",
            "organisation_name",
            "community",
            "year",
            "score",
            "remarks",
            "evaluated_by",
        ]
        read_only_fields = fields


class EvaluationInputSerializer(ServiceInputSerializer):
    organisation = ScopedRelatedField(area_field="community", queryset=CommunityOrg.objects.all())

    class Meta:
        model = Evaluation
        fields = ["organisation", "year", "score", "remarks"]


@extend_schema(tags=["organisations"])
class EvaluationViewSet(ServiceViewSetMixin, viewsets.ModelViewSet):
    """Yearly evaluations (评估评议) of organisations by their community, one per year."""

    queryset = Evaluation.objects.all()
    area_field = "organisation__community"
    filterset_class = EvaluationFilter
    input_serializer_class = EvaluationInputSerializer
    output_serializer_class = EvaluationOutputSerializer

    def scoped_queryset(self):
        return selectors.evaluation_queryset()

    def perform_create(self, serializer):
        serializer.instance = services.evaluation_save(
            actor=self.request.user, evaluation=Evaluation(**serializer.validated_data)
        )

    def perform_update(self, serializer):
        serializer.instance = services.evaluation_save(
            actor=self.request.user,
            evaluation=_apply(serializer.instance, serializer.validated_data),
        )

    def perform_destroy(self, instance):
        services.evaluation_delete(actor=self.request.user, evaluation=instance)
