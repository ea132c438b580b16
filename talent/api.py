"""The workforce API: workers, certificates, registrations, trainings, attendance, exam entries,
incentive policies and grants. Every list is scoped to the caller's subtree, personal data is
masked for roles without `stations.view_personal_data`, and every write goes through a service.

ID numbers never appear in URLs: a worker is addressed by pk, and found by ID number with
`POST /api/v1/workers/lookup/` (the number in the body).
"""

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.plumbing import ResolvedComponent
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from stations.access import scope_to_actor
from stations.api import ScopedAreaField
from stations.api_base import ScopedViewSetMixin
from stations.api_policies import ModelPermissions
from stations.exports import XLSX_CONTENT_TYPE
from stations.models import AdminArea
from stations.privacy import can_see_personal_data, mask_id_number, mask_phone
from talent import selectors, services
from talent.exports import worker_export_response
from talent.filters import (
    AttendanceFilter,
    CertificateFilter,
    ExamEntryFilter,
    GrantFilter,
    PolicyFilter,
    RegistrationFilter,
    TrainingFilter,
    WorkerFilter,
)
from talent.identity import age_on
from talent.models import (
    WORKER_REACH,
    Certificate,
    ExamEntry,
    IncentiveGrant,
    IncentivePolicy,
    Registration,
    Training,
    TrainingAttendance,
    Worker,
    worker_reach,
)
from talent.periods import required_hours
from talent.qualifications import highest_certificate, qualification_flags

# --- fields --------------------------------------------------------------------------------------


class NamedChoiceField(serializers.ChoiceField):
    """A choice field documented as its own named enum component (CertificateLevelEnum, …).

    Names such as "level" and "status" mean other choice sets in other apps; left to
    drf-spectacular's enum naming, a shared name would collide with them.
    """

    def __init__(self, *, component_name: str, **kwargs):
        self.component_name = component_name
        super().__init__(**kwargs)


class NamedChoiceFieldExtension(OpenApiSerializerFieldExtension):
    target_class = NamedChoiceField

    def map_serializer_field(self, auto_schema, direction):
        component = ResolvedComponent(
            name=self.target.component_name,
            type=ResolvedComponent.SCHEMA,
            object=self.target.component_name,
            schema={"type": "string", "enum": [str(value) for value in self.target.choices]},
        )
        auto_schema.registry.register_on_missing(component)
        return component.ref


def level_field(**kwargs) -> NamedChoiceField:
    return NamedChoiceField(
        choices=Certificate.Level.choices, component_name="CertificateLevelEnum", **kwargs
    )


def worker_choice_field(name: str, choices, **kwargs) -> NamedChoiceField:
    return NamedChoiceField(choices=choices, component_name=f"Worker{name}Enum", **kwargs)


def registration_status_field(**kwargs) -> NamedChoiceField:
    return NamedChoiceField(
        choices=Registration.Status.choices, component_name="RegistrationStatusEnum", **kwargs
    )


def incentive_kind_field(**kwargs) -> NamedChoiceField:
    return NamedChoiceField(
        choices=IncentivePolicy.Kind.choices, component_name="IncentiveKindEnum", **kwargs
    )


class ScopedPrimaryKeyField(serializers.PrimaryKeyRelatedField):
    """A related row named by pk; rows outside the caller's subtree read as unknown."""

    def __init__(self, *, area_field: str | tuple[str, ...] = "area", **kwargs):
        self.area_field = area_field
        super().__init__(**kwargs)

    def get_queryset(self):
        request = self.context.get("request")
        return scope_to_actor(
            super().get_queryset(),
            actor=getattr(request, "user", None),
            area_field=self.area_field,
        )


class AttendableTrainingField(serializers.PrimaryKeyRelatedField):
    """A training of the caller's subtree or of an area above it, named by pk."""

    def get_queryset(self):
        request = self.context.get("request")
        return selectors.training_attendable_list(actor=getattr(request, "user", None))


def _sees_personal_data(serializer) -> bool:
    """Asked once per response: the answer is kept in the (shared) serializer context."""
    context = serializer.context
    if "sees_personal_data" not in context:
        request = context.get("request")
        context["sees_personal_data"] = can_see_personal_data(getattr(request, "user", None))
    return context["sees_personal_data"]


