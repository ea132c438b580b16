from django import forms
from django.apps import apps
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from auditlog.admin import LogEntryAdmin
from auditlog.models import LogEntry

from stations import services
from stations.access import actor_root_path
from stations.admin_base import (
    CappedCountPaginator,
    ExportXlsxMixin,
    ImportAdminMixin,
    ScopedAdminMixin,
    ServiceValidatedForm,
)
from stations.imports import LEVEL_KEYS, OPTIONAL_COLUMNS, REQUIRED_COLUMNS, area_import
from stations.models import AdminArea, AreaPopulation, User
from stations.roles import Role

admin.site.site_header = _("Social-work stations platform")
admin.site.site_title = _("Social-work stations platform")
admin.site.index_title = _("Administration")


class AreaForm(ServiceValidatedForm, forms.ModelForm):
    service_validator = services.area_validate

    class Meta:
        model = AdminArea
        fields = [
            "code",
            "name",
            "level",
            "parent",
            "urban_rural",
            "urban_rural_code",
            "is_virtual",
            "is_placeholder",
            "longitude",
            "latitude",
        ]


class PopulationInline(admin.TabularInline):
    model = AreaPopulation
    extra = 0
    fields = ["year", "population", "source"]
    ordering = ["-year"]


@admin.register(AdminArea)
class AdminAreaAdmin(ImportAdminMixin, ExportXlsxMixin, ScopedAdminMixin, admin.ModelAdmin):
    area_field = None
    import_service = area_import
    import_columns = [*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS]
    # The same columns as the import, so that an export can be edited and imported again.
    export_filename = "areas"
    export_columns = [
        ("code", lambda area, actor: area.code),
        ("parent", lambda area, actor: area.parent_id or ""),
        ("name", lambda area, actor: area.name),
        ("level", lambda area, actor: LEVEL_KEYS[area.level]),
        ("ur_code", lambda area, actor: area.urban_rural_code),
        ("virtual", lambda area, actor: "t" if area.is_virtual else "f"),
        ("dummy", lambda area, actor: "t" if area.is_placeholder else "f"),
        ("longitude", lambda area, actor: str(area.longitude or "")),
        ("latitude", lambda area, actor: str(area.latitude or "")),
    ]
    form = AreaForm
    list_display = ["code", "name", "level", "parent", "urban_rural", "is_virtual"]
    list_filter = ["level", "urban_rural", "urban_rural_source", "is_virtual", "is_placeholder"]
    # "^code" is a prefix search, which the code index answers on the national tree.
    search_fields = ["^code", "name"]
    autocomplete_fields = ["parent"]
    list_select_related = ["parent"]
    readonly_fields = ["path", "urban_rural_source", "updated_at"]
    inlines = [PopulationInline]
    fieldsets = [
        (None, {"fields": ["code", "name", "level", "parent", "path"]}),
        (
            _("Urban or rural"),
            {"fields": ["urban_rural", "urban_rural_code", "urban_rural_source"]},
        ),
        (_("Other"), {"fields": ["is_virtual", "is_placeholder", "longitude", "latitude"]}),
    ]

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None:
            fields.append("code")
        return fields

    def get_search_results(self, request, queryset, search_term):
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        level = self._autocomplete_level(request)
        if level is not None:
            queryset = queryset.filter(level=level)
        return queryset, may_have_duplicates

    def _autocomplete_level(self, request) -> int | None:
        """The one level an autocomplete asks for (the source admin's `autocomplete_area_levels`)."""
        match = request.resolver_match
        if match is None or match.url_name != "autocomplete":
            return None
        try:
            source = apps.get_model(request.GET["app_label"], request.GET["model_name"])
        except (KeyError, LookupError, ValueError):
            return None
        source_admin = self.admin_site._registry.get(source)
        levels = getattr(source_admin, "autocomplete_area_levels", {})
        return levels.get(request.GET.get("field_name"))

    def save_service(self, request, obj, form, change):
        services.area_save(actor=request.user, area=obj)

    def save_formset(self, request, form, formset, change):
        for population in formset.save(commit=False):
            services.population_save(actor=request.user, population=population)
        for population in formset.deleted_objects:
            services.population_delete(actor=request.user, population=population)

    def delete_service(self, request, obj):
        services.area_delete(actor=request.user, area=obj)


