from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import AutocompleteSelect
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from orgs.models import CommunityOrg
from stations.access import scope_to_actor
from stations.admin_base import (
    AreaListFilter,
    ExportXlsxMixin,
    ImportAdminMixin,
    ScopedAdminMixin,
    ServiceValidatedForm,
)
from stations.models import AdminArea, Station
from stations.privacy import (
    can_see_personal_data,
    mask_id_number,
    mask_phone,
    shown_id_number,
    shown_phone,
)
from talent.models import Worker
from volunteers import services
from volunteers.imports import (
    RECORD_OPTIONAL,
    RECORD_REQUIRED,
    VOLUNTEER_OPTIONAL,
    VOLUNTEER_REQUIRED,
    service_record_import,
    volunteer_import,
)
from volunteers.models import (
    Activity,
    IssuedProof,
    PointsEntry,
    PointsRule,
    ServicePoint,
    ServiceRecord,
    ServiceRecordCorrection,
    Skill,
    Team,
    TeamMembership,
    Volunteer,
)

Level = AdminArea.Level

# The path from each related model to its area, so that every picker offers only rows in reach.
RELATED_AREA_FIELDS = {
    Volunteer: "area",
    Team: "area",
    Activity: "area",
    Station: "area",
    CommunityOrg: "community",
    Worker: "area",
}