# --- workers -------------------------------------------------------------------------------------


class HeldCertificateListSerializer(serializers.ListSerializer):
    def get_attribute(self, instance):
        return instance.held_certificates()


class WorkerCertificateSerializer(serializers.ModelSerializer):
    level = level_field(read_only=True)

    class Meta:
        model = Certificate
        list_serializer_class = HeldCertificateListSerializer
        fields = ["id", "level", "number", "obtained_on"]
        read_only_fields = fields


class WorkerOutputSerializer(serializers.ModelSerializer):
    gender = worker_choice_field("Gender", Worker.Gender.choices, read_only=True)
    education = worker_choice_field("Education", Worker.Education.choices, read_only=True)
    major = worker_choice_field("Major", Worker.Major.choices, read_only=True)
    employer_kind = worker_choice_field("EmployerKind", Worker.EmployerKind.choices, read_only=True)
    post = worker_choice_field("Post", Worker.Post.choices, read_only=True)
    id_number = serializers.SerializerMethodField()
    phone = serializers.SerializerMethodField()
    birth_date = serializers.SerializerMethodField()
    age = serializers.SerializerMethodField()
    area = serializers.CharField(source="area.code")
    area_name = serializers.CharField(source="area.name")
    certificates = WorkerCertificateSerializer(many=True)
    served_areas = serializers.SerializerMethodField()
    highest_level = serializers.SerializerMethodField()
    is_professional_staff = serializers.SerializerMethodField()
    has_social_work_qualification = serializers.SerializerMethodField()

    class Meta:
        model = Worker
        fields = [
            "id",
            "name",
            "id_number",
            "phone",
            "gender",
            "birth_date",
            "age",
            "education",
            "major",
            "employer_kind",
            "employer_name",
            "post",
            "area",
            "area_name",
            "is_active",
            "served_areas",
            "certificates",
            "highest_level",
            "is_professional_staff",
            "has_social_work_qualification",
        ]
        read_only_fields = fields

    def get_id_number(self, worker) -> str:
        full = _sees_personal_data(self)
        return worker.id_number if full else mask_id_number(worker.id_number)

    def get_phone(self, worker) -> str:
        return worker.phone if _sees_personal_data(self) else mask_phone(worker.phone)

    def get_birth_date(self, worker) -> str | None:
        """Only for roles that see personal data: it is part of the ID number."""
        return worker.birth_date.isoformat() if _sees_personal_data(self) else None

    def get_served_areas(self, worker) -> list[str]:
        """The codes of the further areas the person serves (linked), besides their own."""
        return [link.area.code for link in worker.served_area_links()]

    def get_age(self, worker) -> int:
        return age_on(worker.birth_date, self.context["today"])

    def get_highest_level(self, worker) -> str | None:
        certificate = highest_certificate(worker, self.context["today"])
        return certificate.level if certificate else None

    def _flags(self, worker) -> dict[str, bool]:
        if not hasattr(worker, "_qualification_flags"):
            worker._qualification_flags = qualification_flags(worker, self.context["today"])
        return worker._qualification_flags

    def get_is_professional_staff(self, worker) -> bool:
        return self._flags(worker)["is_professional_staff"]

    def get_has_social_work_qualification(self, worker) -> bool:
        return self._flags(worker)["has_social_work_qualification"]


class WorkerInputSerializer(serializers.ModelSerializer):
    # Plain fields: the service normalises and validates them (one set of messages everywhere).
    id_number = serializers.CharField(max_length=30)
    education = worker_choice_field("Education", Worker.Education.choices)
    major = worker_choice_field("Major", Worker.Major.choices)
    employer_kind = worker_choice_field(
        "EmployerKind", Worker.EmployerKind.choices, required=False, allow_blank=True
    )
    post = worker_choice_field("Post", Worker.Post.choices)
    area = ScopedAreaField()

    class Meta:
        model = Worker
        fields = [
            "name",
            "id_number",
            "phone",
            "education",
            "major",
            "employer_kind",
            "employer_name",
            "post",
            "area",
            "is_active",
        ]
        validators = []


class IdNumberSerializer(serializers.Serializer):
    id_number = serializers.CharField(max_length=30)


class TransferSerializer(serializers.Serializer):
    area = serializers.SlugRelatedField(slug_field="code", queryset=AdminArea.objects.all())