@admin.register(AreaPopulation)
class AreaPopulationAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ["area", "year", "population", "source"]
    list_filter = ["year"]
    search_fields = ["^area__code", "area__name"]
    autocomplete_fields = ["area"]
    list_select_related = ["area"]

    def save_service(self, request, obj, form, change):
        services.population_save(actor=request.user, population=obj)

    def delete_service(self, request, obj):
        services.population_delete(actor=request.user, population=obj)


@admin.register(User)
class UserAdmin(ScopedAdminMixin, DjangoUserAdmin):
    area_field = "admin_area"
    list_display = ["username", "last_name", "first_name", "admin_area", "roles", "is_active"]
    list_filter = ["is_active", "is_staff", "groups"]
    list_select_related = ["admin_area"]
    autocomplete_fields = ["admin_area", "contractor"]
    search_fields = ["username", "first_name", "last_name", "email"]
    fieldsets = [
        (None, {"fields": ["username", "password"]}),
        (_("Personal info"), {"fields": ["last_name", "first_name", "email", "phone"]}),
        (
            _("Reach"),
            {"fields": ["admin_area", "contractor", "groups", "is_active", "is_staff"]},
        ),
        (_("Important dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    superuser_fieldsets = [
        (_("Superuser"), {"fields": ["is_superuser", "user_permissions"]}),
    ]
    add_fieldsets = [
        (
            None,
            {
                "classes": ["wide"],
                "fields": [
                    "username",
                    "password1",
                    "password2",
                    "admin_area",
                    "contractor",
                    "groups",
                ],
            },
        ),
    ]
    readonly_fields = ["last_login", "date_joined"]

    @admin.display(description=_("roles"))
    def roles(self, obj):
        labels = dict(Role.choices)
        return ", ".join(str(labels.get(group.name, group.name)) for group in obj.groups.all())

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("groups")

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is not None and request.user.is_superuser:
            return [*fieldsets, *self.superuser_fieldsets]
        return fieldsets

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "groups":
            kwargs["queryset"] = Group.objects.filter(name__in=Role.values)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        actor = request.user

        class ScopedUserForm(form):
            # The service's scope rules as form errors, so a refused account is never a 500.
            def _post_clean(self):
                super()._post_clean()
                if self.errors:
                    return
                try:
                    services.user_validate(actor=actor, user=self.instance, roles=self.roles())
                except ValidationError as error:
                    self._update_errors(error)

            def roles(self) -> list[str] | None:
                """The role names as posted (None when the form does not edit them)."""
                if "groups" not in self.fields:
                    return None
                return [group.name for group in self.cleaned_data.get("groups") or []]

        return ScopedUserForm

    def save_service(self, request, obj, form, change):
        services.user_save(actor=request.user, user=obj, roles=form.roles())


# The audit log: read-only, and scoped by the area path stored with each entry.
admin.site.unregister(LogEntry)


@admin.register(LogEntry)
class ScopedLogEntryAdmin(LogEntryAdmin):
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    paginator = CappedCountPaginator

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        root = actor_root_path(request.user)
        if root is None:
            return queryset.none()
        if root == "":
            return queryset
        return queryset.filter(additional_data__area_path__startswith=root)

    def get_object(self, request, object_id, from_field=None):
        # Out of scope is 404, as everywhere else, not the admin's "does not exist" redirect.
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            raise Http404
        return obj


import stations.station_admin  # noqa: E402, F401 (registers the service-network admin pages)
