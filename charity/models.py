"""Social charity resources (社会慈善资源) and the three linkage lists (需求/资源/项目清单).

Money is traceable: every yuan in and out of a fund is a `LedgerEntry`, booked only through
`charity.services.ledger`, never edited or deleted; a correction is a reversal entry. A fund's
`balance` is a denormalised sum of its ledger, written in the same transaction as each entry
while the fund row is locked.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from auditlog.registry import auditlog

from stations.models import AdminArea
from stations.validators import validate_credit_code, validate_id_number

MONEY = {"max_digits": 14, "decimal_places": 2}


class VulnerableGroup(models.TextChoices):
    """The groups in difficulty named by the Ordos plan (困难群众和特殊群体)."""

    SUBSISTENCE_ALLOWANCE = "subsistence_allowance", _("Subsistence-allowance households")
    EXTREME_POVERTY = "extreme_poverty", _("Extreme-poverty persons")
    LEFT_BEHIND_ELDERLY = "left_behind_elderly", _("Left-behind elderly")
    LEFT_BEHIND_CHILDREN = "left_behind_children", _("Left-behind children")
    LEFT_BEHIND_WOMEN = "left_behind_women", _("Left-behind women")
    VETERANS = "veterans", _("Veterans")
    LONE_ELDERLY = "lone_elderly", _("Lone and very old people")
    DISABLED = "disabled", _("Disabled people")
    CHILDREN_IN_DIFFICULTY = "children_in_difficulty", _("Children in difficulty")
    BEREAVED_FAMILIES = "bereaved_families", _("Families who lost their only child")
    COMMUNITY_CORRECTIONS = "community_corrections", _("Community-corrections persons")
    RESIDENTS = "residents", _("Residents in general")


class HelpKind(models.TextChoices):
    """What kind of help a need asks for; resources carry the same codes as tags."""

    MATERIAL_AID = "material_aid", _("Material aid")
    FINANCIAL_AID = "financial_aid", _("Financial aid")
    CARE = "care", _("Care and home services")
    COMPANIONSHIP = "companionship", _("Companionship and visits")
    COUNSELLING = "counselling", _("Counselling")
    EDUCATION = "education", _("Education and tutoring")
    HEALTH = "health", _("Health and rehabilitation")
    LEGAL_AID = "legal_aid", _("Legal aid and mediation")
    SKILLS = "skills", _("Skills and employment")
    OTHER = "other", _("Other")


def _area_data(area_path: str | None) -> dict:
    return {"area_path": area_path}


class CharitySource(models.Model):
    """A giver of charity resources: foundation, community fund, charity supermarket, company,
    individual or the welfare-lottery fund."""

    class Kind(models.TextChoices):
        FOUNDATION = "foundation", _("Foundation")
        COMMUNITY_FUND = "community_fund", _("Community fund")
        CHARITY_SUPERMARKET = "charity_supermarket", _("Charity supermarket")
        COMPANY = "company", _("Company")
        INDIVIDUAL = "individual", _("Individual")
        WELFARE_LOTTERY = "welfare_lottery", _("Welfare-lottery fund")

    # Organisations that must show their unified social credit code; a community fund (a special
    # fund held by a foundation) and the welfare-lottery fund may give one, individuals never do.
    CODE_REQUIRED = (Kind.FOUNDATION, Kind.CHARITY_SUPERMARKET, Kind.COMPANY)

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    area = models.ForeignKey(
        AdminArea, verbose_name=_("area"), on_delete=models.PROTECT, related_name="charity_sources"
    )
    credit_code = models.CharField(
        _("unified social credit code"),
        max_length=18,
        blank=True,
        validators=[validate_credit_code],
    )
    id_number = models.CharField(
        _("resident ID number"),
        max_length=18,
        blank=True,
        validators=[validate_id_number],
        help_text=_("Individuals only, optional; personal data, shown masked."),
    )
    contact_person = models.CharField(_("contact person"), max_length=50, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=20, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("charity source")
        verbose_name_plural = _("charity sources")
        ordering = ["area__code", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["credit_code"],
                condition=~Q(credit_code=""),
                name="charity_charitysource_unique_credit_code",
                violation_error_message=_("Another source has this credit code."),
            ),
            models.CheckConstraint(
                condition=Q(kind="individual") | Q(id_number=""),
                name="charity_charitysource_id_number_individuals_only",
                violation_error_message=_("Only an individual has a resident ID number."),
            ),
            models.CheckConstraint(
                condition=~Q(kind="individual") | Q(credit_code=""),
                name="charity_charitysource_no_code_for_individuals",
                violation_error_message=_("An individual has no credit code."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        # Field-named messages; the check constraints above are the backstop.
        errors: dict[str, list] = {}
        if self.kind in self.CODE_REQUIRED and not self.credit_code:
            errors["credit_code"] = [_("This kind of source needs its unified social credit code.")]
        if self.kind == self.Kind.INDIVIDUAL and self.credit_code:
            errors["credit_code"] = [_("An individual has no credit code.")]
        if self.kind != self.Kind.INDIVIDUAL and self.id_number:
            errors["id_number"] = [_("Only an individual has a resident ID number.")]
        if errors:
            raise ValidationError(errors)

    def get_additional_data(self) -> dict:
        return _area_data(self.area.path)


class CharityFund(models.Model):
    """A fund held by an area: community charity relief fund, community service fund, others."""

    class Kind(models.TextChoices):
        RELIEF = "relief", _("Community charity relief fund")
        SERVICE = "service", _("Community service fund")
        OTHER = "other", _("Other fund")

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    area = models.ForeignKey(
        AdminArea, verbose_name=_("area"), on_delete=models.PROTECT, related_name="charity_funds"
    )
    holder = models.ForeignKey(
        CharitySource,
        verbose_name=_("held by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="funds",
        help_text=_("The foundation or community fund that holds the money, if any."),
    )
    is_restricted = models.BooleanField(_("restricted"), default=False)
    restriction = models.CharField(
        _("restriction"),
        max_length=200,
        blank=True,
        help_text=_("What a restricted fund may be spent on."),
    )
    # Written only by charity.services.ledger, with the fund row locked; equals the ledger sum.
    balance = models.DecimalField(_("balance (yuan)"), default=0, editable=False, **MONEY)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("charity fund")
        verbose_name_plural = _("charity funds")
        ordering = ["area__code", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["area", "name"],
                name="charity_charityfund_unique_area_name",
                violation_error_message=_("This area already has a fund with this name."),
            ),
            # The last line of defence; charity.services.ledger refuses an overdraft first.
            models.CheckConstraint(
                condition=Q(balance__gte=0), name="charity_charityfund_balance_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.is_restricted and not self.restriction.strip():
            raise ValidationError({"restriction": [_("Say what a restricted fund may pay for.")]})

    def get_additional_data(self) -> dict:
        return _area_data(self.area.path)


class ReceiptCounter(models.Model):
    """The last receipt number issued by an area in a year; locked while a donation is booked."""

    area = models.ForeignKey(
        AdminArea, verbose_name=_("area"), on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    last_number = models.PositiveIntegerField(_("last number issued"), default=0)

    class Meta:
        verbose_name = _("receipt counter")
        verbose_name_plural = _("receipt counters")
        constraints = [
            models.UniqueConstraint(
                fields=["area", "year"], name="charity_receiptcounter_unique_area_year"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.area_id} {self.year}: {self.last_number}"


class AppendOnlyQuerySet(models.QuerySet):
    """Refuses bulk updates and deletes: booked entries are never changed."""

    def update(self, **kwargs):
        raise ValidationError(_("Ledger entries cannot be changed."), code="ledger_immutable")

    def delete(self):
        raise ValidationError(_("Ledger entries cannot be deleted."), code="ledger_immutable")


class LedgerEntry(models.Model):
    """One booking on a fund: money in (donation, transfer in) or out (disbursement, transfer
    out), or the reversal of an earlier entry. Append-only."""

    class Kind(models.TextChoices):
        DONATION = "donation", _("Donation")
        DISBURSEMENT = "disbursement", _("Disbursement")
        TRANSFER_OUT = "transfer_out", _("Transfer out")
        TRANSFER_IN = "transfer_in", _("Transfer in")
        REVERSAL = "reversal", _("Reversal")

    class Direction(models.TextChoices):
        IN = "in", _("In")
        OUT = "out", _("Out")

    class TargetKind(models.TextChoices):
        LINKAGE_PROJECT = "linkage_project", _("Linkage project")
        VOLUNTEER_ACTIVITY = "volunteer_activity", _("Volunteer activity")
        NEED = "need", _("Need")

    fund = models.ForeignKey(
        CharityFund, verbose_name=_("fund"), on_delete=models.PROTECT, related_name="entries"
    )
    # The fund's area, copied when booked, so that scoping and reports are one join.
    area = models.ForeignKey(
        AdminArea, verbose_name=_("area"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=15, choices=Kind.choices)
    direction = models.CharField(_("direction"), max_length=3, choices=Direction.choices)
    amount = models.DecimalField(_("amount (yuan)"), **MONEY)
    booked_on = models.DateField(_("date"))
    memo = models.CharField(_("memo"), max_length=300, blank=True)

    donor = models.ForeignKey(
        CharitySource,
        verbose_name=_("donor"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="donations",
    )
    purpose = models.CharField(
        _("purpose restriction"),
        max_length=200,
        blank=True,
        help_text=_("What the donor restricted the gift to, if anything."),
    )
    receipt_number = models.CharField(
        _("receipt number"), max_length=30, null=True, blank=True, unique=True, editable=False
    )

    target_kind = models.CharField(
        _("paid to"), max_length=20, choices=TargetKind.choices, blank=True
    )
    linkage_project = models.ForeignKey(
        "charity.LinkageProject",
        verbose_name=_("linkage project"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="ledger_entries",
    )
    need = models.ForeignKey(
        "charity.Need",
        verbose_name=_("need"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="ledger_entries",
    )
    activity = models.ForeignKey(
        "volunteers.Activity",
        verbose_name=_("volunteer activity"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="charity_entries",
    )

    # Set on the "transfer in" leg, which is written second, pointing at the "transfer out" leg:
    # entries are never updated, so the first leg cannot point forward.
    counterpart = models.OneToOneField(
        "self",
        verbose_name=_("transfer out leg"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="transfer_in_leg",
    )
    # One-to-one: an entry is reversed at most once, enforced by the unique index.
    reverses = models.OneToOneField(
        "self",
        verbose_name=_("reverses"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reversed_by",
    )

    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("booked by"),
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
    )
    booked_at = models.DateTimeField(_("booked at"), auto_now_add=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        ordering = ["-booked_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0), name="charity_ledgerentry_amount_positive"
            ),
            models.CheckConstraint(
                condition=~Q(kind="donation") | Q(donor__isnull=False, direction="in"),
                name="charity_ledgerentry_donation_has_donor",
            ),
            models.CheckConstraint(
                condition=~Q(kind="reversal") | Q(reverses__isnull=False),
                name="charity_ledgerentry_reversal_points_at_original",
            ),
            models.CheckConstraint(
                condition=~Q(kind="transfer_in") | Q(counterpart__isnull=False),
                name="charity_ledgerentry_transfer_has_counterpart",
            ),
        ]
        indexes = [
            models.Index(fields=["fund", "booked_on"], name="charity_ledger_fund_date"),
            models.Index(fields=["area", "booked_on"], name="charity_ledger_area_date"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount} ({self.booked_on})"

    def save(self, *args, **kwargs):
        # The one exception to "no logic in save()": the ledger is append-only whatever calls it.
        if not self._state.adding:
            raise ValidationError(_("Ledger entries cannot be changed."), code="ledger_immutable")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError(_("Ledger entries cannot be deleted."), code="ledger_immutable")

    @property
    def signed_amount(self):
        return self.amount if self.direction == self.Direction.IN else -self.amount

    def get_additional_data(self) -> dict:
        return _area_data(self.area.path)


class Need(models.Model):
    """A need surveyed in a community (需求清单)."""

    class Urgency(models.TextChoices):
        LOW = "low", _("Low")
        MEDIUM = "medium", _("Medium")
        HIGH = "high", _("High")
        URGENT = "urgent", _("Urgent")

    class Source(models.TextChoices):
        SURVEY = "survey", _("Needs survey")
        VISIT = "visit", _("Home visit")
        PROPOSAL = "proposal", _("Resident proposal")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        MATCHED = "matched", _("Matched")
        IN_SERVICE = "in_service", _("In service")
        CLOSED = "closed", _("Closed")

    area = models.ForeignKey(
        AdminArea,
        verbose_name=_("community"),
        on_delete=models.PROTECT,
        related_name="charity_needs",
    )
    title = models.CharField(_("title"), max_length=200)
    group = models.CharField(_("group affected"), max_length=30, choices=VulnerableGroup.choices)
    help_kind = models.CharField(_("help needed"), max_length=20, choices=HelpKind.choices)
    description = models.TextField(_("description"), blank=True)
    people_affected = models.PositiveIntegerField(
        _("people affected"), validators=[MinValueValidator(1)]
    )
    urgency = models.CharField(
        _("urgency"), max_length=10, choices=Urgency.choices, default=Urgency.MEDIUM
    )
    source = models.CharField(_("source"), max_length=10, choices=Source.choices)
    surveyed_on = models.DateField(_("surveyed on"))
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.OPEN
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("need")
        verbose_name_plural = _("needs")
        ordering = ["area__code", "-surveyed_on", "pk"]
        indexes = [models.Index(fields=["status", "area"], name="charity_need_status_area")]

    def __str__(self) -> str:
        return self.title

    def get_additional_data(self) -> dict:
        return _area_data(self.area.path)


class Resource(models.Model):
    """Something on offer (资源清单): a team's skills, an organisation's services, a fund, an
    in-kind offer. Its area is the area it covers, at any level."""

    class Kind(models.TextChoices):
        VOLUNTEER_TEAM = "volunteer_team", _("Volunteer team")
        ORGANISATION = "organisation", _("Community organisation")
        FUND = "fund", _("Charity fund")
        IN_KIND = "in_kind", _("In-kind offer")
        OTHER = "other", _("Other")

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    area = models.ForeignKey(
        AdminArea,
        verbose_name=_("area covered"),
        on_delete=models.PROTECT,
        related_name="charity_resources",
    )
    fund = models.ForeignKey(
        CharityFund,
        verbose_name=_("fund"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="resources",
    )
    source = models.ForeignKey(
        CharitySource,
        verbose_name=_("source"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="resources",
    )
    organisation = models.ForeignKey(
        "orgs.CommunityOrg",
        verbose_name=_("community organisation"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="charity_resources",
    )
    team = models.ForeignKey(
        "volunteers.Team",
        verbose_name=_("volunteer team"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="charity_resources",
    )
    description = models.TextField(_("description"), blank=True)
    # "|elderly|care|": the group and help codes it serves, delimited so that one LIKE finds a
    # tag on SQLite and PostgreSQL alike. Written by charity.services from a list.
    tags = models.CharField(_("tags"), max_length=500, blank=True)
    is_available = models.BooleanField(_("available"), default=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("resource")
        verbose_name_plural = _("resources")
        ordering = ["area__code", "name"]

    def __str__(self) -> str:
        return self.name

    @property
    def tag_list(self) -> list[str]:
        return [tag for tag in self.tags.split("|") if tag]

    def get_additional_data(self) -> dict:
        return _area_data(self.area.path)


class LinkageProject(models.Model):
    """A linkage project (项目清单) that links needs to resources, owned by a station,
    an organisation or a volunteer team."""

    class OwnerKind(models.TextChoices):
        STATION = "station", _("Social-work station")
        ORGANISATION = "organisation", _("Community organisation")
        VOLUNTEER_TEAM = "volunteer_team", _("Volunteer team")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        MATCHED = "matched", _("Matched")
        IN_SERVICE = "in_service", _("In service")
        DONE = "done", _("Done")

    name = models.CharField(_("name"), max_length=200)
    area = models.ForeignKey(
        AdminArea,
        verbose_name=_("area"),
        on_delete=models.PROTECT,
        related_name="linkage_projects",
    )
    owner_kind = models.CharField(_("owner kind"), max_length=20, choices=OwnerKind.choices)
    owner_station = models.ForeignKey(
        "stations.Station",
        verbose_name=_("owning station"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="linkage_projects",
    )
    owner_organisation = models.ForeignKey(
        "orgs.CommunityOrg",
        verbose_name=_("owning organisation"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="linkage_projects",
    )
    owner_team = models.ForeignKey(
        "volunteers.Team",
        verbose_name=_("owning volunteer team"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="linkage_projects",
    )
    # Filled from the owner by charity.services, so that lists and exports need no extra join.
    owner_name = models.CharField(_("owner"), max_length=200, blank=True, editable=False)
    needs = models.ManyToManyField(
        Need, verbose_name=_("needs"), blank=True, related_name="linkage_projects"
    )
    resources = models.ManyToManyField(
        Resource, verbose_name=_("resources"), blank=True, related_name="linkage_projects"
    )
    plan = models.TextField(_("plan"), blank=True)
    budget = models.DecimalField(
        _("budget (yuan)"), default=0, validators=[MinValueValidator(0)], **MONEY
    )
    starts_on = models.DateField(_("starts on"), null=True, blank=True)
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.OPEN, editable=False
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("linkage project")
        verbose_name_plural = _("linkage projects")
        ordering = ["area__code", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(budget__gte=0), name="charity_linkageproject_budget_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True)
                | Q(starts_on__isnull=True)
                | Q(ends_on__gte=models.F("starts_on")),
                name="charity_linkageproject_ends_after_start",
                violation_error_message=_("A project cannot end before it starts."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_additional_data(self) -> dict:
        return _area_data(self.area.path)


class LinkageProjectStatusChange(models.Model):
    """The history of a linkage project's status."""

    project = models.ForeignKey(
        LinkageProject,
        verbose_name=_("linkage project"),
        on_delete=models.CASCADE,
        related_name="status_changes",
    )
    from_status = models.CharField(
        _("from"), max_length=12, choices=LinkageProject.Status.choices, blank=True
    )
    to_status = models.CharField(_("to"), max_length=12, choices=LinkageProject.Status.choices)
    note = models.CharField(_("note"), max_length=300, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("changed by"),
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
    )
    changed_at = models.DateTimeField(_("changed at"), auto_now_add=True)

    class Meta:
        verbose_name = _("linkage project status change")
        verbose_name_plural = _("linkage project status changes")
        ordering = ["project", "changed_at", "pk"]

    def __str__(self) -> str:
        return f"{self.from_status or '-'} → {self.to_status}"


