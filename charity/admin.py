"""Admin of the charity app. The ledger is add-only: entries are booked through the services and
corrected by a reversal (an action), never changed or deleted."""

import copy

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from charity import exports, selectors
from charity.models import (
    CharityFund,
    CharitySource,
    InKindDonation,
    InKindItem,
    LedgerEntry,
    LinkageProject,
    LinkageProjectStatusChange,
    Need,
    PointsRedemption,
    RedemptionItem,
    Resource,
)
from charity.services import ledger, lists, sources, supermarket
from orgs.models import CommunityOrg
from stations.access import scope_to_actor
from stations.admin_base import ExportXlsxMixin, ScopedAdminMixin
from stations.exports import xlsx_response
from stations.models import Station
from stations.privacy import can_see_personal_data, shown_id_number, shown_phone
from volunteers.models import Activity, Team

# Related models offered in pickers, with the path from each to its area.
SCOPED_PICKERS = {
    CharityFund: "area",
    CharitySource: "area",
    Need: "area",
    Resource: "area",
    LinkageProject: "area",
    LedgerEntry: "area",
    Station: "area",
    CommunityOrg: "community",
    Team: "area",
    Activity: "area",
}


class CharityAdminMixin(ScopedAdminMixin):
    """Scopes every picker of a charity model to the user's subtree, not only area pickers."""

    def _scope_picker(self, db_field, request, kwargs):
        area_field = SCOPED_PICKERS.get(db_field.related_model)
        if area_field is not None:
            kwargs["queryset"] = scope_to_actor(
                db_field.related_model._default_manager.all(),
                actor=request.user,
                area_field=area_field,
            )

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        self._scope_picker(db_field, request, kwargs)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        self._scope_picker(db_field, request, kwargs)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def get_form(self, request, obj=None, change=False, **kwargs):
        """The form runs the save service as a dry run, so that its refusals show on the form."""
        form_class = super().get_form(request, obj, change=change, **kwargs)
        model_admin = self

        class ServiceCheckedForm(form_class):
            def _post_clean(self):
                super()._post_clean()
                if not self.errors:
                    # On a copy: the dry run must not leave a primary key on the real instance.
                    candidate = copy.copy(self.instance)
                    _run_service(
                        self,
                        lambda: model_admin.save_service(request, candidate, self, change),
                    )

        return ServiceCheckedForm


def _run_service(form: forms.BaseForm, service) -> None:
    """Runs a service as a dry run inside a savepoint so that its errors show on the form."""
    try:
        with transaction.atomic():
            service()
            raise _DryRun
    except _DryRun:
        pass
    except ValidationError as error:
        form._update_errors(error)


class _DryRun(Exception):
    pass


# Sources -----------------------------------------------------------------------------------------


SOURCE_FIELDS = [
    "name",
    "kind",
    "area",
    "credit_code",
    "id_number",
    "contact_person",
    "contact_phone",
    "is_active",
]


@admin.register(CharitySource)
class CharitySourceAdmin(ExportXlsxMixin, CharityAdminMixin, admin.ModelAdmin):
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "credit_code"]
    list_select_related = ["area"]
    autocomplete_fields = ["area"]
    export_columns = exports.SOURCE_COLUMNS
    export_filename = "charity-sources"

    def get_list_display(self, request):
        actor = request.user

        @admin.display(description=_("resident ID number"))
        def id_number_shown(obj):
            return shown_id_number(obj.id_number, actor=actor)

        return ["name", "kind", "area", "credit_code", id_number_shown, "is_active"]

    def get_fields(self, request, obj=None):
        if can_see_personal_data(request.user):
            return SOURCE_FIELDS
        # Who may not see personal data neither sees nor overwrites it.
        return [
            {"id_number": "masked_id_number", "contact_phone": "masked_phone"}.get(name, name)
            for name in SOURCE_FIELDS
        ]

    def get_readonly_fields(self, request, obj=None):
        if can_see_personal_data(request.user):
            return []
        return ["masked_id_number", "masked_phone"]

    @admin.display(description=_("resident ID number"))
    def masked_id_number(self, obj):
        return shown_id_number(obj.id_number, actor=None)

    @admin.display(description=_("contact phone"))
    def masked_phone(self, obj):
        return shown_phone(obj.contact_phone, actor=None)

    def save_service(self, request, obj, form, change):
        sources.source_save(actor=request.user, source=obj)

    def delete_service(self, request, obj):
        sources.source_delete(actor=request.user, source=obj)


# Funds -------------------------------------------------------------------------------------------


