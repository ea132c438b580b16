from decimal import Decimal

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Sum
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from projects import access, evaluations, exports, imports, selectors, services, workflow
from projects.models import (
    AnnualPlan,
    Contract,
    Contractor,
    ContractStatusChange,
    CountyProjectConfig,
    Evaluation,
    EvaluationIndicator,
    EvaluationScore,
    PaymentInstalment,
    Report,
    ReportTransition,
)
from projects.services import contractor_save
from stations.access import scope_to_actor
from stations.admin_base import ImportAdminMixin, ScopedAdminMixin
from stations.exports import xlsx_response
from stations.models import AdminArea, Station


class TemplateImportAdminMixin(ImportAdminMixin):
    """The stations' import page, plus a template to download: the header and an example row."""

    def get_urls(self):
        opts = self.model._meta
        return [
            path(
                "import/template/",
                self.admin_site.admin_view(self.import_template_view),
                name=f"{opts.app_label}_{opts.model_name}_import_template",
            ),
            *super().get_urls(),
        ]

    def import_template_view(self, request):
        if not self.has_import_permission(request):
            raise PermissionDenied
        columns, example = imports.TEMPLATES[self.model._meta.model_name]
        name = _("%(name)s import template") % {"name": self.model._meta.verbose_name_plural}
        return xlsx_response(str(name), columns, [example])

    def import_view(self, request):
        response = super().import_view(request)
        if isinstance(response, TemplateResponse):
            opts = self.model._meta
            response.template_name = "admin/projects/import_form.html"
            response.context_data["template_url"] = reverse(
                f"admin:{opts.app_label}_{opts.model_name}_import_template"
            )
        return response


@admin.register(Contractor)
class ContractorAdmin(TemplateImportAdminMixin, ScopedAdminMixin, admin.ModelAdmin):
    import_service = imports.contractor_import
    import_columns = imports.CONTRACTOR_REQUIRED + imports.CONTRACTOR_OPTIONAL
    list_display = ["name", "kind", "credit_code", "area", "contact_person"]
    list_filter = ["kind"]
    search_fields = ["name", "^credit_code"]
    autocomplete_fields = ["area"]
    list_select_related = ["area"]

    def save_service(self, request, obj, form, change):
        contractor_save(actor=request.user, contractor=obj)


@admin.register(CountyProjectConfig)
class CountyProjectConfigAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = [
        "area",
        "monthly_report_due_day",
        "township_reviewers",
        "grade_excellent_from",
        "grade_good_from",
        "grade_pass_from",
    ]
    list_select_related = ["area"]
    autocomplete_fields = ["area"]


@admin.register(AnnualPlan)
class AnnualPlanAdmin(TemplateImportAdminMixin, ScopedAdminMixin, admin.ModelAdmin):
    import_service = imports.plan_import
    import_columns = imports.PLAN_REQUIRED + imports.PLAN_OPTIONAL
    list_display = ["area", "year", "budget", "submitted_on", "days_late"]
    list_filter = ["year"]
    list_select_related = ["area"]
    search_fields = ["area__name", "^area__code"]
    autocomplete_fields = ["area"]
    actions = ["county_report_xlsx", "county_report_pdf"]

    @admin.display(description=_("days late"))
    def days_late(self, obj):
        return obj.days_late(timezone.localdate())

    def save_service(self, request, obj, form, change):
        services.plan_save(actor=request.user, plan=obj)

    def delete_service(self, request, obj):
        services.plan_delete(actor=request.user, plan=obj)

    def _county_report(self, request, queryset, kind):
        if queryset.count() != 1:
            self.message_user(request, _("Select exactly one plan."), messages.WARNING)
            return None
        return exports.county_report_response(actor=request.user, plan=queryset.get(), kind=kind)

    @admin.action(description=_("County report to the city (Excel)"))
    def county_report_xlsx(self, request, queryset):
        return self._county_report(request, queryset, "xlsx")

    @admin.action(description=_("County report to the city (PDF)"))
    def county_report_pdf(self, request, queryset):
        return self._county_report(request, queryset, "pdf")


class InstalmentFormSet(forms.BaseInlineFormSet):
    """The instalments must add up to the contract's price (checked before anything is saved)."""

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        amounts = [
            form.cleaned_data["amount"]
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]
        price = self.instance.price
        if amounts and price is not None and sum(amounts, Decimal(0)) != price:
            raise ValidationError(
                _("The instalments add up to %(total)s yuan, not the price of %(price)s yuan.")
                % {"total": sum(amounts, Decimal(0)), "price": price}
            )


class InstalmentInline(admin.TabularInline):
    model = PaymentInstalment
    formset = InstalmentFormSet
    extra = 1
    fields = ["due_date", "amount", "note"]


