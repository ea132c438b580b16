from django import forms
from django.contrib import admin, messages
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db.models import Count, Q, Sum
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from orgs import services
from orgs.exports import ORG_EXPORT_COLUMNS
from orgs.imports import OPTIONAL_COLUMNS, REQUIRED_COLUMNS, org_import
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
from stations.access import scope_to_actor
from stations.admin_base import (
    AreaListFilter,
    ExportXlsxMixin,
    ImportAdminMixin,
    ScopedAdminMixin,
    ServiceValidatedForm,
)
from stations.models import AdminArea
from stations.privacy import can_see_personal_data, mask_phone

Level = AdminArea.Level
# How each of this app's models reaches its area, for scoping the pickers that point at them.
AREA_FIELDS = {
    CommunityOrg: "community",
    IncubationCentre: "area",
    Federation: "township",
    Contest: "area",
}


class BrandListFilter(admin.SimpleListFilter):
    title = _("brand organisation")
    parameter_name = "brand"

    def lookups(self, request, model_admin):
        return [("yes", _("Yes")), ("no", _("No"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(brand_year__isnull=False)
        if self.value() == "no":
            return queryset.filter(brand_year__isnull=True)
        return queryset


class OrgsScopedAdminMixin(ScopedAdminMixin):
    """Also scopes the pickers that point at this app's own scoped models."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        area_field = AREA_FIELDS.get(db_field.related_model)
        if area_field is not None:
            kwargs["queryset"] = scope_to_actor(
                db_field.related_model.objects.all(), actor=request.user, area_field=area_field
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def run_service(self, request, service, **kwargs) -> bool:
        """Runs a workflow service for an admin action; reports a refusal as a message."""
        try:
            service(actor=request.user, **kwargs)
        except (ValidationError, PermissionDenied) as error:
            text = "; ".join(error.messages) if isinstance(error, ValidationError) else str(error)
            self.message_user(request, text, messages.ERROR)
            return False
        return True


class ServiceForm(ServiceValidatedForm):
    """ServiceValidatedForm whose service errors on fields the form lacks (read-only ones) show
    as errors of the whole form, named by the field, instead of failing the request."""

    def _update_errors(self, errors):
        if hasattr(errors, "error_dict"):
            remapped: dict[str, list] = {}
            for field, messages in errors.error_dict.items():
                if field in self.fields or field == NON_FIELD_ERRORS:
                    remapped.setdefault(field, []).extend(messages)
                    continue
                label = self._meta.model._meta.get_field(field).verbose_name
                remapped.setdefault(NON_FIELD_ERRORS, []).extend(
                    f"{label}: {message}" for message in ValidationError(messages).messages
                )
            errors = ValidationError(remapped)
        super()._update_errors(errors)


# Organisations ---------------------------------------------------------------------------------


class OrgForm(ServiceForm, forms.ModelForm):
    service_validator = services.org_validate

    class Meta:
        model = CommunityOrg
        fields = [
            "name",
            "org_type",
            "community",
            "served_groups",
            "founded_on",
            "leader",
            "contact_phone",
            "member_count",
            "status",
            "standing",
            "credit_code",
            "registration_authority",
            "registered_on",
            "filing_body",
            "filed_on",
            "party_organisation",
            "brand_year",
            "incubator",
            "federation",
        ]
        widgets = {"served_groups": forms.CheckboxSelectMultiple}


@admin.register(CommunityOrg)
class CommunityOrgAdmin(ImportAdminMixin, ExportXlsxMixin, OrgsScopedAdminMixin, admin.ModelAdmin):
    area_field = "community"
    form = OrgForm
    import_service = org_import
    import_columns = [*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS]
    export_columns = ORG_EXPORT_COLUMNS
    export_filename = _("community-organisations")
    list_display = [
        "name",
        "org_type",
        "community",
        "standing",
        "status",
        "party_organisation",
        "brand_year",
        "member_count",
        "phone",
    ]
    list_filter = [
        AreaListFilter,
        "org_type",
        "standing",
        "status",
        "party_organisation",
        BrandListFilter,
        "served_groups",
    ]
    search_fields = ["name", "^credit_code"]
    list_select_related = ["community"]
    autocomplete_fields = ["community", "filing_body", "federation", "incubator"]
    readonly_fields = ["updated_at"]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "name",
                    "org_type",
                    "community",
                    "served_groups",
                    "founded_on",
                    "leader",
                    "contact_phone",
                    "member_count",
                    "status",
                ]
            },
        ),
        (
            _("Standing"),
            {
                "fields": [
                    "standing",
                    "credit_code",
                    "registration_authority",
                    "registered_on",
                    "filing_body",
                    "filed_on",
                ]
            },
        ),
        (
            _("Party building, brand and platforms"),
            {"fields": ["party_organisation", "brand_year", "incubator", "federation"]},
        ),
        (_("Record"), {"fields": ["updated_at"]}),
    ]

    @admin.display(description=_("contact phone"))
    def phone(self, obj):
        # Always masked here: lists show no personal data; the change page shows the full number
        # to those who may see it (as the editable field).
        return mask_phone(obj.contact_phone)

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if can_see_personal_data(request.user):
            return fieldsets
        # Without the personal-data permission the phone is shown masked and cannot be edited.
        return [
            (
                title,
                {
                    **options,
                    "fields": [
                        "phone" if field == "contact_phone" else field
                        for field in options["fields"]
                    ],
                },
            )
            for title, options in fieldsets
        ]

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if not can_see_personal_data(request.user):
            fields.append("phone")
        return fields

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "served_groups":
            kwargs["widget"] = forms.CheckboxSelectMultiple
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def export_queryset(self, queryset):
        return queryset.select_related("community", "filing_body").prefetch_related("served_groups")

    def save_service(self, request, obj, form, change):
        services.org_save(
            actor=request.user, org=obj, served_groups=list(form.cleaned_data["served_groups"])
        )

    def delete_service(self, request, obj):
        services.org_delete(actor=request.user, org=obj)


# Support platforms -----------------------------------------------------------------------------


class FederationForm(ServiceForm, forms.ModelForm):
    service_validator = services.federation_validate

    class Meta:
        model = Federation
        fields = ["name", "township", "founded_on", "credit_code"]


class FederationMemberInline(admin.TabularInline):
    model = CommunityOrg
    fk_name = "federation"
    fields = ["name", "community", "org_type", "standing", "status"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True
    verbose_name = _("member organisation")
    verbose_name_plural = _("member organisations")

    def has_add_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("community")


@admin.register(Federation)
class FederationAdmin(OrgsScopedAdminMixin, admin.ModelAdmin):
    area_field = "township"
    form = FederationForm
    list_display = ["name", "township", "founded_on", "member_total"]
    list_filter = [AreaListFilter]
    search_fields = ["name", "township__name"]
    list_select_related = ["township"]
    autocomplete_fields = ["township"]
    inlines = [FederationMemberInline]

    def get_queryset(self, request):
        # An aggregate drops Meta.ordering; autocomplete pages need a stable order.
        return (
            super()
            .get_queryset(request)
            .annotate(member_total=Count("members"))
            .order_by("township__code")
        )

    @admin.display(description=_("members"), ordering="member_total")
    def member_total(self, obj):
        return obj.member_total

    def save_service(self, request, obj, form, change):
        services.federation_save(actor=request.user, federation=obj)

    def delete_service(self, request, obj):
        services.federation_delete(actor=request.user, federation=obj)


class IncubatorForm(ServiceForm, forms.ModelForm):
    service_validator = services.incubator_validate

    class Meta:
        model = IncubationCentre
        fields = ["name", "area", "operator", "opened_on", "address"]


@admin.register(IncubationCentre)
class IncubationCentreAdmin(OrgsScopedAdminMixin, admin.ModelAdmin):
    form = IncubatorForm
    list_display = ["name", "area", "operator", "opened_on", "incubated_total"]
    list_filter = [AreaListFilter]
    search_fields = ["name", "operator"]
    list_select_related = ["area"]
    autocomplete_fields = ["area"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(incubated_total=Count("incubated_orgs"))
            .order_by("area__code", "name")
        )

    @admin.display(description=_("organisations incubated"), ordering="incubated_total")
    def incubated_total(self, obj):
        return obj.incubated_total

    def save_service(self, request, obj, form, change):
        services.incubator_save(actor=request.user, incubator=obj)

    def delete_service(self, request, obj):
        services.incubator_delete(actor=request.user, incubator=obj)


class ObservationPointForm(ServiceForm, forms.ModelForm):
    service_validator = services.observation_point_validate

    class Meta:
        model = ObservationPoint
        fields = ["area", "designated_year", "focus"]


@admin.register(ObservationPoint)
class ObservationPointAdmin(OrgsScopedAdminMixin, admin.ModelAdmin):
    form = ObservationPointForm
    list_display = ["area", "designated_year", "focus"]
    list_filter = [AreaListFilter, "designated_year"]
    search_fields = ["area__name", "^area__code"]
    list_select_related = ["area"]
    autocomplete_fields = ["area"]

    def save_service(self, request, obj, form, change):
        services.observation_point_save(actor=request.user, point=obj)

    def delete_service(self, request, obj):
        services.observation_point_delete(actor=request.user, point=obj)


# Brand projects and evaluations ----------------------------------------------------------------


class BrandProjectForm(ServiceForm, forms.ModelForm):
    service_validator = services.brand_project_validate

    class Meta:
        model = BrandProject
        fields = ["organisation", "name", "year", "description"]


@admin.register(BrandProject)
class BrandProjectAdmin(OrgsScopedAdminMixin, admin.ModelAdmin):
    area_field = "organisation__community"
    form = BrandProjectForm
    list_display = ["name", "organisation", "year"]
    list_filter = [AreaListFilter, "year"]
    search_fields = ["name", "organisation__name"]
    list_select_related = ["organisation"]
    autocomplete_fields = ["organisation"]

    def save_service(self, request, obj, form, change):
        services.brand_project_save(actor=request.user, project=obj)

    def delete_service(self, request, obj):
        services.brand_project_delete(actor=request.user, project=obj)


class EvaluationForm(ServiceForm, forms.ModelForm):
    service_validator = services.evaluation_validate
    actor = None  # set by EvaluationAdmin.get_form

    class Meta:
        model = Evaluation
        fields = ["organisation", "year", "score", "remarks"]

    def _post_clean(self):
        super()._post_clean()
        if self.errors:
            return
        try:
            services.evaluation_assert_evaluator(self.instance, actor=self.actor)
        except ValidationError as error:
            self._update_errors(error)


@admin.register(Evaluation)
class EvaluationAdmin(OrgsScopedAdminMixin, admin.ModelAdmin):
    area_field = "organisation__community"
    form = EvaluationForm
    list_display = ["organisation", "year", "score", "evaluated_by"]
    list_filter = [AreaListFilter, "year"]
    search_fields = ["organisation__name"]
    list_select_related = ["organisation", "evaluated_by"]
    autocomplete_fields = ["organisation"]
    readonly_fields = ["evaluated_by"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        return type(form.__name__, (form,), {"actor": request.user})

    def save_service(self, request, obj, form, change):
        services.evaluation_save(actor=request.user, evaluation=obj)

    def delete_service(self, request, obj):
        services.evaluation_delete(actor=request.user, evaluation=obj)


# Contests --------------------------------------------------------------------------------------


class ContestForm(ServiceForm, forms.ModelForm):
    service_validator = services.contest_validate

    class Meta:
        model = Contest
        fields = ["name", "area", "year", "budget"]


class ApplicationInline(admin.TabularInline):
    model = ContestApplication
    fields = [
        "project_name",
        "organisation",
        "requested_amount",
        "score",
        "status",
        "funded_amount",
    ]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("organisation")


@admin.register(Contest)
class ContestAdmin(OrgsScopedAdminMixin, admin.ModelAdmin):
    form = ContestForm
    list_display = ["name", "area", "year", "budget", "funded_total", "remaining"]
    list_filter = [AreaListFilter, "year"]
    search_fields = ["name"]
    list_select_related = ["area"]
    autocomplete_fields = ["area"]
    inlines = [ApplicationInline]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                funded_total=Sum(
                    "applications__funded_amount",
                    filter=Q(applications__status=ContestApplication.Status.FUNDED),
                    default=0,
                )
            )
            .order_by("-year", "area__code")
        )

    @admin.display(description=_("funded (yuan)"))
    def funded_total(self, obj):
        return obj.funded_total

    @admin.display(description=_("left (yuan)"))
    def remaining(self, obj):
        return obj.budget - obj.funded_total

    def save_service(self, request, obj, form, change):
        services.contest_save(actor=request.user, contest=obj)

    def delete_service(self, request, obj):
        services.contest_delete(actor=request.user, contest=obj)


class ApplicationForm(ServiceForm, forms.ModelForm):
    service_validator = services.application_validate

    class Meta:
        model = ContestApplication
        fields = ["contest", "organisation", "project_name", "requested_amount", "score"]


@admin.register(ContestApplication)
class ContestApplicationAdmin(OrgsScopedAdminMixin, admin.ModelAdmin):
    area_field = "contest__area"
    form = ApplicationForm
    list_display = [
        "project_name",
        "organisation",
        "contest",
        "requested_amount",
        "score",
        "status",
        "funded_amount",
    ]
    list_filter = ["status", "contest__year", AreaListFilter]
    search_fields = ["project_name", "organisation__name"]
    list_select_related = ["organisation", "contest"]
    autocomplete_fields = ["contest", "organisation"]
    readonly_fields = ["status", "funded_amount", "decided_by", "decided_at"]
    actions = ["fund_requested", "reject"]

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None:
            fields += ["contest", "organisation"]
        return fields

    def has_change_permission(self, request, obj=None):
        # A decided application is a record: it can be viewed, not changed or withdrawn.
        undecided = obj is None or obj.status == ContestApplication.Status.SUBMITTED
        return undecided and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        undecided = obj is None or obj.status == ContestApplication.Status.SUBMITTED
        return undecided and super().has_delete_permission(request, obj)

    def delete_queryset(self, request, queryset):
        for application in queryset:
            self.run_service(request, services.application_delete, application=application)

    @admin.action(description=_("Fund the selected applications at the amount requested"))
    def fund_requested(self, request, queryset):
        funded = sum(
            self.run_service(
                request,
                services.application_fund,
                application=application,
                amount=application.requested_amount,
            )
            for application in queryset.order_by("-score", "pk")
        )
        self.message_user(request, gettext("%(count)d applications funded.") % {"count": funded})

    @admin.action(description=_("Reject the selected applications"))
    def reject(self, request, queryset):
        rejected = sum(
            self.run_service(request, services.application_reject, application=application)
            for application in queryset
        )
        self.message_user(
            request, gettext("%(count)d applications rejected.") % {"count": rejected}
        )

    def save_service(self, request, obj, form, change):
        services.application_save(actor=request.user, application=obj)

    def delete_service(self, request, obj):
        services.application_delete(actor=request.user, application=obj)


# Major-activity reports ------------------------------------------------------------------------


class ActivityReportForm(ServiceForm, forms.ModelForm):
    service_validator = services.activity_report_validate

    class Meta:
        model = ActivityReport
        fields = ["organisation", "kind", "title", "held_on", "place", "expected_participants"]


class ActivityReviewForm(forms.ModelForm):
    """The review of a filed report by its community or township."""

    decision = forms.ChoiceField(
        label=_("decision"),
        choices=[("acknowledge", _("Acknowledge")), ("object", _("Object"))],
        widget=forms.RadioSelect,
    )

    class Meta:
        model = ActivityReport
        fields = ["objection_reason"]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("decision") == "object" and not cleaned.get("objection_reason", "").strip():
            self.add_error("objection_reason", _("Give the reason for objecting."))
        return cleaned


@admin.register(ActivityReport)
class ActivityReportAdmin(OrgsScopedAdminMixin, admin.ModelAdmin):
    area_field = "organisation__community"
    list_display = [
        "title",
        "organisation",
        "kind",
        "held_on",
        "place",
        "expected_participants",
        "status",
        "reviewed_by",
    ]
    list_filter = ["status", "kind", AreaListFilter]
    search_fields = ["title", "organisation__name", "place"]
    list_select_related = ["organisation", "reviewed_by"]
    autocomplete_fields = ["organisation"]
    date_hierarchy = "held_on"
    actions = ["acknowledge"]
    review_fields = ["decision", "objection_reason"]
    report_fields = ["organisation", "kind", "title", "held_on", "place", "expected_participants"]
    record_fields = ["status", "filed_at", "reviewed_by", "reviewed_at"]

    def has_change_permission(self, request, obj=None):
        # A reviewed report is a record: it can be viewed, not changed.
        filed = obj is None or obj.status == ActivityReport.Status.FILED
        return filed and super().has_change_permission(request, obj)

    def _reviewing(self, request, obj) -> bool:
        """Whether the change page is the review of a filed report by its community or township."""
        if obj is None or obj.status != ActivityReport.Status.FILED:
            return False
        if request.user.is_superuser:
            return True
        community = obj.organisation.community
        own = request.user.admin_area
        return own is not None and own.code in (community.code, community.parent_id)

    def get_form(self, request, obj=None, change=False, **kwargs):
        if self._reviewing(request, obj):
            kwargs["form"] = ActivityReviewForm
            kwargs["fields"] = ["objection_reason"]
        else:
            kwargs["form"] = ActivityReportForm
        return super().get_form(request, obj, change, **kwargs)

    def get_fieldsets(self, request, obj=None):
        if self._reviewing(request, obj):
            return [
                (None, {"fields": self.report_fields}),
                (_("Review"), {"fields": self.review_fields}),
            ]
        if obj is None:
            return [(None, {"fields": self.report_fields})]
        return [(None, {"fields": [*self.report_fields, *self.record_fields, "objection_reason"]})]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        if self._reviewing(request, obj):
            return self.report_fields
        return [*self.record_fields, "objection_reason"]

    @admin.action(description=_("Acknowledge the selected reports"))
    def acknowledge(self, request, queryset):
        done = sum(
            self.run_service(request, services.activity_report_acknowledge, report=report)
            for report in queryset
        )
        self.message_user(request, gettext("%(count)d reports acknowledged.") % {"count": done})

    def save_service(self, request, obj, form, change):
        if isinstance(form, ActivityReviewForm):
            if form.cleaned_data["decision"] == "object":
                services.activity_report_object(
                    actor=request.user, report=obj, reason=form.cleaned_data["objection_reason"]
                )
            else:
                services.activity_report_acknowledge(actor=request.user, report=obj)
            return
        services.activity_report_file(actor=request.user, report=obj)

    def delete_service(self, request, obj):
        services.activity_report_delete(actor=request.user, report=obj)