class LookupPermission(ModelPermissions):
    """Looking a person up by ID number is a read, though it is a POST (the number stays out of URLs)."""

    perms_map = {**ModelPermissions.perms_map, "POST": ["%(app_label)s.view_%(model_name)s"]}


class TransferPermission(ModelPermissions):
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

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "today": timezone.localdate()}

    def save_service(self, obj):
        raise NotImplementedError

    def delete_service(self, obj):
        raise NotImplementedError

    def _respond(self, instance, code: int) -> Response:
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
        return self._respond(serializer.instance, status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        serializer = self.get_serializer(
            self.get_object(), data=request.data, partial=kwargs.pop("partial", False)
        )
        serializer.is_valid(raise_exception=True)
        self.perform_update(serializer)
        return self._respond(serializer.instance, status.HTTP_200_OK)

    def perform_destroy(self, instance):
        self.delete_service(instance)


@extend_schema(tags=["talent"])
class WorkerViewSet(ServiceViewSet):
    """Social workers. ID numbers and phones are masked unless your role sees personal data."""

    queryset = Worker.objects.all()
    area_field = WORKER_REACH
    input_serializer_class = WorkerInputSerializer
    output_serializer_class = WorkerOutputSerializer
    filterset_class = WorkerFilter

    def scoped_queryset(self):
        return selectors.workers_shaped()

    def save_service(self, obj):
        return services.worker_save(actor=self.request.user, worker=obj)

    def delete_service(self, obj):
        services.worker_delete(actor=self.request.user, worker=obj)

    @extend_schema(responses={201: WorkerOutputSerializer, 200: WorkerOutputSerializer})
    def create(self, request, *args, **kwargs):
        """Registers a person; one already kept by another county is linked to the area given
        instead (200, the stored record unchanged, `served_areas` naming the area)."""
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        worker, linked = services.worker_register(
            actor=request.user, worker=Worker(**serializer.validated_data)
        )
        return self._respond(worker, status.HTTP_200_OK if linked else status.HTTP_201_CREATED)

    @extend_schema(request=TransferSerializer, responses={204: None})
    @action(detail=True, methods=["post"], permission_classes=[TransferPermission])
    def unlink(self, request, pk=None):
        """Ends the link of the worker to one of your areas (the person stays registered)."""
        worker = self.get_object()
        serializer = TransferSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        link = worker.area_links.filter(area=serializer.validated_data["area"]).first()
        if link is None:
            raise exceptions.ValidationError(
                {"area": [_("The person is not linked to this area.")]}
            )
        services.worker_unlink(actor=request.user, link=link)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=IdNumberSerializer, responses=WorkerOutputSerializer)
    @action(detail=False, methods=["post"], permission_classes=[LookupPermission])
    def lookup(self, request):
        """Finds the worker with an ID number (given in the body, never in the URL)."""
        serializer = IdNumberSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        id_number = services.normalise_id_number(serializer.validated_data["id_number"])
        worker = self.get_queryset().filter(id_number=id_number).first()
        if worker is None:
            try:
                services.worker_assert_new_person(Worker(id_number=id_number), actor=request.user)
            except ValidationError as elsewhere:
                raise exceptions.NotFound(elsewhere.message_dict["id_number"][0]) from None
            raise exceptions.NotFound(_("No worker with this ID number within your reach."))
        output = WorkerOutputSerializer(worker, context=self.get_serializer_context())
        return Response(output.data)

    @extend_schema(request=TransferSerializer, responses=WorkerOutputSerializer)
    @action(detail=True, methods=["post"], permission_classes=[TransferPermission])
    def transfer(self, request, pk=None):
        """Moves the worker to another area, possibly outside your reach (handing them over)."""
        worker = self.get_object()
        serializer = TransferSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        worker = services.worker_transfer(
            actor=request.user, worker=worker, area=serializer.validated_data["area"]
        )
        output = WorkerOutputSerializer(
            selectors.workers_shaped().get(pk=worker.pk), context=self.get_serializer_context()
        )
        return Response(output.data)

    @extend_schema(responses={(200, XLSX_CONTENT_TYPE): bytes})
    @action(detail=False, methods=["get"])
    def export(self, request):
        """The filtered workers as the Excel workforce sheet (masked for your role)."""
        workers = self.filter_queryset(self.get_queryset())
        return worker_export_response(workers, actor=request.user, filename="workers")