class StatusChangeInline(admin.TabularInline):
    model = ContractStatusChange
    extra = 0
    can_delete = False
    fields = ["from_status", "to_status", "effective_on", "reason", "actor", "recorded_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


class ContractForm(forms.ModelForm):
    class Meta:
        model = Contract
        fields = [
            "number",
            "title",
            "area",
            "townships",
            "stations",
            "contractor",
            "plan",
            "start_date",
            "end_date",
            "content",
            "quantities",
            "quality_standards",
            "price",
            "settlement_method",
        ]

    def _post_clean(self):
        super()._post_clean()
        if self.errors:
            return
        try:
            services.contract_validate(
                self.instance,
                townships=list(self.cleaned_data.get("townships") or []),
                station_ids=[station.pk for station in self.cleaned_data.get("stations") or []],
            )
        except ValidationError as error:
            self._update_errors(error)


class TerminateForm(forms.Form):
    effective_on = forms.DateField(label=_("Terminated on"), initial=timezone.localdate)
    reason = forms.CharField(
        label=_("Reason for termination"), widget=forms.Textarea(attrs={"rows": 3}), max_length=500
    )


@admin.register(Contract)
class ContractAdmin(TemplateImportAdminMixin, ScopedAdminMixin, admin.ModelAdmin):
    import_service = imports.contract_import
    import_columns = imports.CONTRACT_REQUIRED + imports.CONTRACT_OPTIONAL
    form = ContractForm
    list_display = [
        "number",
        "title",
        "area",
        "contractor",
        "start_date",
        "end_date",
        "status",
        "price",
        "staff_on_post",
    ]
    list_filter = ["status"]
    list_select_related = ["area", "contractor"]
    search_fields = ["number", "title", "contractor__name"]
    # Townships and stations number in the tens of thousands nationally: autocompletes, scoped by
    # the area and station admins; the townships one offers townships only.
    autocomplete_fields = ["area", "contractor", "townships", "stations"]
    autocomplete_area_levels = {"townships": AdminArea.Level.TOWNSHIP}
    readonly_fields = [
        "status",
        "status_reason",
        "signed_on",
        "activated_on",
        "terminated_on",
        "completed_on",
    ]
    inlines = [InstalmentInline, StatusChangeInline]
    actions = ["mark_signed", "mark_active", "mark_completed", "terminate"]

    def get_changelist_instance(self, request):
        changelist = super().get_changelist_instance(request)
        self._staff_flags = selectors.staff_on_post_flags(
            contracts=list(changelist.result_list), today=timezone.localdate()
        )
        return changelist

    @admin.display(description=_("staff on post"))
    def staff_on_post(self, obj):
        flag = getattr(self, "_staff_flags", {}).get(obj.pk)
        if flag is None:
            return "-"
        if flag["days_late"]:
            return format_html(
                '<span style="color:#b3261e">{}</span>',
                _("%(days)s days late") % {"days": flag["days_late"]},
            )
        return _("on post") if flag["on_post"] else _("waiting")

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "townships":
            kwargs["queryset"] = scope_to_actor(
                AdminArea.objects.filter(level=AdminArea.Level.TOWNSHIP),
                actor=request.user,
                area_field=None,
            )
        elif db_field.name == "stations":
            kwargs["queryset"] = scope_to_actor(
                Station.objects.select_related("area"), actor=request.user
            )
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        services.contract_save(
            actor=request.user,
            contract=obj,
            townships=list(form.cleaned_data.get("townships") or []),
            station_ids=[station.pk for station in form.cleaned_data.get("stations") or []],
        )

    def save_related(self, request, form, formsets, change):
        # The relations were written by the service; only the inlines remain.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def _transition(self, request, queryset, to_status, *, effective_on=None, reason=""):
        done = 0
        for contract in queryset:
            try:
                services.contract_transition(
                    actor=request.user,
                    contract=contract,
                    to_status=to_status,
                    effective_on=effective_on or timezone.localdate(),
                    reason=reason,
                )
                done += 1
            except ValidationError as error:
                self.message_user(
                    request, f"{contract.number}: {' '.join(error.messages)}", messages.ERROR
                )
        if done:
            self.message_user(request, _("%(count)s contracts changed.") % {"count": done})

    @admin.action(description=_("Mark as signed today"))
    def mark_signed(self, request, queryset):
        self._transition(request, queryset, Contract.Status.SIGNED)

    @admin.action(description=_("Mark as active today"))
    def mark_active(self, request, queryset):
        self._transition(request, queryset, Contract.Status.ACTIVE)

    @admin.action(description=_("Mark as completed today"))
    def mark_completed(self, request, queryset):
        self._transition(request, queryset, Contract.Status.COMPLETED)

    @admin.action(description=_("Terminate, giving the reason"))
    def terminate(self, request, queryset):
        """An intermediate page asks for the date and the reason, then terminates each contract."""
        form = TerminateForm(request.POST if "apply" in request.POST else None)
        if form.is_bound and form.is_valid():
            self._transition(
                request,
                queryset,
                Contract.Status.TERMINATED,
                effective_on=form.cleaned_data["effective_on"],
                reason=form.cleaned_data["reason"],
            )
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": _("Terminate contracts"),
            "opts": self.model._meta,
            "form": form,
            "contracts": queryset,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/projects/contract/terminate.html", context)


class ReportTransitionInline(admin.TabularInline):
    model = ReportTransition
    extra = 0
    can_delete = False
    fields = ["from_status", "to_status", "reason", "actor", "at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Report)
class ReportAdmin(ScopedAdminMixin, admin.ModelAdmin):
    """Reports are written in the portal; here reviewers approve them (return: the review page)."""

    area_field = "contract__area"
    list_display = [
        "contract",
        "contractor",
        "kind",
        "period",
        "due_date",
        "status",
        "days_late",
        "review_link",
    ]
    list_filter = ["status", "kind"]
    list_select_related = ["contract__contractor", "contract__area"]
    search_fields = ["contract__number", "contract__contractor__name"]
    date_hierarchy = "period"
    inlines = [ReportTransitionInline]
    actions = ["approve_selected"]

    def get_queryset(self, request):
        # Skips the mixin's area filter: a township's reviewer reaches reports of the county's
        # contracts landing in the township, which projects.access.scope_reports decides.
        return access.scope_reports(
            super(ScopedAdminMixin, self).get_queryset(request), actor=request.user
        )

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in Report._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("contractor"))
    def contractor(self, obj):
        return obj.contract.contractor.name

    @admin.display(description=_("days late"))
    def days_late(self, obj):
        return obj.days_late(timezone.localdate())

    @admin.display(description=_("review"))
    def review_link(self, obj):
        if obj.status not in (Report.Status.SUBMITTED, Report.Status.RESUBMITTED):
            return ""
        return format_html(
            '<a href="{}">{}</a>', reverse("portal:review", args=[obj.pk]), _("Approve or return")
        )

    @admin.action(description=_("Approve the selected submitted reports"))
    def approve_selected(self, request, queryset):
        approved = 0
        for report in queryset:
            try:
                workflow.report_transition(
                    actor=request.user, report_id=report.pk, action=workflow.Action.APPROVE
                )
                approved += 1
            except ValidationError as error:
                self.message_user(request, f"{report}: {' '.join(error.messages)}", messages.ERROR)
        if approved:
            self.message_user(request, _("%(count)s reports approved.") % {"count": approved})


@admin.register(EvaluationIndicator)
class EvaluationIndicatorAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ["area", "year", "position", "name", "weight"]
    list_filter = ["year"]
    list_select_related = ["area"]
    autocomplete_fields = ["area"]

    def save_service(self, request, obj, form, change):
        evaluations.indicator_save(actor=request.user, indicator=obj)


class ScoreFormSet(forms.BaseInlineFormSet):
    """Every indicator of the county's year scored once, and their weights adding up to 100."""

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        evaluation = self.instance
        if not evaluation.contract_id or not evaluation.year:
            return
        county_id = evaluation.contract.area_id
        indicators = EvaluationIndicator.objects.filter(area_id=county_id, year=evaluation.year)
        total = indicators.aggregate(total=Sum("weight"))["total"] or 0
        if total != 100:
            raise ValidationError(
                _(
                    "The evaluation indicators of %(year)s weigh %(total)s in all; "
                    "they must add up to 100."
                )
                % {"year": evaluation.year, "total": total}
            )
        scored = {
            form.cleaned_data["indicator"].pk
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        }
        if scored != set(indicators.values_list("pk", flat=True)):
            raise ValidationError(_("Score every indicator of the year, and only those."))


class ScoreInline(admin.TabularInline):
    model = EvaluationScore
    formset = ScoreFormSet
    extra = 3
    fields = ["indicator", "score"]


@admin.register(Evaluation)
class EvaluationAdmin(ScopedAdminMixin, admin.ModelAdmin):
    area_field = "contract__area"
    list_display = ["contract", "year", "total_score", "grade", "evaluated_on"]
    list_filter = ["year", "grade"]
    list_select_related = ["contract"]
    autocomplete_fields = ["contract"]
    readonly_fields = ["total_score", "grade"]
    inlines = [ScoreInline]

    def get_readonly_fields(self, request, obj=None):
        if obj is not None:
            return [*self.readonly_fields, "contract", "year"]
        return self.readonly_fields

    def save_model(self, request, obj, form, change):
        # The service computes the grade from the scores, in save_related below.
        self._pending = obj

    def save_related(self, request, form, formsets, change):
        obj = self._pending
        scores = {}
        for formset in formsets:
            for score_form in formset.forms:
                data = score_form.cleaned_data
                if data and not data.get("DELETE"):
                    scores[data["indicator"].pk] = data["score"]
        saved = evaluations.evaluation_save(
            actor=request.user,
            contract=obj.contract,
            year=obj.year,
            evaluated_on=obj.evaluated_on,
            scores=scores,
            comments=obj.comments,
        )
        form.instance = saved
        obj.pk = saved.pk
