"""Admin building blocks shared by every app: area scoping, 404 for out-of-scope, cheap counts."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from stations.access import actor_root_path, scope_to_actor
from stations.audit import import_record
from stations.exports import xlsx_response
from stations.filters import filter_within
from stations.models import AdminArea
from stations.tabular import ImportRejected


class CappedCountPaginator(Paginator):
    """Counts at most `cap` rows, so that a page of a million-row table does not scan it all.

    The changelist then shows "10000+" pages' worth rather than the exact total.
    """

    cap = 10000

    @cached_property
    def count(self) -> int:
        # Unordered: a sliced count keeps ORDER BY, which would sort the whole table first.
        return self.object_list.order_by()[: self.cap + 1].count()


class ScopedAdminMixin:
    """Scopes a ModelAdmin to the user's subtree and answers 404 for anything outside it.

    `area_field` is the path from the model to its area (None for AdminArea itself). Foreign keys
    to areas only offer areas in scope. Writes go through `save_service`/`delete_service`.
    """

    area_field: str | None = "area"
    # Area autocompletes of this admin that offer one level only: {"townships": Level.TOWNSHIP}
    # (applied by the area admin's autocomplete; the form field's queryset enforces it on save).
    autocomplete_area_levels: dict[str, int] = {}
    paginator = CappedCountPaginator
    show_full_result_count = False
    # Facet counts run one COUNT per filter option over the whole table.
    show_facets = admin.ShowFacets.NEVER
    list_per_page = 50

    def get_queryset(self, request):
        return scope_to_actor(
            super().get_queryset(request), actor=request.user, area_field=self.area_field
        )

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            raise Http404
        return obj

    def _foreign_key_choices_in_scope(self, db_field, request):
        """The rows a foreign key may point at: the area subtree, or what the related model's
        own scoped admin shows the user (so a posted id outside it is an invalid choice)."""
        if db_field.related_model is AdminArea:
            return scope_to_actor(AdminArea.objects.all(), actor=request.user, area_field=None)
        related_admin = self.admin_site._registry.get(db_field.related_model)
        if isinstance(related_admin, ScopedAdminMixin):
            return related_admin.get_queryset(request)
        return None

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        choices = self._foreign_key_choices_in_scope(db_field, request)
        if choices is not None and "queryset" not in kwargs:
            kwargs["queryset"] = choices
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        choices = self._foreign_key_choices_in_scope(db_field, request)
        if choices is not None and "queryset" not in kwargs:
            kwargs["queryset"] = choices
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def save_service(self, request, obj, form, change):
        """Override to write through the app's service; the default saves the model."""
        obj.save()

    def delete_service(self, request, obj):
        obj.delete()

    def save_model(self, request, obj, form, change):
        self.save_service(request, obj, form, change)

    def delete_model(self, request, obj):
        self.delete_service(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_service(request, obj)


class ServiceValidatedForm:
    """A ModelForm mix-in that runs the service's validation, so errors show on the form."""

    service_validator = None

    def _post_clean(self):
        super()._post_clean()
        if self.service_validator is None or self.errors:
            return
        try:
            type(self).service_validator(self.instance)
        except ValidationError as error:
            self._update_errors(error)


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("File"), help_text=_("CSV (UTF-8 or GBK) or .xlsx, with a header row.")
    )


class ImportAdminMixin:
    """Adds an "Import" page to a changelist: upload, validate everything, write all or nothing.

    Set `import_service(source, *, actor, name) -> result` and `import_columns` (shown as the
    expected header). The service scopes every row to the actor and raises ImportRejected.
    """

    import_service = None
    import_columns: list[str] = []
    change_list_template = "admin/change_list_with_import.html"

    def get_urls(self):
        opts = self.model._meta
        return [
            path(
                "import/",
                self.admin_site.admin_view(self.import_view),
                name=f"{opts.app_label}_{opts.model_name}_import",
            ),
            *super().get_urls(),
        ]

    def has_import_permission(self, request) -> bool:
        return self.has_add_permission(request) and self.has_change_permission(request)

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "can_import": self.has_import_permission(request)}
        return super().changelist_view(request, extra_context)

    def import_result_message(self, result) -> str:
        return str(result)

    def import_view(self, request):
        if not self.has_import_permission(request):
            raise PermissionDenied
        opts = self.model._meta
        errors: list[str] = []
        form = ImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                with transaction.atomic():
                    result = type(self).import_service(upload, actor=request.user, name=upload.name)
                    import_record(
                        actor=request.user,
                        model=self.model,
                        name=upload.name,
                        result=result,
                        channel="admin",
                    )
            except ImportRejected as rejected:
                errors = rejected.messages(limit=500)
            else:
                messages.success(request, self.import_result_message(result))
                return redirect(f"admin:{opts.app_label}_{opts.model_name}_changelist")
        context = {
            **self.admin_site.each_context(request),
            "opts": opts,
            "form": form,
            "errors": errors,
            "columns": self.import_columns,
            "title": _("Import %(name)s") % {"name": opts.verbose_name_plural},
        }
        return TemplateResponse(request, "admin/import_form.html", context)


class ExportXlsxMixin:
    """Adds an "Export to Excel" action over the selected (already scoped) rows.

    `export_columns` is a list of (header, function of (obj, actor)) pairs; mask personal data there.
    """

    export_columns: list[tuple[str, object]] = []
    export_filename = "export"

    def get_actions(self, request):
        actions = super().get_actions(request)
        if self.export_columns and self.has_view_permission(request):
            action = type(self).export_xlsx
            actions["export_xlsx"] = (action, "export_xlsx", action.short_description)
        return actions

    def export_queryset(self, queryset):
        """Override to add select_related/prefetch_related for the export columns."""
        return queryset

    def export_xlsx(self, request, queryset):
        rows = (
            [column(obj, request.user) for _header, column in self.export_columns]
            for obj in self.export_queryset(queryset).iterator(chunk_size=2000)
        )
        headers = [str(header) for header, _column in self.export_columns]
        return xlsx_response(str(self.export_filename), headers, rows)

    export_xlsx.short_description = _("Export selected rows to Excel")


AREA_FILTER_CHOICES_CAP = 300


class AreaListFilter(admin.SimpleListFilter):
    """Rows within an area: the two levels below the user's own area (for a superuser, counties
    and townships), in tree order. One query for the choices, whatever the number of rows.

    The rows' area is the admin's `area_field` (set `area_field` on a subclass to follow another
    path, e.g. "worker__area"). A code outside the user's reach leaves nothing, since the list is
    already scoped.
    """

    title = _("area")
    parameter_name = "within"
    area_field: str | tuple[str, ...] | None = None

    def __init__(self, request, params, model, model_admin):
        self.rows_area_field = self.area_field or getattr(model_admin, "area_field", "area")
        super().__init__(request, params, model, model_admin)

    def lookups(self, request, model_admin):
        root = actor_root_path(request.user)
        if root is None:
            return []
        own_level = request.user.admin_area.level if root else AdminArea.Level.CITY
        levels = [
            level for level in (own_level + 1, own_level + 2) if level <= AdminArea.Level.COMMUNITY
        ]
        rows = (
            AdminArea.objects.filter(level__in=levels, path__startswith=root)
            .order_by("path")
            .values_list("code", "name", "level")
        )
        return [
            (code, f"— {name}" if len(levels) == 2 and level == levels[-1] else name)
            for code, name, level in rows[:AREA_FILTER_CHOICES_CAP]
        ]

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        path = AdminArea.objects.filter(code=self.value()).values_list("path", flat=True).first()
        if path is None:
            return queryset.none()
        return filter_within(queryset, path, self.rows_area_field)