# --- certificates and registrations --------------------------------------------------------------


class RegistrationOutputSerializer(serializers.ModelSerializer):
    status = registration_status_field(read_only=True)
    continuing_hours = serializers.DecimalField(max_digits=8, decimal_places=1, read_only=True)
    required_hours = serializers.SerializerMethodField()
    education_hours_met = serializers.BooleanField(read_only=True)
    education_hours_short = serializers.DecimalField(max_digits=8, decimal_places=1, read_only=True)
    state = serializers.SerializerMethodField()

    class Meta:
        model = Registration
        fields = [
            "id",
            "certificate",
            "starts_on",
            "ends_on",
            "status",
            "state",
            "continuing_hours",
            "required_hours",
            "education_hours_met",
            "education_hours_short",
        ]
        read_only_fields = fields

    def _level(self, registration) -> str:
        level = self.context.get("certificate_level")
        return level or registration.certificate.level

    def get_required_hours(self, registration) -> str:
        return str(required_hours(self._level(registration)))

    def get_state(self, registration) -> str:
        """current, expired, future or cancelled, as of today."""
        today = self.context["today"]
        if registration.status == Registration.Status.CANCELLED:
            return "cancelled"
        if registration.ends_on < today:
            return "expired"
        if registration.starts_on > today:
            return "future"
        return "current"


class CertificateOutputSerializer(serializers.ModelSerializer):
    level = level_field(read_only=True)
    worker_name = serializers.CharField(source="worker.name")
    registrations = serializers.SerializerMethodField()

    class Meta:
        model = Certificate
        fields = ["id", "worker", "worker_name", "level", "number", "obtained_on", "registrations"]
        read_only_fields = fields

    def get_registrations(self, certificate) -> list[dict]:
        context = {**self.context, "certificate_level": certificate.level}
        return RegistrationOutputSerializer(
            certificate.registrations.all(), many=True, context=context
        ).data


class CertificateInputSerializer(serializers.ModelSerializer):
    level = level_field()
    worker = ScopedPrimaryKeyField(queryset=Worker.objects.all(), area_field=WORKER_REACH)

    class Meta:
        model = Certificate
        fields = ["worker", "level", "number", "obtained_on"]
        validators = []
        extra_kwargs = {"number": {"validators": []}}


@extend_schema(tags=["talent"])
class CertificateViewSet(ServiceViewSet):
    """National social-worker certificates, with their registration periods and hours."""

    queryset = Certificate.objects.all()
    area_field = worker_reach("worker__")
    input_serializer_class = CertificateInputSerializer
    output_serializer_class = CertificateOutputSerializer
    filterset_class = CertificateFilter

    def scoped_queryset(self):
        return selectors.certificates_shaped()

    def save_service(self, obj):
        return services.certificate_save(actor=self.request.user, certificate=obj)

    def delete_service(self, obj):
        services.certificate_delete(actor=self.request.user, certificate=obj)


class RegistrationInputSerializer(serializers.ModelSerializer):
    status = registration_status_field(required=False)
    certificate = ScopedPrimaryKeyField(
        queryset=Certificate.objects.all(), area_field=worker_reach("worker__")
    )

    class Meta:
        model = Registration
        fields = ["certificate", "starts_on", "ends_on", "status"]
        validators = []
        extra_kwargs = {"ends_on": {"required": False}}


@extend_schema(tags=["talent"])
class RegistrationViewSet(ServiceViewSet):
    """Registration periods (注册登记) with the continuing-education hours in each."""

    queryset = Registration.objects.all()
    area_field = worker_reach("certificate__worker__")
    input_serializer_class = RegistrationInputSerializer
    output_serializer_class = RegistrationOutputSerializer
    filterset_class = RegistrationFilter

    def scoped_queryset(self):
        return selectors.registrations_shaped()

    def save_service(self, obj):
        return services.registration_save(actor=self.request.user, registration=obj)

    def delete_service(self, obj):
        services.registration_delete(actor=self.request.user, registration=obj)


# --- trainings -----------------------------------------------------------------------------------