class ScopedRelatedPickersMixin:
    """Offers only rows in the user's reach in the pickers of this app's scoped models.

    Also for inlines: their form fields would otherwise accept any row's pk.
    """

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        area_field = RELATED_AREA_FIELDS.get(db_field.related_model)
        if area_field is not None:
            kwargs["queryset"] = scope_to_actor(
                db_field.related_model.objects.all(), actor=request.user, area_field=area_field
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class ScopedPickersMixin(ScopedRelatedPickersMixin, ScopedAdminMixin):
    pass


class SkillListFilter(admin.SimpleListFilter):
    """Volunteers (or rows of volunteers) with a skill."""

    title = _("skill")
    parameter_name = "skill"
    skills_field = "skills"

    def lookups(self, request, model_admin):
        return Skill.choices

    def queryset(self, request, queryset):
        if self.value() not in Skill.values:
            return queryset
        if connection.features.supports_json_field_contains:
            return queryset.filter(**{f"{self.skills_field}__contains": [self.value()]})
        # SQLite has no JSON containment: match the quoted value in the stored JSON text.
        return queryset.filter(**{f"{self.skills_field}__icontains": f'"{self.value()}"'})


class VolunteerSkillListFilter(SkillListFilter):
    skills_field = "volunteer__skills"


class ReadOnlyAdminMixin:
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# --- volunteers ----------------------------------------------------------------------------------


class VolunteerForm(ServiceValidatedForm, forms.ModelForm):
    service_validator = services.volunteer_validate
    skills = forms.MultipleChoiceField(
        label=_("skills"),
        choices=Skill.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
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


@admin.register(Volunteer)
class VolunteerAdmin(ImportAdminMixin, ExportXlsxMixin, ScopedPickersMixin, admin.ModelAdmin):
    form = VolunteerForm
    import_service = volunteer_import
    import_columns = [*VOLUNTEER_REQUIRED, *VOLUNTEER_OPTIONAL]
    export_filename = "volunteers"
    export_columns = [
        ("name", lambda v, actor: v.name),
        ("id_number", lambda v, actor: shown_id_number(v.id_number, actor=actor)),
        ("community", lambda v, actor: v.area.code),
        ("phone", lambda v, actor: shown_phone(v.phone, actor=actor)),
        ("skills", lambda v, actor: ",".join(v.skills)),
        ("national_number", lambda v, actor: v.national_number),
        ("joined_on", lambda v, actor: v.joined_on),
        ("active", lambda v, actor: "t" if v.is_active else "f"),
    ]
    list_display = [
        "name",
        "id_number",
        "phone",
        "area",
        "joined_on",
        "is_active",
        "points_balance",
    ]
    list_filter = [AreaListFilter, SkillListFilter, "is_active", "joined_on"]
    search_fields = ["name", "national_number"]
    list_select_related = ["area"]
    autocomplete_fields = ["area"]
    readonly_fields = ["points_balance"]

    def export_queryset(self, queryset):
        return queryset.select_related("area")

    def get_list_display(self, request):
        """Masked columns bound to this request's user (the admin instance is shared)."""
        full = can_see_personal_data(request.user)

        @admin.display(description=_("resident ID number"))
        def id_number(obj):
            return obj.id_number if full else mask_id_number(obj.id_number)

        @admin.display(description=_("phone"))
        def phone(obj):
            return obj.phone if full else mask_phone(obj.phone)

        columns = {"id_number": id_number, "phone": phone}
        return [columns.get(name, name) for name in self.list_display]

    def get_fields(self, request, obj=None):
        fields = list(super().get_fields(request, obj))
        if obj is not None and not can_see_personal_data(request.user):
            # Personal data stays hidden on the form too; the list shows it masked.
            fields = [f for f in fields if f not in ("id_number", "phone")]
        return fields

    def save_service(self, request, obj, form, change):
        services.volunteer_save(actor=request.user, volunteer=obj)

    def delete_service(self, request, obj):
        services.volunteer_delete(actor=request.user, volunteer=obj)


# --- teams and service points --------------------------------------------------------------------


class TeamMembershipInline(ScopedRelatedPickersMixin, admin.TabularInline):
    model = TeamMembership
    extra = 0
    fields = ["volunteer", "joined_on"]
    autocomplete_fields = ["volunteer"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("volunteer")


class TeamForm(ServiceValidatedForm, forms.ModelForm):
    service_validator = services.community_validate

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


class ServicePointForm(ServiceValidatedForm, forms.ModelForm):
    service_validator = services.community_validate

    class Meta:
        model = ServicePoint
        fields = ["name", "area", "facility", "opened_on", "is_active"]


class ActivityForm(ServiceValidatedForm, forms.ModelForm):
    service_validator = services.activity_validate

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


@admin.register(Team)
class TeamAdmin(ScopedPickersMixin, admin.ModelAdmin):
    form = TeamForm
    list_display = ["name", "area", "sponsor_kind", "sponsor_name", "leader", "is_active"]
    list_filter = [AreaListFilter, "sponsor_kind", "is_active"]
    search_fields = ["name", "sponsor_name"]
    list_select_related = ["area", "leader"]
    autocomplete_fields = ["area", "leader"]
    raw_id_fields = ["sponsor_org", "sponsor_station"]
    inlines = [TeamMembershipInline]

    def save_service(self, request, obj, form, change):
        services.team_save(actor=request.user, team=obj)

    def save_formset(self, request, form, formset, change):
        for membership in formset.save(commit=False):
            if membership.pk is None:
                services.team_member_add(
                    actor=request.user,
                    team=form.instance,
                    volunteer=membership.volunteer,
                    joined_on=membership.joined_on,
                )
            else:
                services.team_membership_change(actor=request.user, membership=membership)
        for membership in formset.deleted_objects:
            services.team_member_remove(
                actor=request.user, team=form.instance, volunteer=membership.volunteer
            )

    def delete_service(self, request, obj):
        services.team_delete(actor=request.user, team=obj)


@admin.register(ServicePoint)
class ServicePointAdmin(ScopedPickersMixin, admin.ModelAdmin):
    form = ServicePointForm
    list_display = ["name", "area", "facility", "opened_on", "is_active"]
    list_filter = [AreaListFilter, "is_active", "opened_on"]
    search_fields = ["name", "facility", "^area__code"]
    list_select_related = ["area"]
    autocomplete_fields = ["area"]

    def save_service(self, request, obj, form, change):
        services.service_point_save(actor=request.user, point=obj)

    def delete_service(self, request, obj):
        services.service_point_delete(actor=request.user, point=obj)


# --- activities and records ----------------------------------------------------------------------


@admin.register(Activity)
class ActivityAdmin(ScopedPickersMixin, admin.ModelAdmin):
    form = ActivityForm
    list_display = ["title", "starts_at", "area", "organiser_kind", "organiser_name"]
    list_filter = [AreaListFilter, "organiser_kind", "starts_at"]
    search_fields = ["title", "organiser_name", "place"]
    list_select_related = ["area"]
    autocomplete_fields = ["area", "organiser_team"]
    raw_id_fields = ["organiser_station", "organiser_org", "social_worker"]
    date_hierarchy = "starts_at"

    def save_service(self, request, obj, form, change):
        services.activity_save(actor=request.user, activity=obj)

    def delete_service(self, request, obj):
        services.activity_delete(actor=request.user, activity=obj)


class CorrectionInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = ServiceRecordCorrection
    extra = 0
    fields = ["kind", "old_hours", "new_hours", "reason", "changed_by", "changed_at"]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("changed_by")


class ServiceRecordForm(forms.ModelForm):
    class Meta:
        model = ServiceRecord
        fields = ["volunteer", "activity", "hours"]

    def clean_activity(self):
        activity = self.cleaned_data["activity"]
        if activity is not None and activity.starts_at > timezone.now():
            raise ValidationError(_("The activity has not taken place yet."))
        return activity


@admin.register(ServiceRecord)
class ServiceRecordAdmin(ImportAdminMixin, ScopedPickersMixin, admin.ModelAdmin):
    """Records are added here and verified in bulk; hours are corrected through the API (with a
    reason), so the change form is read-only."""

    area_field = "area"
    form = ServiceRecordForm
    import_service = service_record_import
    import_columns = [*RECORD_REQUIRED, *RECORD_OPTIONAL]
    list_display = ["volunteer", "activity", "hours", "is_verified", "recorded_by", "verified_at"]
    list_filter = [
        AreaListFilter,
        VolunteerSkillListFilter,
        "is_verified",
        "activity_starts_at",
    ]
    search_fields = ["volunteer__name", "activity__title"]
    list_select_related = ["volunteer", "activity", "recorded_by"]
    autocomplete_fields = ["volunteer", "activity"]
    inlines = [CorrectionInline]
    actions = ["verify_selected", "unverify_selected"]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return ["volunteer", "activity", "hours", "is_verified", "recorded_by", "verified_by"]

    def save_service(self, request, obj, form, change):
        if not change:
            services.record_create(actor=request.user, record=obj)

    def delete_service(self, request, obj):
        services.record_delete(actor=request.user, record=obj)

    def _each(self, request, queryset, service, **kwargs) -> None:
        done = failed = 0
        reasons: dict[str, None] = {}
        for record in queryset:
            try:
                service(actor=request.user, record=record, **kwargs)
            except ValidationError as error:
                failed += 1
                reasons.update(dict.fromkeys(error.messages))
            else:
                done += 1
        messages.info(
            request,
            _("%(done)d records changed, %(failed)d left as they were.")
            % {"done": done, "failed": failed},
        )
        # Why the others were left (once each), e.g. hours another organisation recorded.
        for reason in list(reasons)[:5]:
            messages.warning(request, reason)

    @admin.action(description=_("Verify the selected records"), permissions=["change"])
    def verify_selected(self, request, queryset):
        self._each(request, queryset, services.record_verify)

    @admin.action(
        description=_("Withdraw verification of the selected records"), permissions=["change"]
    )
    def unverify_selected(self, request, queryset):
        reason = _("Withdrawn in the administration by %(user)s") % {"user": request.user}
        self._each(request, queryset, services.record_unverify, reason=str(reason))


# --- points and proofs ---------------------------------------------------------------------------


@admin.register(PointsRule)
class PointsRuleAdmin(ScopedPickersMixin, admin.ModelAdmin):
    list_display = ["area", "points_per_hour"]
    list_select_related = ["area"]
    autocomplete_fields = ["area"]

    def save_service(self, request, obj, form, change):
        services.points_rule_save(actor=request.user, rule=obj)

    def delete_service(self, request, obj):
        services.points_rule_delete(actor=request.user, rule=obj)


@admin.register(PointsEntry)
class PointsEntryAdmin(ReadOnlyAdminMixin, ScopedAdminMixin, admin.ModelAdmin):
    area_field = "volunteer__area"
    list_display = ["volunteer", "kind", "amount", "balance_after", "reason", "created_at"]
    list_filter = [AreaListFilter, "kind", "created_at"]
    search_fields = ["volunteer__name", "reference"]
    list_select_related = ["volunteer"]


class ProofIssueForm(forms.Form):
    """Issue a proof: the volunteer, the period and the one organisation (team, station or
    community organisation) whose activities it counts. Every choice is scoped to the user."""

    volunteer = forms.ModelChoiceField(queryset=Volunteer.objects.none(), label=_("volunteer"))
    period_start = forms.DateField(label=_("period from"))
    period_end = forms.DateField(label=_("period to"))
    team = forms.ModelChoiceField(
        queryset=Team.objects.none(), required=False, label=_("issuing team")
    )
    station = forms.ModelChoiceField(
        queryset=Station.objects.none(), required=False, label=_("issuing station")
    )
    organisation = forms.ModelChoiceField(
        queryset=CommunityOrg.objects.none(),
        required=False,
        label=_("issuing community organisation"),
    )

    def __init__(self, *args, request, admin_site, **kwargs):
        super().__init__(*args, **kwargs)
        for name, model, area_field in (
            ("volunteer", Volunteer, "area"),
            ("team", Team, "area"),
            ("station", Station, "area"),
            ("organisation", CommunityOrg, "community"),
        ):
            field = self.fields[name]
            field.widget = AutocompleteSelect(
                IssuedProof._meta.get_field(name), admin_site, attrs={"style": "width: 24em"}
            )
            field.widget.is_required = field.required
            # Set after the widget, so that the widget's choices are the scoped queryset's.
            field.queryset = scope_to_actor(
                model.objects.all(), actor=request.user, area_field=area_field
            )
        self.fields["team"].help_text = _(
            "Name one issuer: the team, the station or the organisation that ran the activities; "
            "the proof counts only its activities."
        )


@admin.register(IssuedProof)
class IssuedProofAdmin(ReadOnlyAdminMixin, ScopedAdminMixin, admin.ModelAdmin):
    """Issued proofs: "Add" issues one through the service, each row downloads its PDF."""

    list_display = [
        "serial",
        "volunteer",
        "period_start",
        "period_end",
        "total_hours",
        "issuer_name",
        "issued_at",
        "download",
    ]
    list_filter = [AreaListFilter, "issued_at"]
    search_fields = ["=serial", "volunteer__name"]
    list_select_related = ["volunteer"]
    exclude = ["pdf"]
    readonly_fields = ["download"]

    def get_queryset(self, request):
        return super().get_queryset(request).defer("pdf")

    def has_add_permission(self, request, obj=None):
        # Adding is issuing, through `proof_issue_view`; the rows themselves never change.
        opts = self.opts
        return request.user.has_perm(f"{opts.app_label}.add_{opts.model_name}")

    def get_urls(self):
        opts = self.opts
        return [
            path(
                "<int:object_id>/pdf/",
                self.admin_site.admin_view(self.pdf_view),
                name=f"{opts.app_label}_{opts.model_name}_pdf",
            ),
            *super().get_urls(),
        ]

    @admin.display(description=_("PDF"))
    def download(self, obj):
        if obj is None or obj.pk is None:
            return "-"
        url = reverse("admin:volunteers_issuedproof_pdf", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, _("Download"))

    def pdf_view(self, request, object_id):
        """The PDF exactly as issued; a proof outside the user's reach is not found."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        proof = self.get_object(request, str(object_id))
        data = bytes(IssuedProof.objects.values_list("pdf", flat=True).get(pk=proof.pk))
        response = HttpResponse(data, content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="proof-{proof.serial}.pdf"'
        return response

    def add_view(self, request, form_url="", extra_context=None):
        """Issues a proof through `services.proof_issue`; its errors show on the form."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = ProofIssueForm(request.POST or None, request=request, admin_site=self.admin_site)
        if request.method == "POST" and form.is_valid():
            try:
                proof = services.proof_issue(actor=request.user, **form.cleaned_data)
            except ValidationError as error:
                _add_service_errors(form, error)
            else:
                self.message_user(
                    request,
                    _("Proof %(serial)s issued: %(hours)s verified hours in %(count)d activities.")
                    % {
                        "serial": proof.serial,
                        "hours": proof.total_hours,
                        "count": proof.activity_count,
                    },
                    messages.SUCCESS,
                )
                return redirect("admin:volunteers_issuedproof_change", proof.pk)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "form": form,
            "media": self.media + form.media,
            "title": _("Issue a proof of volunteer service"),
        }
        return TemplateResponse(request, "admin/volunteers/issue_proof.html", context)


def _add_service_errors(form: forms.Form, error: ValidationError) -> None:
    """A service's errors on the form: on their field when the form has it, else on top."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, errors in error.error_dict.items():
        form.add_error(field if field in form.fields else None, errors)
