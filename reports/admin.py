from django import forms
from django.contrib import admin, messages
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from reports.metric_defs import metric_by_key
from reports.models import (
    ComplianceRun,
    ComplianceSnapshot,
    ReportExport,
    Target,
    TargetThreshold,
)
from reports.services import compliance_run_request
from stations.admin_base import ScopedAdminMixin


class ThresholdInline(admin.TabularInline):
    """Thresholds are versions: new ones are added, old ones stay as they were."""

    model = TargetThreshold
    extra = 1
    fields = ["value", "valid_from", "created_by"]
    readonly_fields = ["created_by"]
    ordering = ["-valid_from"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        formset.form.base_fields["valid_from"].initial = timezone.now
        return formset


@admin.register(Target)
class TargetAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ["metric_name", "comparison", "current_threshold", "area", "level", "year"]
    list_filter = ["year", "metric", "preset", "is_active"]
    search_fields = ["metric", "source_document", "^area__code", "area__name"]
    autocomplete_fields = ["area"]
    list_select_related = ["area"]
    inlines = [ThresholdInline]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("thresholds")

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        # A list of the registered metrics instead of free text, so that a typo cannot be saved.
        if db_field.name == "metric":
            return forms.ChoiceField(
                label=db_field.verbose_name,
                choices=[
                    (key, f"{metric.name} ({key})") for key, metric in metric_by_key().items()
                ],
            )
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    @admin.display(description=_("metric"))
    def metric_name(self, obj):
        metric = metric_by_key().get(obj.metric)
        return f"{metric.name} ({obj.metric})" if metric else obj.metric

    @admin.display(description=_("threshold in force"))
    def current_threshold(self, obj):
        now = timezone.now()
        versions = sorted(obj.thresholds.all(), key=lambda v: v.valid_from, reverse=True)
        return next((v.value for v in versions if v.valid_from <= now), None)

    def save_formset(self, request, form, formset, change):
        for version in formset.save(commit=False):
            version.created_by = request.user
            version.full_clean()
            version.save()


@admin.register(ComplianceRun)
class ComplianceRunAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ["area", "year", "status", "progress_percent", "requested_at", "finished_at"]
    list_filter = ["status", "year"]
    autocomplete_fields = ["area"]
    list_select_related = ["area"]
    fields = ["area", "year"]
    readonly_fields = [
        "status",
        "parts_done",
        "parts_total",
        "requested_by",
        "requested_at",
        "started_at",
        "finished_at",
        "query_count",
        "error",
    ]

    @admin.display(description=_("progress"))
    def progress_percent(self, obj):
        return f"{obj.progress:.0%}"

    def get_fields(self, request, obj=None):
        return ["area", "year"] if obj is None else ["area", "year", *self.readonly_fields]

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else ["area", "year", *self.readonly_fields]

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def save_model(self, request, obj, form, change):
        run = compliance_run_request(actor=request.user, area=obj.area, year=obj.year)
        obj.pk = run.pk
        messages.info(request, _("The run was queued; its progress shows in this list."))


@admin.register(ComplianceSnapshot)
class ComplianceSnapshotAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ["area", "year", "computed_at", "is_current"]
    list_filter = ["year", "is_current"]
    list_select_related = ["area"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ReportExport)
class ReportExportAdmin(ScopedAdminMixin, admin.ModelAdmin):
    """The exports requested in the area, read-only: files are built by the background job and
    downloaded from the dashboard by whoever asked for them."""

    list_display = ["area", "year", "format", "status", "requested_by", "requested_at"]
    list_filter = ["status", "format", "year"]
    list_select_related = ["area", "requested_by"]
    fields = ["area", "year", "format", "status", "filename", "error", "requested_by"]
    readonly_fields = fields

    def get_queryset(self, request):
        # The file itself stays out of the list and the page.
        return super().get_queryset(request).defer("content")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