class TrainingOutputSerializer(serializers.ModelSerializer):
    area = serializers.CharField(source="area.code")
    area_name = serializers.CharField(source="area.name")
    attendee_count = serializers.IntegerField()

    class Meta:
        model = Training
        fields = ["id", "topic", "organiser", "held_on", "hours", "area", "area_name"]
        fields += ["attendee_count"]
        read_only_fields = fields


class TrainingInputSerializer(serializers.ModelSerializer):
    area = ScopedAreaField()

    class Meta:
        model = Training
        fields = ["topic", "organiser", "held_on", "hours", "area"]
        validators = []


@extend_schema(tags=["talent"])
class TrainingViewSet(ServiceViewSet):
    """Training events; attendance adds continuing-education hours."""

    queryset = Training.objects.all()
    input_serializer_class = TrainingInputSerializer
    output_serializer_class = TrainingOutputSerializer
    filterset_class = TrainingFilter

    def scoped_queryset(self):
        return selectors.trainings_shaped()

    def save_service(self, obj):
        return services.training_save(actor=self.request.user, training=obj)

    def delete_service(self, obj):
        services.training_delete(actor=self.request.user, training=obj)

    @extend_schema(responses=TrainingOutputSerializer(many=True))
    @action(detail=False, methods=["get"])
    def attendable(self, request):
        """Trainings your workers may attend: your subtree's and those of the areas above you.

        Read only: a training organised above you is changed by its organiser. `attendee_count`
        counts only the attendees within your reach.
        """
        trainings = self.filter_queryset(selectors.training_attendable_list(actor=request.user))
        page = self.paginate_queryset(trainings)
        serializer = TrainingOutputSerializer(
            page, many=True, context=self.get_serializer_context()
        )
        return self.get_paginated_response(serializer.data)


class AttendanceOutputSerializer(serializers.ModelSerializer):
    topic = serializers.CharField(source="training.topic")
    held_on = serializers.DateField(source="training.held_on")
    worker_name = serializers.CharField(source="worker.name")

    class Meta:
        model = TrainingAttendance
        fields = ["id", "training", "topic", "held_on", "worker", "worker_name", "hours"]
        read_only_fields = fields


class AttendanceInputSerializer(serializers.ModelSerializer):
    training = AttendableTrainingField()
    worker = ScopedPrimaryKeyField(queryset=Worker.objects.all(), area_field=WORKER_REACH)

    class Meta:
        model = TrainingAttendance
        fields = ["training", "worker", "hours"]
        validators = []
        extra_kwargs = {"hours": {"required": False}}


@extend_schema(tags=["talent"])
class AttendanceViewSet(ServiceViewSet):
    """Who attended which training, and the hours credited."""

    queryset = TrainingAttendance.objects.all()
    area_field = worker_reach("worker__")
    input_serializer_class = AttendanceInputSerializer
    output_serializer_class = AttendanceOutputSerializer
    filterset_class = AttendanceFilter

    def scoped_queryset(self):
        return selectors.attendances_shaped()

    def save_service(self, obj):
        return services.attendance_save(actor=self.request.user, attendance=obj)

    def delete_service(self, obj):
        services.attendance_delete(actor=self.request.user, attendance=obj)


# --- exam, incentives ----------------------------------------------------------------------------


class ExamEntryOutputSerializer(serializers.ModelSerializer):
    level = level_field(read_only=True)
    worker_name = serializers.CharField(source="worker.name")

    class Meta:
        model = ExamEntry
        fields = ["id", "worker", "worker_name", "year", "level", "passed"]
        read_only_fields = fields


class ExamSummaryQuerySerializer(serializers.Serializer):
    year = serializers.IntegerField(min_value=2008, max_value=2100)


class ExamSummaryRowSerializer(serializers.Serializer):
    area = serializers.CharField()
    area_name = serializers.CharField(allow_null=True)
    level = level_field()
    registered = serializers.IntegerField()
    passed = serializers.IntegerField()


class ExamEntryInputSerializer(serializers.ModelSerializer):
    level = level_field()
    worker = ScopedPrimaryKeyField(queryset=Worker.objects.all(), area_field=WORKER_REACH)

    class Meta:
        model = ExamEntry
        fields = ["worker", "year", "level", "passed"]
        validators = []