@admin.register(CharityFund)
class CharityFundAdmin(CharityAdminMixin, admin.ModelAdmin):
    list_display = ["name", "kind", "area", "balance", "is_restricted", "is_active"]
    list_filter = ["kind", "is_restricted", "is_active"]
    search_fields = ["name", "^area__code", "area__name"]
    list_select_related = ["area"]
    autocomplete_fields = ["area"]
    readonly_fields = ["balance", "created_at"]
    actions = ["export_ledger"]

    def save_service(self, request, obj, form, change):
        sources.fund_save(actor=request.user, fund=obj)

    def delete_service(self, request, obj):
        sources.fund_delete(actor=request.user, fund=obj)

    @admin.action(description=_("Export the ledger of the selected funds to Excel"))
    def export_ledger(self, request, queryset):
        entries = (
            selectors.ledger_list(actor=request.user)
            .filter(fund__in=queryset)
            .order_by("fund__name", "booked_on", "pk")
        )
        return xlsx_response(
            "ledger",
            exports.headers(exports.LEDGER_COLUMNS),
            exports.rows(exports.LEDGER_COLUMNS, entries, actor=request.user),
        )


# Ledger ------------------------------------------------------------------------------------------


class LedgerBookingForm(forms.ModelForm):
    """Books a donation, a disbursement or a transfer; the service checks and writes it."""

    actor = None
    BOOKINGS = [
        ("donation", _("Donation")),
        ("disbursement", _("Disbursement")),
        ("transfer", _("Transfer")),
    ]

    booking = forms.ChoiceField(label=_("kind"), choices=BOOKINGS)
    fund = forms.ModelChoiceField(label=_("fund"), queryset=CharityFund.objects.none())
    to_fund = forms.ModelChoiceField(
        label=_("to fund"),
        queryset=CharityFund.objects.none(),
        required=False,
        help_text=_("Transfers only."),
    )
    amount = forms.DecimalField(label=_("amount (yuan)"), max_digits=14, decimal_places=2)
    booked_on = forms.DateField(label=_("date"))
    donor = forms.ModelChoiceField(
        label=_("donor"),
        queryset=CharitySource.objects.none(),
        required=False,
        help_text=_("Donations only."),
    )
    purpose = forms.CharField(
        label=_("purpose restriction"),
        max_length=200,
        required=False,
        help_text=_(
            "Donations: what the donor restricted the gift to. Disbursements from a restricted "
            "fund: the fund's restriction."
        ),
    )
    target_kind = forms.ChoiceField(
        label=_("paid to"),
        choices=[("", "---------"), *LedgerEntry.TargetKind.choices],
        required=False,
        help_text=_("Disbursements only."),
    )
    linkage_project = forms.ModelChoiceField(
        label=_("linkage project"), queryset=LinkageProject.objects.none(), required=False
    )
    need = forms.ModelChoiceField(label=_("need"), queryset=Need.objects.none(), required=False)
    activity = forms.ModelChoiceField(
        label=_("volunteer activity"), queryset=Activity.objects.none(), required=False
    )
    memo = forms.CharField(label=_("memo"), max_length=300, required=False)

    class Meta:
        model = LedgerEntry
        fields: list[str] = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, model in [
            ("fund", CharityFund),
            ("to_fund", CharityFund),
            ("donor", CharitySource),
            ("linkage_project", LinkageProject),
            ("need", Need),
            ("activity", Activity),
        ]:
            self.fields[name].queryset = scope_to_actor(
                model._default_manager.all(), actor=self.actor
            )

    def book(self) -> list[LedgerEntry]:
        data = self.cleaned_data
        booking = data["booking"]
        if booking == "donation":
            return [
                ledger.donation_book(
                    actor=self.actor,
                    fund=data["fund"],
                    donor=data["donor"],
                    amount=data["amount"],
                    booked_on=data["booked_on"],
                    purpose=data["purpose"],
                    memo=data["memo"],
                )
            ]
        if booking == "disbursement":
            return [
                ledger.disbursement_book(
                    actor=self.actor,
                    fund=data["fund"],
                    amount=data["amount"],
                    booked_on=data["booked_on"],
                    target_kind=data["target_kind"],
                    linkage_project=data["linkage_project"],
                    need=data["need"],
                    activity=data["activity"],
                    purpose=data["purpose"],
                    memo=data["memo"],
                )
            ]
        if data["to_fund"] is None:
            raise ValidationError({"to_fund": [gettext("Name the fund the money goes to.")]})
        return list(
            ledger.transfer_book(
                actor=self.actor,
                from_fund=data["fund"],
                to_fund=data["to_fund"],
                amount=data["amount"],
                booked_on=data["booked_on"],
                memo=data["memo"],
            )
        )

    def _post_clean(self):
        # Not the ModelForm's model validation: the entry is built by the service, not the form.
        if not self.errors:
            _run_service(self, self.book)


class ReversalActionForm(ActionForm):
    reason = forms.CharField(label=_("reason"), max_length=300, required=False)


