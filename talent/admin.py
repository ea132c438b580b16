"""The workforce registry in the admin: scoped, masked per role, writes through the services."""

import datetime

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db.models import Exists, OuterRef
from django.forms.models import construct_instance
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from stations.access import scope_to_actor
from stations.admin_base import (
    AreaListFilter,
    ImportAdminMixin,
    ScopedAdminMixin,
    ServiceValidatedForm,
)
from stations.models import AdminArea
from stations.privacy import can_see_personal_data, mask_id_number, mask_phone
from talent import services
from talent.exports import worker_export_response
from talent.imports import OPTIONAL_COLUMNS, REQUIRED_COLUMNS, worker_import
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
from talent.qualifications import (
    highest_certificate,
    professional_staff_condition,
    qualification_flags,
    social_work_qualification_condition,
)
from talent.selectors import (
    EXPIRING_DAYS,
    expiring_registration_condition,
    registrations_short_of_hours,
    registrations_with_hours,
)

# Where each related model keeps its area, to scope foreign-key pickers.
AREA_FIELDS = {
    Worker: WORKER_REACH,
    Training: "area",
    IncentivePolicy: "area",
    Certificate: worker_reach("worker__"),
}


class TalentScopeMixin:
    """Foreign keys to workers, trainings, policies and certificates only offer rows in reach."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        area_field = AREA_FIELDS.get(db_field.related_model)
        if area_field is not None:
            kwargs["queryset"] = scope_to_actor(
                db_field.related_model.objects.all(), actor=request.user, area_field=area_field
            )
        elif db_field.related_model is AdminArea:
            kwargs["queryset"] = scope_to_actor(
                AdminArea.objects.all(), actor=request.user, area_field=None
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


# --- list filters --------------------------------------------------------------------------------


class WithinAreaListFilter(AreaListFilter):
    area_field = "area"


class ReachWithinAreaListFilter(AreaListFilter):
    """People within an area: kept there or linked to an area of it."""

    area_field = WORKER_REACH


class WorkerWithinAreaListFilter(AreaListFilter):
    """Rows of the people within an area: kept there or linked to an area of it."""

    area_field = worker_reach("worker__")


class CertificateLevelListFilter(admin.SimpleListFilter):
    title = _("certificate level")
    parameter_name = "level"

    def lookups(self, request, model_admin):
        return Certificate.Level.choices

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        held = Certificate.objects.filter(worker=OuterRef("pk"), level=self.value())
        return queryset.filter(Exists(held))


class QualifiedListFilter(admin.SimpleListFilter):
    title = _("qualified (today)")
    parameter_name = "qualified"

    def lookups(self, request, model_admin):
        return [
            ("professional", _("Professional staff (Beijing rule)")),
            ("social_work", _("Social-work qualification (Jinan rule)")),
            ("neither", _("Neither")),
        ]

    def queryset(self, request, queryset):
        if self.value() == "professional":
            return queryset.filter(professional_staff_condition())
        if self.value() == "social_work":
            return queryset.filter(social_work_qualification_condition())
        if self.value() == "neither":
            return queryset.filter(
                ~professional_staff_condition(), ~social_work_qualification_condition()
            )
        return queryset


class RegistrationExpiringListFilter(admin.SimpleListFilter):
    title = _("registration")
    parameter_name = "registration"

    def lookups(self, request, model_admin):
        return [("expiring", _("Ends within %(days)d days") % {"days": EXPIRING_DAYS})]

    def queryset(self, request, queryset):
        if self.value() == "expiring":
            return queryset.filter(expiring_registration_condition())
        return queryset


class CertificateExpiringListFilter(RegistrationExpiringListFilter):
    def queryset(self, request, queryset):
        if self.value() != "expiring":
            return queryset
        today = timezone.localdate()
        expiring = Registration.objects.filter(
            certificate=OuterRef("pk"),
            status=Registration.Status.REGISTERED,
            starts_on__lte=today,
            ends_on__gte=today,
            ends_on__lte=today + datetime.timedelta(days=EXPIRING_DAYS),
        )
        return queryset.filter(Exists(expiring))


class ShortOfHoursListFilter(admin.SimpleListFilter):
    """Certificates with a registered period whose continuing-education hours fall short."""

    title = _("continuing education")
    parameter_name = "hours"

    def lookups(self, request, model_admin):
        return [("short", _("Short of hours"))]

    def queryset(self, request, queryset):
        if self.value() != "short":
            return queryset
        short = registrations_short_of_hours(
            Registration.objects.filter(certificate=OuterRef("pk"))
        )
        return queryset.filter(Exists(short))


# --- workers -------------------------------------------------------------------------------------


def _only_kept_elsewhere(error: ValidationError) -> bool:
    """Whether the one problem is that another bureau keeps the person (then they are linked)."""
    errors = getattr(error, "error_dict", {})
    return list(errors) == ["id_number"] and [e.code for e in errors["id_number"]] == [
        "worker_in_other_area"
    ]


class WorkerForm(forms.ModelForm):
    """Runs the service's validation, including the one-record-per-person rule for the actor."""

    actor = None

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

    def _post_clean(self):
        # Replaces ModelForm's model validation: the service's own (with the derived fields), and
        # its one-record-per-person check in place of the bare unique constraint.
        if self.instance.pk is not None:
            try:
                # A county the person is only linked to sees the page but does not change it.
                services.assert_worker_kept_by_actor(self.instance, actor=self.actor)
            except ValidationError as error:
                self._update_errors(error)
                return
        exclude = self._get_validation_exclusions()
        try:
            self.instance = construct_instance(
                self, self.instance, self._meta.fields, self._meta.exclude
            )
            services.worker_validate(self.instance, exclude=exclude)
            if "id_number" not in exclude:
                services.worker_assert_new_person(self.instance, actor=self.actor)
        except ValidationError as error:
            if self.instance.pk is None and _only_kept_elsewhere(error):
                # A new person kept by another bureau is linked when saved, if the name is theirs.
                try:
                    services.worker_assert_same_name(self.instance)
                except ValidationError as mismatch:
                    self._update_errors(mismatch)
                return

            # A field left out of the form (a masked ID number) reports on the form as a whole.
            by_field: dict = {}
            for field, messages in error.message_dict.items():
                key = field if field in self.fields else NON_FIELD_ERRORS
                by_field.setdefault(key, []).extend(messages)
            self._update_errors(ValidationError(by_field))