@extend_schema(tags=["talent"])
class ExamEntryViewSet(ServiceViewSet):
    """Registrations for the national exam, and results (to follow the mobilisation work)."""

    queryset = ExamEntry.objects.all()
    area_field = worker_reach("worker__")
    input_serializer_class = ExamEntryInputSerializer
    output_serializer_class = ExamEntryOutputSerializer
    filterset_class = ExamEntryFilter

    def scoped_queryset(self):
        return selectors.exam_entries_shaped()

    def save_service(self, obj):
        return services.exam_entry_save(actor=self.request.user, entry=obj)

    def delete_service(self, obj):
        services.exam_entry_delete(actor=self.request.user, entry=obj)

    @extend_schema(
        parameters=[ExamSummaryQuerySerializer],
        responses=ExamSummaryRowSerializer(many=True),
    )
    @action(detail=False, methods=["get"], pagination_class=None)
    def summary(self, request):
        """Registered and passed in a year (`?year=`), by area one level below yours and level."""
        query = ExamSummaryQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        rows = selectors.exam_summary(actor=request.user, year=query.validated_data["year"])
        return Response(ExamSummaryRowSerializer(rows, many=True).data)


class PolicyOutputSerializer(serializers.ModelSerializer):
    kind = incentive_kind_field(read_only=True)
    area = serializers.CharField(source="area.code")
    area_name = serializers.CharField(source="area.name")

    class Meta:
        model = IncentivePolicy
        fields = [
            "id",
            "name",
            "area",
            "area_name",
            "kind",
            "assistant_amount",
            "intermediate_amount",
            "senior_amount",
            "description",
        ]
        read_only_fields = fields


class PolicyInputSerializer(serializers.ModelSerializer):
    kind = incentive_kind_field()
    area = ScopedAreaField()

    class Meta:
        model = IncentivePolicy
        fields = [
            "name",
            "area",
            "kind",
            "assistant_amount",
            "intermediate_amount",
            "senior_amount",
            "description",
        ]
        validators = []


@extend_schema(tags=["talent"])
class PolicyViewSet(ServiceViewSet):
    """Subsidy and award policies with their amounts per certificate level."""

    queryset = IncentivePolicy.objects.all()
    input_serializer_class = PolicyInputSerializer
    output_serializer_class = PolicyOutputSerializer
    filterset_class = PolicyFilter

    def scoped_queryset(self):
        return selectors.policies_shaped()

    def save_service(self, obj):
        return services.policy_save(actor=self.request.user, policy=obj)

    def delete_service(self, obj):
        services.policy_delete(actor=self.request.user, policy=obj)


class GrantOutputSerializer(serializers.ModelSerializer):
    level = level_field(read_only=True)
    policy_name = serializers.CharField(source="policy.name")
    worker_name = serializers.CharField(source="worker.name")

    class Meta:
        model = IncentiveGrant
        fields = [
            "id",
            "policy",
            "policy_name",
            "worker",
            "worker_name",
            "level",
            "amount",
            "granted_on",
            "is_paid",
            "paid_on",
        ]
        read_only_fields = fields


class GrantInputSerializer(serializers.ModelSerializer):
    level = level_field(required=False, allow_blank=True)
    policy = ScopedPrimaryKeyField(queryset=IncentivePolicy.objects.all())
    worker = ScopedPrimaryKeyField(queryset=Worker.objects.all(), area_field=WORKER_REACH)

    class Meta:
        model = IncentiveGrant
        fields = ["policy", "worker", "level", "amount", "granted_on", "is_paid", "paid_on"]
        validators = []
        extra_kwargs = {"amount": {"required": False}, "granted_on": {"required": False}}


@extend_schema(tags=["talent"])
class GrantViewSet(ServiceViewSet):
    """Subsidies and awards granted to workers; amounts in yuan."""

    queryset = IncentiveGrant.objects.all()
    area_field = worker_reach("worker__")
    input_serializer_class = GrantInputSerializer
    output_serializer_class = GrantOutputSerializer
    filterset_class = GrantFilter

    def scoped_queryset(self):
        return selectors.grants_shaped()

    def save_service(self, obj):
        return services.grant_save(actor=self.request.user, grant=obj)

    def delete_service(self, obj):
        services.grant_delete(actor=self.request.user, grant=obj)