class InKindDonation(models.Model):
    """Goods given to a charity supermarket (实物捐赠); its items say what and what worth."""

    supermarket = models.ForeignKey(
        CharitySource,
        verbose_name=_("charity supermarket"),
        on_delete=models.PROTECT,
        related_name="in_kind_received",
    )
    area = models.ForeignKey(
        AdminArea, verbose_name=_("area"), on_delete=models.PROTECT, related_name="+"
    )
    donor = models.ForeignKey(
        CharitySource,
        verbose_name=_("donor"),
        on_delete=models.PROTECT,
        related_name="in_kind_given",
    )
    received_on = models.DateField(_("received on"))
    note = models.CharField(_("note"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("in-kind donation")
        verbose_name_plural = _("in-kind donations")
        ordering = ["-received_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.donor_id} → {self.supermarket_id} ({self.received_on})"

    def get_additional_data(self) -> dict:
        return _area_data(self.area.path)


class InKindItem(models.Model):
    donation = models.ForeignKey(
        InKindDonation,
        verbose_name=_("in-kind donation"),
        on_delete=models.CASCADE,
        related_name="items",
    )
    description = models.CharField(_("description"), max_length=200)
    quantity = models.PositiveIntegerField(_("quantity"), validators=[MinValueValidator(1)])
    value = models.DecimalField(
        _("value (yuan)"), validators=[MinValueValidator(0)], max_digits=12, decimal_places=2
    )

    class Meta:
        verbose_name = _("in-kind item")
        verbose_name_plural = _("in-kind items")
        ordering = ["donation", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(value__gte=0), name="charity_inkinditem_value_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.description} × {self.quantity}"


class PointsRedemption(models.Model):
    """Volunteer points (公益积分) spent at a charity supermarket, with what was taken."""

    supermarket = models.ForeignKey(
        CharitySource,
        verbose_name=_("charity supermarket"),
        on_delete=models.PROTECT,
        related_name="redemptions",
    )
    area = models.ForeignKey(
        AdminArea, verbose_name=_("area"), on_delete=models.PROTECT, related_name="+"
    )
    volunteer = models.ForeignKey(
        "volunteers.Volunteer",
        verbose_name=_("volunteer"),
        on_delete=models.PROTECT,
        related_name="charity_redemptions",
    )
    points = models.PositiveIntegerField(_("points"), validators=[MinValueValidator(1)])
    # The line of the volunteer's points ledger that paid for this redemption.
    points_entry = models.OneToOneField(
        "volunteers.PointsEntry",
        verbose_name=_("points entry"),
        on_delete=models.PROTECT,
        related_name="charity_redemption",
    )
    redeemed_on = models.DateField(_("redeemed on"))
    reference = models.CharField(_("reference"), max_length=40, unique=True, editable=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("points redemption")
        verbose_name_plural = _("points redemptions")
        ordering = ["-redeemed_on", "-pk"]

    def __str__(self) -> str:
        return self.reference

    def get_additional_data(self) -> dict:
        return _area_data(self.area.path)


class RedemptionItem(models.Model):
    redemption = models.ForeignKey(
        PointsRedemption,
        verbose_name=_("points redemption"),
        on_delete=models.CASCADE,
        related_name="items",
    )
    description = models.CharField(_("description"), max_length=200)
    quantity = models.PositiveIntegerField(_("quantity"), validators=[MinValueValidator(1)])
    value = models.DecimalField(
        _("value (yuan)"), validators=[MinValueValidator(0)], max_digits=12, decimal_places=2
    )

    class Meta:
        verbose_name = _("redeemed item")
        verbose_name_plural = _("redeemed items")
        ordering = ["redemption", "pk"]

    def __str__(self) -> str:
        return f"{self.description} × {self.quantity}"


auditlog.register(CharitySource, exclude_fields=["id_number"])
auditlog.register(CharityFund)
auditlog.register(LedgerEntry)
auditlog.register(Need)
auditlog.register(Resource)
auditlog.register(LinkageProject, m2m_fields={"needs", "resources"})
auditlog.register(InKindDonation)
auditlog.register(PointsRedemption)