LEDGER_DISPLAY_FIELDS = [
    "fund",
    "area",
    "kind",
    "direction",
    "amount",
    "booked_on",
    "receipt_number",
    "donor",
    "purpose",
    "target_kind",
    "linkage_project",
    "need",
    "activity",
    "counterpart",
    "reverses",
    "memo",
    "booked_by",
    "booked_at",
]


@admin.register(LedgerEntry)
class LedgerEntryAdmin(CharityAdminMixin, admin.ModelAdmin):
    list_display = [
        "booked_on",
        "fund",
        "kind",
        "direction",
        "amount",
        "receipt_number",
        "donor",
        "target_kind",
        "reverses",
    ]
    list_filter = ["kind", "direction", "target_kind", "booked_on"]
    search_fields = ["receipt_number", "fund__name", "donor__name", "memo"]
    list_select_related = ["fund", "donor", "reverses"]
    date_hierarchy = "booked_on"
    action_form = ReversalActionForm
    actions = ["reverse_entries"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_fields(self, request, obj=None):
        if obj is None:
            return list(LedgerBookingForm.base_fields)
        return LEDGER_DISPLAY_FIELDS

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else LEDGER_DISPLAY_FIELDS

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is not None:
            kwargs["fields"] = []
            return super().get_form(request, obj, change=change, **kwargs)
        return type("BoundLedgerBookingForm", (LedgerBookingForm,), {"actor": request.user})

    def save_service(self, request, obj, form, change):
        entries = form.book()
        # The admin logs and redirects to `obj`: make it the (first) entry just booked.
        obj.pk = entries[0].pk
        obj.__dict__.update(entries[0].__dict__)

    def save_related(self, request, form, formsets, change):
        pass

    @admin.action(description=_("Reverse the selected entries (give the reason)"))
    def reverse_entries(self, request, queryset):
        reason = request.POST.get("reason", "").strip()
        if not reason:
            self.message_user(request, gettext("Give the reason for the reversal."), messages.ERROR)
            return
        if not request.user.has_perm("charity.add_ledgerentry"):
            self.message_user(request, gettext("You may not book entries."), messages.ERROR)
            return
        done = 0
        for entry in queryset.order_by("pk"):
            try:
                with transaction.atomic():
                    ledger.entry_reverse(actor=request.user, entry=entry, reason=reason)
            except ValidationError as error:
                self.message_user(
                    request, f"{entry}: {'; '.join(error.messages)}", messages.WARNING
                )
            else:
                done += 1
        self.message_user(
            request, gettext("%(count)d entries reversed.") % {"count": done}, messages.SUCCESS
        )


# The three lists ---------------------------------------------------------------------------------


@admin.register(Need)
class NeedAdmin(ExportXlsxMixin, CharityAdminMixin, admin.ModelAdmin):
    list_display = ["title", "area", "group", "help_kind", "people_affected", "urgency", "status"]
    list_filter = ["status", "urgency", "group", "help_kind", "source"]
    search_fields = ["title", "^area__code", "area__name"]
    list_select_related = ["area"]
    autocomplete_fields = ["area"]
    readonly_fields = ["status", "updated_at"]
    export_columns = exports.NEED_COLUMNS
    export_filename = "needs"
    actions = ["close_needs"]

    def save_service(self, request, obj, form, change):
        lists.need_save(actor=request.user, need=obj)

    def delete_service(self, request, obj):
        lists.need_delete(actor=request.user, need=obj)

    @admin.action(description=_("Close the selected needs"), permissions=["change"])
    def close_needs(self, request, queryset):
        for need in queryset:
            try:
                lists.need_transition(actor=request.user, need=need, status=Need.Status.CLOSED)
            except ValidationError as error:
                self.message_user(request, f"{need}: {'; '.join(error.messages)}", messages.WARNING)


class ResourceForm(forms.ModelForm):
    tag_text = forms.CharField(
        label=_("tags"),
        required=False,
        help_text=_("Group and help codes separated by commas, e.g. lone_elderly, care."),
    )

    class Meta:
        model = Resource
        fields = [
            "name",
            "kind",
            "area",
            "fund",
            "source",
            "organisation",
            "team",
            "description",
            "is_available",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tag_text"].initial = ", ".join(self.instance.tag_list)

    def tag_list(self) -> list[str]:
        return [tag for tag in self.cleaned_data.get("tag_text", "").split(",") if tag.strip()]

    def _update_errors(self, errors):
        # The service names the tags "tags"; on this form they are typed into "tag_text".
        if hasattr(errors, "error_dict") and "tags" in errors.error_dict:
            errors.error_dict["tag_text"] = errors.error_dict.pop("tags")
        super()._update_errors(errors)


@admin.register(Resource)
class ResourceAdmin(ExportXlsxMixin, CharityAdminMixin, admin.ModelAdmin):
    form = ResourceForm
    list_display = ["name", "kind", "area", "tags", "is_available"]
    list_filter = ["kind", "is_available"]
    search_fields = ["name", "tags", "^area__code", "area__name"]
    list_select_related = ["area"]
    autocomplete_fields = ["area", "organisation"]
    export_columns = exports.RESOURCE_COLUMNS
    export_filename = "resources"

    def save_service(self, request, obj, form, change):
        lists.resource_save(actor=request.user, resource=obj, tags=form.tag_list())

    def delete_service(self, request, obj):
        lists.resource_delete(actor=request.user, resource=obj)


class StatusChangeInline(admin.TabularInline):
    model = LinkageProjectStatusChange
    extra = 0
    can_delete = False
    fields = ["changed_at", "from_status", "to_status", "note", "changed_by"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(LinkageProject)
class LinkageProjectAdmin(ExportXlsxMixin, CharityAdminMixin, admin.ModelAdmin):
    list_display = ["name", "area", "owner_kind", "owner_name", "budget", "status"]
    list_filter = ["status", "owner_kind"]
    search_fields = ["name", "owner_name", "^area__code", "area__name"]
    list_select_related = ["area"]
    autocomplete_fields = ["area", "owner_organisation", "owner_station"]
    filter_horizontal = ["needs", "resources"]
    readonly_fields = ["status", "owner_name", "updated_at"]
    inlines = [StatusChangeInline]
    export_columns = exports.PROJECT_COLUMNS
    export_filename = "linkage-projects"
    actions = ["mark_matched", "mark_in_service", "mark_done"]

    def export_queryset(self, queryset):
        return queryset.prefetch_related("needs", "resources")

    def save_service(self, request, obj, form, change):
        lists.project_save(
            actor=request.user,
            project=obj,
            needs=form.cleaned_data.get("needs", []),
            resources=form.cleaned_data.get("resources", []),
        )

    def save_related(self, request, form, formsets, change):
        # The links were written by the service; the history inline is read-only.
        pass

    def delete_service(self, request, obj):
        lists.project_delete(actor=request.user, project=obj)

    def _move(self, request, queryset, status):
        for project in queryset:
            try:
                with transaction.atomic():
                    lists.project_transition(actor=request.user, project=project, status=status)
            except ValidationError as error:
                self.message_user(
                    request, f"{project}: {'; '.join(error.messages)}", messages.WARNING
                )

    @admin.action(description=_("Mark the selected projects matched"), permissions=["change"])
    def mark_matched(self, request, queryset):
        self._move(request, queryset, LinkageProject.Status.MATCHED)

    @admin.action(description=_("Mark the selected projects in service"), permissions=["change"])
    def mark_in_service(self, request, queryset):
        self._move(request, queryset, LinkageProject.Status.IN_SERVICE)

    @admin.action(description=_("Mark the selected projects done"), permissions=["change"])
    def mark_done(self, request, queryset):
        self._move(request, queryset, LinkageProject.Status.DONE)


# Charity supermarkets ----------------------------------------------------------------------------


class InKindItemFormSet(forms.BaseInlineFormSet):
    """Goods are recorded with at least one item, as through the API (`in_kind_record`)."""

    def clean(self):
        super().clean()
        kept = [
            form
            for form in self.forms
            if getattr(form, "cleaned_data", None) and not form.cleaned_data.get("DELETE")
        ]
        if not kept:
            raise ValidationError(gettext("List at least one item."), code="no_items")


class InKindItemInline(admin.TabularInline):
    model = InKindItem
    formset = InKindItemFormSet
    extra = 3
    fields = ["description", "quantity", "value"]


@admin.register(InKindDonation)
class InKindDonationAdmin(CharityAdminMixin, admin.ModelAdmin):
    list_display = ["received_on", "supermarket", "donor", "area"]
    list_select_related = ["supermarket", "donor", "area"]
    list_filter = ["received_on"]
    search_fields = ["supermarket__name", "donor__name"]
    fields = ["supermarket", "donor", "received_on", "note"]
    inlines = [InKindItemInline]

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

    def save_service(self, request, obj, form, change):
        supermarket.in_kind_save(actor=request.user, donation=obj)

    def save_formset(self, request, form, formset, change):
        for item in formset.save(commit=False):
            supermarket.in_kind_item_save(actor=request.user, item=item)


class RedemptionItemInline(admin.TabularInline):
    model = RedemptionItem
    extra = 0
    fields = ["description", "quantity", "value"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(PointsRedemption)
class PointsRedemptionAdmin(CharityAdminMixin, admin.ModelAdmin):
    """Read here; booked through the API (the points leave the volunteer's ledger)."""

    list_display = ["reference", "redeemed_on", "supermarket", "volunteer", "points"]
    list_select_related = ["supermarket", "volunteer"]
    list_filter = ["redeemed_on"]
    search_fields = ["reference", "supermarket__name"]
    inlines = [RedemptionItemInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