class CertificateForm(ServiceValidatedForm, forms.ModelForm):
    service_validator = services.certificate_validate

    class Meta:
        model = Certificate
        fields = ["worker", "level", "number", "obtained_on"]


class CertificateInline(TalentScopeMixin, admin.TabularInline):
    model = Certificate
    form = CertificateForm
    extra = 0
    fields = ["level", "number", "obtained_on"]


class FindWorkerForm(forms.Form):
    id_number = forms.CharField(label=_("Resident ID number"), max_length=30)


@admin.register(Worker)
class WorkerAdmin(TalentScopeMixin, ImportAdminMixin, ScopedAdminMixin, admin.ModelAdmin):
    import_service = worker_import
    import_columns = [*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS]
    change_list_template = "admin/talent/worker_change_list.html"
    form = WorkerForm
    # Name only: an ID number typed into the search box would end up in the URL and the logs.
    # Staff find a person by ID number with the "Find by ID number" page (a POST).
    search_fields = ["name"]
    autocomplete_fields = ["area"]
    list_filter = [
        ReachWithinAreaListFilter,
        CertificateLevelListFilter,
        "post",
        QualifiedListFilter,
        RegistrationExpiringListFilter,
        "education",
        "major",
        "is_active",
    ]
    inlines = [CertificateInline]
    actions = ["export_xlsx"]
    editable_fields = WorkerForm.Meta.fields

    def get_queryset(self, request):
        # A person is reached through their own area or an area linked to them, so the scope is
        # applied here with WORKER_REACH instead of ScopedAdminMixin's own-area rule.
        queryset = scope_to_actor(
            super(ScopedAdminMixin, self).get_queryset(request),
            actor=request.user,
            area_field=WORKER_REACH,
        )
        # The qualification columns are computed from the prefetched certificates: annotating
        # them made PostgreSQL read the whole certificate table for each page (docs/performance.md §4).
        return queryset.select_related("area").prefetch_related("certificates")

    def get_list_display(self, request):
        full = can_see_personal_data(request.user)

        @admin.display(description=_("resident ID number"))
        def id_number(worker):
            return worker.id_number if full else mask_id_number(worker.id_number)

        @admin.display(description=_("phone"))
        def phone(worker):
            return worker.phone if full else mask_phone(worker.phone)

        return [
            "name",
            id_number,
            phone,
            "gender",
            "education",
            "major",
            "post",
            "area",
            "highest_level",
            "professional_staff",
            "social_work_qualified",
            "is_active",
        ]

    @admin.display(description=_("highest certificate"))
    def highest_level(self, worker):
        certificate = highest_certificate(worker)
        return certificate.get_level_display() if certificate else "-"

    @admin.display(description=_("professional staff"), boolean=True)
    def professional_staff(self, worker):
        return qualification_flags(worker)["is_professional_staff"]

    @admin.display(description=_("social-work qualification"), boolean=True)
    def social_work_qualified(self, worker):
        return qualification_flags(worker)["has_social_work_qualification"]

    @admin.display(description=_("resident ID number"))
    def masked_id_number(self, worker):
        return mask_id_number(worker.id_number)

    @admin.display(description=_("phone"))
    def masked_phone(self, worker):
        return mask_phone(worker.phone)

    def get_fields(self, request, obj=None):
        fields = list(self.editable_fields)
        if not can_see_personal_data(request.user):
            fields[fields.index("id_number")] = "masked_id_number"
            fields[fields.index("phone")] = "masked_phone"
        extra = ["gender", "professional_staff", "social_work_qualified"]
        if can_see_personal_data(request.user):
            extra.insert(1, "birth_date")
        return [*fields, *extra] if obj is not None else fields

    def get_readonly_fields(self, request, obj=None):
        return [
            "gender",
            "birth_date",
            "professional_staff",
            "social_work_qualified",
            "masked_id_number",
            "masked_phone",
        ]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        return type(form.__name__, (form,), {"actor": request.user})

    def save_service(self, request, obj, form, change):
        if change:
            services.worker_save(actor=request.user, worker=obj)
            return
        worker, linked = services.worker_register(actor=request.user, worker=obj)
        if linked:
            # The admin goes on with the stored person (their page, the inlines' certificates).
            obj.pk = worker.pk
            messages.info(
                request,
                _(
                    "This person is kept by another bureau; they are now linked to %(area)s "
                    "and their record was not changed."
                )
                % {"area": obj.area.name},
            )

    def delete_service(self, request, obj):
        services.worker_delete(actor=request.user, worker=obj)

    def save_formset(self, request, form, formset, change):
        for certificate in formset.save(commit=False):
            services.certificate_save(actor=request.user, certificate=certificate)
        for certificate in formset.deleted_objects:
            services.certificate_delete(actor=request.user, certificate=certificate)

    @admin.action(description=_("Export the selected workers to Excel"))
    def export_xlsx(self, request, queryset):
        return worker_export_response(queryset, actor=request.user, filename="workers")

    def get_urls(self):
        return [
            path(
                "find/",
                self.admin_site.admin_view(self.find_view),
                name="talent_worker_find",
            ),
            *super().get_urls(),
        ]

    def find_view(self, request):
        """Finds a worker by ID number, posted so that the number stays out of URLs."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        form = FindWorkerForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            id_number = services.normalise_id_number(form.cleaned_data["id_number"])
            worker = self.get_queryset(request).filter(id_number=id_number).first()
            if worker is not None:
                return redirect(reverse("admin:talent_worker_change", args=[worker.pk]))
            try:
                services.worker_assert_new_person(Worker(id_number=id_number), actor=request.user)
            except ValidationError as elsewhere:
                form.add_error("id_number", elsewhere.message_dict["id_number"][0])
            else:
                form.add_error("id_number", _("No worker with this ID number within your reach."))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "form": form,
            "title": _("Find a worker by ID number"),
        }
        return TemplateResponse(request, "admin/talent/worker_find.html", context)


# --- certificates --------------------------------------------------------------------------------


class RegistrationForm(ServiceValidatedForm, forms.ModelForm):
    service_validator = services.registration_validate

    class Meta:
        model = Registration
        fields = ["starts_on", "ends_on", "status"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["ends_on"].required = False
        self.fields["ends_on"].help_text = _("Empty: three years after the start.")


class RegistrationInline(admin.TabularInline):
    model = Registration
    form = RegistrationForm
    extra = 0
    fields = ["starts_on", "ends_on", "status", "continuing_hours", "required", "hours_met"]
    readonly_fields = ["continuing_hours", "required", "hours_met"]

    def get_queryset(self, request):
        return registrations_with_hours(super().get_queryset(request))

    @admin.display(description=_("continuing-education hours"))
    def continuing_hours(self, registration):
        return getattr(registration, "continuing_hours", None)

    @admin.display(description=_("hours required"))
    def required(self, registration):
        return required_hours(registration.certificate.level) if registration.pk else "-"

    @admin.display(description=_("hours met"), boolean=True)
    def hours_met(self, registration):
        return getattr(registration, "education_hours_met", None)


@admin.register(Certificate)
class CertificateAdmin(TalentScopeMixin, ScopedAdminMixin, admin.ModelAdmin):
    area_field = "worker__area"
    form = CertificateForm
    list_display = ["number", "worker", "level", "obtained_on", "valid_until"]
    list_filter = [
        WorkerWithinAreaListFilter,
        "level",
        CertificateExpiringListFilter,
        ShortOfHoursListFilter,
    ]
    search_fields = ["number", "worker__name"]
    autocomplete_fields = ["worker"]
    inlines = [RegistrationInline]

    def get_queryset(self, request):
        return (
            super().get_queryset(request).select_related("worker").prefetch_related("registrations")
        )

    @admin.display(description=_("registered until"))
    def valid_until(self, certificate):
        today = timezone.localdate()
        ends = [
            registration.ends_on
            for registration in certificate.registrations.all()
            if registration.status == Registration.Status.REGISTERED
            and registration.starts_on <= today
        ]
        return max(ends, default=None)

    def save_service(self, request, obj, form, change):
        services.certificate_save(actor=request.user, certificate=obj)

    def delete_service(self, request, obj):
        services.certificate_delete(actor=request.user, certificate=obj)

    def save_formset(self, request, form, formset, change):
        for registration in formset.save(commit=False):
            services.registration_save(actor=request.user, registration=registration)
        for registration in formset.deleted_objects:
            services.registration_delete(actor=request.user, registration=registration)


# --- trainings -----------------------------------------------------------------------------------


class TrainingForm(ServiceValidatedForm, forms.ModelForm):
    service_validator = services.training_validate

    class Meta:
        model = Training
        fields = ["topic", "organiser", "held_on", "hours", "area"]


class AttendanceForm(ServiceValidatedForm, forms.ModelForm):
    service_validator = services.attendance_validate

    class Meta:
        model = TrainingAttendance
        fields = ["worker", "hours"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["hours"].required = False
        self.fields["hours"].help_text = _("Empty: the training's hours.")


class AttendanceInline(TalentScopeMixin, admin.TabularInline):
    model = TrainingAttendance
    form = AttendanceForm
    extra = 0
    autocomplete_fields = ["worker"]

    def get_queryset(self, request):
        # Only attendees the user reaches: a city training may have people from every county.
        return scope_to_actor(
            super().get_queryset(request).select_related("worker"),
            actor=request.user,
            area_field="worker__area",
        )


@admin.register(Training)
class TrainingAdmin(TalentScopeMixin, ScopedAdminMixin, admin.ModelAdmin):
    form = TrainingForm
    list_display = ["held_on", "topic", "organiser", "hours", "area"]
    list_filter = [WithinAreaListFilter]
    search_fields = ["topic", "organiser"]
    autocomplete_fields = ["area"]
    list_select_related = ["area"]
    date_hierarchy = "held_on"
    inlines = [AttendanceInline]

    def save_service(self, request, obj, form, change):
        services.training_save(actor=request.user, training=obj)

    def delete_service(self, request, obj):
        services.training_delete(actor=request.user, training=obj)

    def save_formset(self, request, form, formset, change):
        for attendance in formset.save(commit=False):
            services.attendance_save(actor=request.user, attendance=attendance)
        for attendance in formset.deleted_objects:
            services.attendance_delete(actor=request.user, attendance=attendance)


# --- exam entries --------------------------------------------------------------------------------


class ExamEntryForm(ServiceValidatedForm, forms.ModelForm):
    service_validator = services.exam_entry_validate

    class Meta:
        model = ExamEntry
        fields = ["worker", "year", "level", "passed"]


@admin.register(ExamEntry)
class ExamEntryAdmin(TalentScopeMixin, ScopedAdminMixin, admin.ModelAdmin):
    area_field = "worker__area"
    form = ExamEntryForm
    list_display = ["worker", "year", "level", "passed"]
    list_filter = [WorkerWithinAreaListFilter, "year", "level", "passed"]
    search_fields = ["worker__name"]
    autocomplete_fields = ["worker"]
    list_select_related = ["worker"]

    def save_service(self, request, obj, form, change):
        services.exam_entry_save(actor=request.user, entry=obj)

    def delete_service(self, request, obj):
        services.exam_entry_delete(actor=request.user, entry=obj)


# --- incentives ----------------------------------------------------------------------------------


@admin.register(IncentivePolicy)
class IncentivePolicyAdmin(TalentScopeMixin, ScopedAdminMixin, admin.ModelAdmin):
    list_display = [
        "name",
        "area",
        "kind",
        "assistant_amount",
        "intermediate_amount",
        "senior_amount",
    ]
    list_filter = [WithinAreaListFilter, "kind"]
    search_fields = ["name"]
    autocomplete_fields = ["area"]
    list_select_related = ["area"]

    def save_service(self, request, obj, form, change):
        services.policy_save(actor=request.user, policy=obj)

    def delete_service(self, request, obj):
        services.policy_delete(actor=request.user, policy=obj)


class GrantForm(ServiceValidatedForm, forms.ModelForm):
    service_validator = services.grant_validate

    class Meta:
        model = IncentiveGrant
        fields = ["policy", "worker", "level", "amount", "granted_on", "is_paid", "paid_on"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A view-only user's form has no editable fields at all.
        if "amount" in self.fields:
            self.fields["amount"].required = False
            self.fields["amount"].help_text = _("Empty: the policy's amount for the level.")
        if "granted_on" in self.fields:
            self.fields["granted_on"].required = False


@admin.register(IncentiveGrant)
class IncentiveGrantAdmin(TalentScopeMixin, ScopedAdminMixin, admin.ModelAdmin):
    area_field = worker_reach("worker__")
    form = GrantForm
    list_display = ["worker", "policy", "level", "amount", "granted_on", "is_paid"]
    list_filter = [WorkerWithinAreaListFilter, "policy__kind", "is_paid", "level"]
    search_fields = ["worker__name", "policy__name"]
    autocomplete_fields = ["worker"]
    list_select_related = ["worker", "policy"]

    def save_service(self, request, obj, form, change):
        services.grant_save(actor=request.user, grant=obj)

    def delete_service(self, request, obj):
        services.grant_delete(actor=request.user, grant=obj)
