"""Admin pages of the service network: stations, six-haves inspections with evidence, staff
assignments, the service ledger and the rules. Every page is scoped, and every write goes through
`stations.station_services`."""

import datetime

from django import forms
from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from projects.models import Contractor
from stations import rules
from stations import station_services as services
from stations.access import scope_to_actor
from stations.admin_base import (
    AreaListFilter,
    ExportXlsxMixin,
    ImportAdminMixin,
    ScopedAdminMixin,
    ServiceValidatedForm,
)
from stations.models import (
    InspectionEvidence,
    ServiceLogEntry,
    StaffingRule,
    Station,
    StationAssignment,
    StationInspection,
    StationStatusChange,
    VulnerableGroup,
)
from stations.privacy import shown_id_number
from stations.station_imports import (
    ASSIGNMENT_OPTIONAL,
    ASSIGNMENT_REQUIRED,
    LEDGER_REQUIRED,
    STATION_OPTIONAL,
    STATION_REQUIRED,
    assignment_import,
    ledger_import,
    ledger_optional_columns,
    station_import,
)
from stations.station_selectors import (
    ALL_ITEMS_MASK,
    filter_six_haves,
    passed_mask_expression,
    six_haves_result,
    with_latest_inspection,
)
from talent.models import WORKER_REACH, Worker

Item = StationInspection.Item
ITEM_LABELS = dict(Item.choices)


class ScopedRelationsMixin:
    """Offers only rows in the user's reach in the pickers of stations, workers and contractors.
    A worker is in reach when kept or linked in the user's subtree (WORKER_REACH)."""

    scoped_relations = {Station: "area", Worker: WORKER_REACH}

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        area_field = self.scoped_relations.get(db_field.related_model)
        if db_field.related_model is Contractor:
            kwargs["queryset"] = services.contractors_within_reach(actor=request.user)
        elif area_field is not None:
            kwargs["queryset"] = scope_to_actor(
                db_field.related_model.objects.all(), actor=request.user, area_field=area_field
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class SixHavesFilter(admin.SimpleListFilter):
    title = _("six haves")
    parameter_name = "six_haves"

    def lookups(self, request, model_admin):
        return [
            ("met", _("Meets the six haves")),
            ("failing", _("Fails an item")),
            ("uninspected", _("Never inspected")),
        ]

    def queryset(self, request, queryset):
        return filter_six_haves(queryset, self.value()) if self.value() else queryset


def six_haves_text(result) -> str:
    if result.meets_standard is None:
        return str(_("not inspected"))
    if result.meets_standard:
        return str(_("met (%(date)s)") % {"date": result.inspected_on.isoformat()})
    return str(
        _("failing: %(items)s (%(date)s)")
        % {
            "items": ", ".join(str(ITEM_LABELS[item]) for item in result.failing_items),
            "date": result.inspected_on.isoformat(),
        }
    )


def staffing_text(check, *, brief: bool = False) -> str:
    """ "passes" or the failing conditions (with the people, unless brief); "n/a" off-rule."""
    if not check.applies:
        return str(_("n/a (%(count)d resident)") % {"count": len(check.resident_staff)})
    if check.passed:
        return str(_("passes (%(count)d resident)") % {"count": len(check.resident_staff)})
    if brief:
        return str(
            _("fails: %(codes)s") % {"codes": ", ".join(failure.code for failure in check.failures)}
        )
    return " ".join(failure.message for failure in check.failures)


def ledger_text(figures, *, brief: bool = False) -> str:
    """The year's three figures against their thresholds."""
    hours = figures.hours_per_resident_week
    parts = [
        _("%(hours)s h/resident-week (≥ %(minimum)s)")
        % {
            "hours": "-" if hours is None else hours,
            "minimum": figures.rule.min_community_hours_per_week,
        },
        _("%(cases)d cases (≥ %(minimum)d)")
        % {"cases": figures.cases, "minimum": figures.rule.min_service_cases},
        _("%(hours)s h supervision (≥ %(minimum)s)")
        % {"hours": figures.supervision_hours, "minimum": figures.rule.min_supervision_hours},
    ]
    verdict = _("meets") if figures.passed else _("short")
    if not figures.applies:
        verdict = _("n/a")
    if brief:
        return f"{verdict}: " + "; ".join(str(part) for part in parts)
    return f"{figures.year} {verdict}: " + "; ".join(str(part) for part in parts)


def worker_hours_text(figure) -> str:
    """One resident worker's weekly hours in communities against the rule."""
    hours = figure.hours_per_week
    return str(
        _(
            "%(name)s: %(hours)s h/week in communities over %(weeks)s weeks on post (≥ %(minimum)s): %(verdict)s"
        )
        % {
            "name": figure.name,
            "hours": "-" if hours is None else hours,
            "weeks": figure.resident_weeks.quantize(rules.TWO_PLACES),
            "minimum": figure.minimum,
            "verdict": _("meets") if figure.met else _("short"),
        }
    )


class RuleResultFilter(admin.SimpleListFilter):
    """Township stations that pass or fail a rule computed in Python (staffing, ledger).

    Cost: the rule's few queries over every station of the (already filtered) list, then one
    `pk IN (…)`; fine for a city's few hundred stations.
    """

    def lookups(self, request, model_admin):
        return [("passes", _("passes")), ("fails", _("fails"))]

    def results(self, stations) -> dict:
        raise NotImplementedError

    def queryset(self, request, queryset):
        if self.value() not in ("passes", "fails"):
            return queryset
        stations = list(
            queryset.filter(kind__in=rules.RULE_KINDS)
            .select_related("area")
            .only("pk", "kind", "area__path", "area__code")
        )
        wanted = self.value() == "passes"
        keep = [pk for pk, result in self.results(stations).items() if result.passed == wanted]
        return queryset.filter(pk__in=keep)


class StaffingResultFilter(RuleResultFilter):
    title = _("staffing today")
    parameter_name = "staffing"

    def results(self, stations) -> dict:
        return rules.staffing_checks(stations)


def ledger_years(request) -> list[int]:
    """The years with ledger entries in the user's reach, latest first.

    Cost: one query, kept on the request (the year filter, the rule filter and the column share it).
    """
    years = getattr(request, "_ledger_years", None)
    if years is None:
        entries = scope_to_actor(ServiceLogEntry.objects.all(), actor=request.user)
        years = sorted({day.year for day in entries.dates("served_on", "year")}, reverse=True)
        request._ledger_years = years
    return years


def ledger_year(request) -> int:
    """The year the station list judges the ledger by: `?year=`, else the latest year with
    entries, else this year. A year that is not one is an incorrect lookup (the admin then
    answers with its error page)."""
    value = request.GET.get(LedgerYearFilter.parameter_name, "")
    if value:
        try:
            return datetime.date(int(value), 1, 1).year
        except ValueError as error:
            raise IncorrectLookupParameters(error) from error
    years = ledger_years(request)
    return years[0] if years else timezone.localdate().year


class LedgerYearFilter(admin.SimpleListFilter):
    """Chooses the year of the ledger column and of `LedgerResultFilter`; it keeps every row.

    Without a choice the latest year with entries is chosen, so that a ledger kept for a past
    year (the demo's 2025) is judged by that year rather than by an empty current one.
    """

    title = _("ledger year")
    parameter_name = "year"

    def lookups(self, request, model_admin):
        return [(str(year), str(year)) for year in ledger_years(request)]

    def queryset(self, request, queryset):
        ledger_year(request)
        return queryset

    def choices(self, changelist):
        chosen = self.value() or (self.lookup_choices[0][0] if self.lookup_choices else None)
        for value, label in self.lookup_choices:
            yield {
                "selected": value == chosen,
                "query_string": changelist.get_query_string({self.parameter_name: value}),
                "display": label,
            }


class LedgerResultFilter(RuleResultFilter):
    title = _("ledger of the chosen year")
    parameter_name = "ledger"

    def queryset(self, request, queryset):
        self.year = ledger_year(request)
        return super().queryset(request, queryset)

    def results(self, stations) -> dict:
        return rules.ledger_figures(stations, year=self.year)


# --- stations ------------------------------------------------------------------------------------


class StationForm(ServiceValidatedForm, forms.ModelForm):
    service_validator = services.station_validate

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
        help_texts = {
            "status_since": _("When you change the status, give the date of the change here."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is None and "status_since" in self.fields:
            self.fields["status_since"].initial = timezone.localdate()

    def _get_validation_exclusions(self):
        # The form's own constraint check would say "one per area" in general terms; the
        # service's validation (run next) says it naming the area and the other body.
        return {*super()._get_validation_exclusions(), "area"}


class StatusChangeInline(admin.TabularInline):
    model = StationStatusChange
    extra = 0
    can_delete = False
    fields = ["changed_on", "from_status", "to_status", "note", "recorded_by"]
    readonly_fields = fields
    ordering = ["-changed_on", "-pk"]
    verbose_name_plural = _("status history")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("recorded_by")


def _export_station_columns():
    def choice(name):
        return lambda station, actor: getattr(station, name)

    def text(name):
        return lambda station, actor: (
            "" if getattr(station, name) is None else str(getattr(station, name))
        )

    return [
        ("id", lambda station, actor: station.pk),
        ("area", lambda station, actor: station.area.code),
        ("kind", choice("kind")),
        ("name", text("name")),
        ("signboard_name", text("signboard_name")),
        ("address", text("address")),
        ("longitude", text("longitude")),
        ("latitude", text("latitude")),
        ("host_facility", choice("host_facility")),
        ("phone", text("phone")),
        ("opened_on", text("opened_on")),
        ("status", choice("status")),
        ("status_since", text("status_since")),
        ("operator", choice("operator")),
        (
            "contractor",
            lambda station, actor: station.contractor.credit_code if station.contractor else "",
        ),
    ]


@admin.register(Station)
class StationAdmin(
    ImportAdminMixin, ExportXlsxMixin, ScopedRelationsMixin, ScopedAdminMixin, admin.ModelAdmin
):
    form = StationForm
    import_service = station_import
    import_columns = [*STATION_REQUIRED, *STATION_OPTIONAL]
    # The import's columns, so that an export can be edited and imported again.
    export_filename = "stations"
    export_columns = _export_station_columns()
    list_display = [
        "__str__",
        "kind",
        "area",
        "status",
        "status_since",
        "operator",
        "contractor",
        "six_haves",
        "staffing",
        "ledger",
    ]
    list_filter = [
        AreaListFilter,
        "kind",
        "status",
        "operator",
        "host_facility",
        SixHavesFilter,
        StaffingResultFilter,
        LedgerYearFilter,
        LedgerResultFilter,
    ]
    search_fields = ["name", "signboard_name", "^area__code", "area__name"]
    # Contractors in a plain select: the autocomplete would offer only those of the subtree.
    autocomplete_fields = ["area"]
    list_select_related = ["area", "contractor"]
    readonly_fields = [
        "signboard_name",
        "six_haves_detail",
        "staffing_detail",
        "ledger_detail",
        "worker_hours_detail",
        "created_at",
        "updated_at",
    ]
    inlines = [StatusChangeInline]
    fieldsets = [
        (None, {"fields": ["kind", "area", "name", "signboard_name"]}),
        (
            _("Premises"),
            {"fields": ["address", "longitude", "latitude", "host_facility", "phone"]},
        ),
        (_("Life cycle"), {"fields": ["opened_on", "status", "status_since"]}),
        (_("Run by"), {"fields": ["operator", "contractor"]}),
        (
            _("Rule results"),
            {
                "fields": [
                    "six_haves_detail",
                    "staffing_detail",
                    "ledger_detail",
                    "worker_hours_detail",
                ]
            },
        ),
        (_("Record"), {"fields": ["created_at", "updated_at"]}),
    ]

    def get_queryset(self, request):
        return with_latest_inspection(super().get_queryset(request))

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None:
            fields += ["kind", "area"]
        return fields

    def export_queryset(self, queryset):
        return queryset.select_related("area", "contractor")

    @admin.display(description=_("six haves"), ordering="latest_inspection_mask")
    def six_haves(self, obj):
        return six_haves_text(six_haves_result(obj))

    @admin.display(description=_("six haves"))
    def six_haves_detail(self, obj):
        if obj is None or obj.pk is None:
            return "-"
        return six_haves_text(six_haves_result(obj))

    def get_changelist_instance(self, request):
        """Computes the staffing checks and ledger figures of the page's stations at once."""
        changelist = super().get_changelist_instance(request)
        stations = list(changelist.result_list)
        checks, figures = rules.rule_results(stations, year=ledger_year(request))
        for station in stations:
            station.staffing_check = checks[station.pk]
            station.ledger_figures = figures[station.pk]
        return changelist

    @admin.display(description=_("staffing"))
    def staffing(self, obj):
        check = getattr(obj, "staffing_check", None)
        return staffing_text(check, brief=True) if check else "-"

    @admin.display(description=_("ledger of the chosen year"))
    def ledger(self, obj):
        figures = getattr(obj, "ledger_figures", None)
        return ledger_text(figures, brief=True) if figures else "-"

    def _results(self, obj):
        if not hasattr(obj, "staffing_check"):
            # The change page has no year filter: the station's latest year with entries.
            latest = obj.service_log_entries.dates("served_on", "year").last()
            checks, figures = rules.rule_results([obj], year=latest.year if latest else None)
            obj.staffing_check, obj.ledger_figures = checks[obj.pk], figures[obj.pk]
        return obj.staffing_check, obj.ledger_figures

    @admin.display(description=_("staffing today"))
    def staffing_detail(self, obj):
        if obj is None or obj.pk is None:
            return "-"
        return staffing_text(self._results(obj)[0])

    @admin.display(description=_("ledger of the latest year"))
    def ledger_detail(self, obj):
        if obj is None or obj.pk is None:
            return "-"
        return ledger_text(self._results(obj)[1])

    @admin.display(description=_("hours in communities per resident worker (latest year)"))
    def worker_hours_detail(self, obj):
        if obj is None or obj.pk is None:
            return "-"
        year = self._results(obj)[1].year
        figures = rules.worker_hours([obj], year=year)[obj.pk]
        if not figures:
            return _("No resident staff in %(year)d.") % {"year": year}
        return format_html_join(
            mark_safe("<br>"), "{}", ((worker_hours_text(figure),) for figure in figures)
        )

    def save_service(self, request, obj, form, change):
        services.station_save(actor=request.user, station=obj)

    def delete_service(self, request, obj):
        services.station_delete(actor=request.user, station=obj)


# --- six-haves inspections -----------------------------------------------------------------------


class InspectionForm(ServiceValidatedForm, forms.ModelForm):
    service_validator = services.inspection_validate

    class Meta:
        model = StationInspection
        fields = [
            "station",
            "inspected_on",
            "inspector",
            *[name for item in Item.values for name in (f"{item}_passed", f"{item}_note")],
            "note",
        ]

    def validate_unique(self):
        # Checked by the service's full_clean, with the constraint's own message.
        pass


class EvidenceInline(admin.TabularInline):
    """The files on record: read-only (a file is replaced by deleting it and adding another)."""

    model = InspectionEvidence
    extra = 0
    fields = ["item", "download", "content_type", "size", "description", "uploaded_at"]
    readonly_fields = fields
    verbose_name_plural = _("evidence on record")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=_("file"))
    def download(self, obj):
        url = reverse(
            "station-inspection-evidence-file",
            kwargs={"pk": obj.inspection_id, "evidence_id": obj.pk},
        )
        return format_html('<a href="{}">{}</a>', url, obj.original_name)


class EvidenceUploadInline(admin.TabularInline):
    """Adds new evidence files; the file's type is checked by its content."""

    model = InspectionEvidence
    extra = 1
    fields = ["item", "file", "description"]
    verbose_name = _("new evidence file")
    verbose_name_plural = _("add evidence files")
    can_delete = False

    def get_queryset(self, request):
        return super().get_queryset(request).none()


class InspectionResultFilter(admin.SimpleListFilter):
    title = _("result")
    parameter_name = "result"

    def lookups(self, request, model_admin):
        return [("met", _("Meets the six haves")), ("failing", _("Fails an item"))]

    def queryset(self, request, queryset):
        if self.value() not in ("met", "failing"):
            return queryset
        queryset = queryset.annotate(passed_mask=passed_mask_expression())
        if self.value() == "met":
            return queryset.filter(passed_mask=ALL_ITEMS_MASK)
        return queryset.filter(~Q(passed_mask=ALL_ITEMS_MASK))


@admin.register(StationInspection)
class StationInspectionAdmin(ScopedRelationsMixin, ScopedAdminMixin, admin.ModelAdmin):
    form = InspectionForm
    list_display = ["station", "area", "inspected_on", "inspector", "result"]
    list_filter = [AreaListFilter, "station__kind", "station__status", InspectionResultFilter]
    date_hierarchy = "inspected_on"
    search_fields = ["station__name", "station__signboard_name", "^area__code"]
    autocomplete_fields = ["station"]
    list_select_related = ["station", "area"]
    inlines = [EvidenceInline, EvidenceUploadInline]
    fieldsets = [
        (None, {"fields": ["station", "inspected_on", "inspector"]}),
        *[
            (ITEM_LABELS[item], {"fields": [(f"{item}_passed", f"{item}_note")]})
            for item in Item.values
        ],
        (_("Overall"), {"fields": ["note"]}),
    ]

    @admin.display(description=_("result"))
    def result(self, obj):
        failing = obj.failing_items()
        if not failing:
            return _("met")
        return _("failing: %(items)s") % {
            "items": ", ".join(str(ITEM_LABELS[item]) for item in failing)
        }

    def get_readonly_fields(self, request, obj=None):
        return ["station"] if obj is not None else []

    def save_service(self, request, obj, form, change):
        services.inspection_save(actor=request.user, inspection=obj)

    def delete_service(self, request, obj):
        services.inspection_delete(actor=request.user, inspection=obj)

    def save_formset(self, request, form, formset, change):
        if formset.model is not InspectionEvidence:
            return super().save_formset(request, form, formset, change)
        for evidence in formset.save(commit=False):
            if evidence.pk is None:
                services.evidence_add(actor=request.user, evidence=evidence)
        for evidence in formset.deleted_objects:
            services.evidence_delete(actor=request.user, evidence=evidence)
        return None


# --- rules ---------------------------------------------------------------------------------------


class RuleForm(ServiceValidatedForm, forms.ModelForm):
    service_validator = services.rule_validate

    class Meta:
        model = StaffingRule
        fields = [
            "area",
            "min_resident_staff",
            "max_age",
            "min_education",
            "qualification",
            "qualified_numerator",
            "qualified_denominator",
            "min_community_hours_per_week",
            "min_service_cases",
            "min_supervision_hours",
            "note",
        ]

    def validate_unique(self):
        pass  # the service's full_clean says it with the constraint's message


@admin.register(StaffingRule)
class StaffingRuleAdmin(ScopedAdminMixin, admin.ModelAdmin):
    form = RuleForm
    list_display = [
        "area",
        "min_resident_staff",
        "max_age",
        "min_education",
        "qualification",
        "share",
        "min_community_hours_per_week",
        "min_service_cases",
        "min_supervision_hours",
    ]
    list_select_related = ["area"]
    search_fields = ["^area__code", "area__name"]
    autocomplete_fields = ["area"]
    fieldsets = [
        (None, {"fields": ["area", "note"]}),
        (
            _("Staffing (Jinan)"),
            {
                "fields": [
                    "min_resident_staff",
                    "max_age",
                    "min_education",
                    "qualification",
                    ("qualified_numerator", "qualified_denominator"),
                ]
            },
        ),
        (
            _("Yearly service figures (Jinan, Beijing)"),
            {
                "fields": [
                    "min_community_hours_per_week",
                    "min_service_cases",
                    "min_supervision_hours",
                ]
            },
        ),
    ]

    @admin.display(description=_("qualified share"))
    def share(self, obj):
        return f"{obj.qualified_numerator}/{obj.qualified_denominator}"

    def save_service(self, request, obj, form, change):
        services.rule_save(actor=request.user, rule=obj)

    def delete_service(self, request, obj):
        services.rule_delete(actor=request.user, rule=obj)


# --- staff assignments ---------------------------------------------------------------------------


class AssignmentForm(ServiceValidatedForm, forms.ModelForm):
    service_validator = services.assignment_validate

    class Meta:
        model = StationAssignment
        fields = ["station", "worker", "role", "starts_on", "ends_on", "note"]


class RunningFilter(admin.SimpleListFilter):
    title = _("running")
    parameter_name = "running"

    def lookups(self, request, model_admin):
        return [("yes", _("running today")), ("no", _("ended or not begun"))]

    def queryset(self, request, queryset):
        today = timezone.localdate()
        running = Q(starts_on__lte=today) & (Q(ends_on__isnull=True) | Q(ends_on__gte=today))
        if self.value() == "yes":
            return queryset.filter(running)
        if self.value() == "no":
            return queryset.exclude(running)
        return queryset


def _id_number_column(obj, actor) -> str:
    return shown_id_number(obj.worker.id_number, actor=actor)


def _date(value) -> str:
    return value.isoformat() if value else ""


@admin.register(StationAssignment)
class StationAssignmentAdmin(
    ImportAdminMixin, ExportXlsxMixin, ScopedRelationsMixin, ScopedAdminMixin, admin.ModelAdmin
):
    form = AssignmentForm
    import_service = assignment_import
    import_columns = [*ASSIGNMENT_REQUIRED, *ASSIGNMENT_OPTIONAL]
    export_filename = "station-staff"
    export_columns = [
        ("id", lambda obj, actor: obj.pk),
        ("station", lambda obj, actor: obj.station_id),
        ("station_name", lambda obj, actor: str(obj.station)),
        ("worker_id_number", _id_number_column),
        ("worker_name", lambda obj, actor: obj.worker.name),
        ("role", lambda obj, actor: obj.role),
        ("starts_on", lambda obj, actor: _date(obj.starts_on)),
        ("ends_on", lambda obj, actor: _date(obj.ends_on)),
        ("note", lambda obj, actor: obj.note),
    ]
    list_display = ["worker", "role", "station", "area", "starts_on", "ends_on"]
    list_filter = [AreaListFilter, "role", "station__kind", "station__status", RunningFilter]
    search_fields = ["worker__name", "station__name", "station__signboard_name"]
    autocomplete_fields = ["station", "worker"]
    list_select_related = ["station", "area", "worker"]
    date_hierarchy = "starts_on"

    def get_readonly_fields(self, request, obj=None):
        return ["station", "worker"] if obj is not None else []

    def export_queryset(self, queryset):
        return queryset.select_related("station", "worker")

    def save_service(self, request, obj, form, change):
        services.assignment_save(actor=request.user, assignment=obj)

    def delete_service(self, request, obj):
        services.assignment_delete(actor=request.user, assignment=obj)


# --- the service ledger --------------------------------------------------------------------------


class LogEntryForm(ServiceValidatedForm, forms.ModelForm):
    service_validator = services.log_entry_validate

    # The version the officer loaded. (Not named `version`: a model form cannot list the
    # model's non-editable field, and the admin lists every field of its form.)
    loaded_version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

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
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["loaded_version"].initial = self.instance.version

    def clean(self):
        cleaned_data = super().clean()
        loaded_version = cleaned_data.get("loaded_version")
        if self.instance.pk is not None and loaded_version is not None:
            # The admin saves in the transaction that validates the form, so the row stays
            # locked from this check to the save: a second officer's save waits here, then is
            # refused. Nothing is written on a refusal.
            try:
                services.log_entry_lock(entry_id=self.instance.pk, expected_version=loaded_version)
            except ValidationError:
                raise ValidationError(
                    services.log_entry_stale_message(), code="stale_version"
                ) from None
        return cleaned_data


def _people_column(group):
    return lambda obj, actor: obj.people_served.get(group, "")


@admin.register(ServiceLogEntry)
class ServiceLogEntryAdmin(
    ImportAdminMixin, ExportXlsxMixin, ScopedRelationsMixin, ScopedAdminMixin, admin.ModelAdmin
):
    form = LogEntryForm
    import_service = ledger_import
    import_columns = [*LEDGER_REQUIRED, *ledger_optional_columns()]
    export_filename = "service-ledger"
    export_columns = [
        ("id", lambda obj, actor: obj.pk),
        ("station", lambda obj, actor: obj.station_id),
        ("station_name", lambda obj, actor: str(obj.station)),
        ("worker_id_number", _id_number_column),
        ("worker_name", lambda obj, actor: obj.worker.name),
        ("served_on", lambda obj, actor: _date(obj.served_on)),
        ("kind", lambda obj, actor: obj.kind),
        ("hours", lambda obj, actor: float(obj.hours)),
        ("community", lambda obj, actor: obj.community.code if obj.community else ""),
        ("community_name", lambda obj, actor: obj.community.name if obj.community else ""),
        ("case_reference", lambda obj, actor: obj.case_reference),
        *[(group, _people_column(group)) for group in VulnerableGroup.values],
        ("volunteers", lambda obj, actor: obj.volunteers),
        ("note", lambda obj, actor: obj.note),
    ]
    list_display = [
        "served_on",
        "worker",
        "kind",
        "hours",
        "community",
        "station",
        "case_reference",
    ]
    list_filter = [AreaListFilter, "kind", "station__kind", "station__status"]
    search_fields = ["worker__name", "case_reference", "station__name", "^community__code"]
    autocomplete_fields = ["station", "worker", "community"]
    list_select_related = ["station", "worker", "community"]
    date_hierarchy = "served_on"
    readonly_fields = ["recorded_by", "created_at"]

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        return [*fields, "station"] if obj is not None else fields

    def export_queryset(self, queryset):
        return queryset.select_related("station", "worker", "community")

    def save_service(self, request, obj, form, change):
        services.log_entry_save(
            actor=request.user, entry=obj, expected_version=form.cleaned_data["loaded_version"]
        )

    def delete_service(self, request, obj):
        services.log_entry_delete(actor=request.user, entry=obj)
