"""Community social organisations (社区社会组织), their support platforms and their activity.

An organisation belongs to a community (level 4 area); that community is its area for scoping.
The standing rules on a row's own fields are in `CommunityOrg.clean()`; the rules that follow
relations or other rows (levels, filing body, federation, budget cap) live in orgs.services, which
every path (admin, API, import) goes through.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from auditlog.registry import auditlog

from stations.models import AdminArea
from stations.validators import validate_credit_code

YEAR_VALIDATORS = [MinValueValidator(1949), MaxValueValidator(2100)]
# GB 32100: the registering authority 5 (civil affairs), then the kind: 1 social group,
# 2 private non-enterprise unit (social service organisation), 3 foundation.
CIVIL_AFFAIRS_CODE_PREFIXES = ("51", "52", "53")


def _is_credit_code(value: str) -> bool:
    try:
        validate_credit_code(value)
    except ValidationError:
        return False
    return True


SCORE_VALIDATORS = [MinValueValidator(0), MaxValueValidator(100)]


class ServedGroup(models.Model):
    """A special group an organisation serves (特定群体); the rows come from a data migration."""

    class Code(models.TextChoices):
        ELDERLY = "elderly", _("Elderly people")
        WOMEN = "women", _("Women")
        CHILDREN = "children", _("Children")
        DISABLED = "disabled", _("Disabled people")
        UNEMPLOYED = "unemployed", _("Unemployed people")
        MIGRANT_WORKERS = "migrant_workers", _("Migrant workers")
        CHILDREN_OF_DETAINED = "children_of_detained", _("Children of people in custody")
        POOR_FAMILIES = "poor_families", _("Families in difficulty")
        SEVERE_MENTAL_DISORDER = "severe_mental_disorder", _("People with severe mental disorders")
        AT_RISK_YOUTH = "at_risk_youth", _("Young people with bad behaviour")
        COMMUNITY_CORRECTIONS = "community_corrections", _("Community-corrections persons")

    code = models.CharField(_("code"), max_length=30, unique=True, choices=Code.choices)
    name = models.CharField(_("Chinese name"), max_length=50, unique=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("served group")
        verbose_name_plural = _("served groups")
        ordering = ["position", "code"]

    def __str__(self) -> str:
        return str(self.get_code_display())


class IncubationCentre(models.Model):
    """An incubation and development centre (社会组织培育发展服务中心) of a county or township."""

    name = models.CharField(_("name"), max_length=200)
    area = models.ForeignKey(
        AdminArea,
        verbose_name=_("area"),
        on_delete=models.PROTECT,
        related_name="incubation_centres",
        help_text=_("The county or township that runs the centre."),
    )
    operator = models.CharField(
        _("operated by"),
        max_length=200,
        blank=True,
        help_text=_("The hub organisation or social-work agency entrusted with running it."),
    )
    opened_on = models.DateField(_("opened on"), null=True, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("incubation centre")
        verbose_name_plural = _("incubation centres")
        ordering = ["area__code", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["area", "name"],
                name="orgs_incubationcentre_unique_area_name",
                violation_error_code="duplicate_name",
                violation_error_message=_("This area already has a centre with this name."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_additional_data(self) -> dict:
        return {"area_path": self.area.path}


class Federation(models.Model):
    """A township federation of community social organisations (社区社会组织联合会); one per township."""

    name = models.CharField(_("name"), max_length=200)
    township = models.OneToOneField(
        AdminArea,
        verbose_name=_("township"),
        on_delete=models.PROTECT,
        related_name="org_federation",
        error_messages={"unique": _("This township already has a federation.")},
    )
    founded_on = models.DateField(_("founded on"), null=True, blank=True)
    credit_code = models.CharField(
        _("unified social credit code"),
        max_length=18,
        blank=True,
        validators=[validate_credit_code],
    )

    class Meta:
        verbose_name = _("township federation")
        verbose_name_plural = _("township federations")
        ordering = ["township__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["credit_code"],
                condition=~Q(credit_code=""),
                name="orgs_federation_unique_credit_code",
                violation_error_code="duplicate_credit_code",
                violation_error_message=_("Another federation has this credit code."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_additional_data(self) -> dict:
        return {"area_path": self.township.path}


class ObservationPoint(models.Model):
    """A cultivation observation point (培育观察点): a township or community chosen to try things out."""

    area = models.OneToOneField(
        AdminArea,
        verbose_name=_("area"),
        on_delete=models.PROTECT,
        related_name="org_observation_point",
        error_messages={"unique": _("This area is already an observation point.")},
    )
    designated_year = models.PositiveSmallIntegerField(
        _("designated in"), validators=YEAR_VALIDATORS
    )
    focus = models.CharField(_("focus"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("cultivation observation point")
        verbose_name_plural = _("cultivation observation points")
        ordering = ["area__code"]

    def __str__(self) -> str:
        return str(self.area)

    def get_additional_data(self) -> dict:
        return {"area_path": self.area.path}


class CommunityOrg(models.Model):
    """A community social organisation, registered (依法登记) or filed (备案) in its community."""

    class Type(models.TextChoices):
        LIFE_SERVICE = "life_service", _("Life service")
        CHARITY = "charity", _("Charity")
        MUTUAL_AID = "mutual_aid", _("Mutual aid")
        GOVERNANCE = "governance", _("Community governance")
        VOLUNTEER = "volunteer", _("Volunteer service")
        OTHER = "other", _("Other")

    class Standing(models.TextChoices):
        REGISTERED = "registered", _("Registered")
        FILED = "filed", _("Filed")

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        DORMANT = "dormant", _("Dormant")
        DEREGISTERED = "deregistered", _("Deregistered")

    class PartyOrganisation(models.TextChoices):
        NONE = "none", _("None")
        OWN_BRANCH = "own_branch", _("Own party branch")
        JOINT_BRANCH = "joint_branch", _("Joint party branch")
        INSTRUCTOR = "instructor", _("Party-building instructor assigned")

    name = models.CharField(_("name"), max_length=200)
    org_type = models.CharField(_("type"), max_length=20, choices=Type.choices)
    community = models.ForeignKey(
        AdminArea,
        verbose_name=_("community"),
        on_delete=models.PROTECT,
        related_name="community_orgs",
    )
    served_groups = models.ManyToManyField(
        ServedGroup, verbose_name=_("groups served"), blank=True, related_name="orgs"
    )
    founded_on = models.DateField(_("founded on"), null=True, blank=True)
    leader = models.CharField(_("leader"), max_length=50, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=20, blank=True)
    member_count = models.PositiveIntegerField(_("members"), null=True, blank=True)

    standing = models.CharField(_("standing"), max_length=10, choices=Standing.choices)
    credit_code = models.CharField(
        _("unified social credit code"),
        max_length=18,
        blank=True,
        validators=[validate_credit_code],
    )
    registration_authority = models.CharField(
        _("registering authority"), max_length=100, blank=True
    )
    registered_on = models.DateField(_("registered on"), null=True, blank=True)
    filing_body = models.ForeignKey(
        AdminArea,
        verbose_name=_("filed with"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="filed_orgs",
        help_text=_("The organisation's community or its township, which holds the filing."),
    )
    filed_on = models.DateField(_("filed on"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.ACTIVE
    )

    party_organisation = models.CharField(
        _("party organisation"),
        max_length=12,
        choices=PartyOrganisation.choices,
        default=PartyOrganisation.NONE,
    )
    brand_year = models.PositiveSmallIntegerField(
        _("brand organisation since"),
        null=True,
        blank=True,
        validators=YEAR_VALIDATORS,
        help_text=_("The year it was named a brand organisation (品牌社区社会组织); empty if not."),
    )
    incubator = models.ForeignKey(
        IncubationCentre,
        verbose_name=_("incubated by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="incubated_orgs",
    )
    federation = models.ForeignKey(
        Federation,
        verbose_name=_("federation"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="members",
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("community social organisation")
        verbose_name_plural = _("community social organisations")
        ordering = ["community__code", "name"]
        constraints = [
            # The natural key of a filed organisation, and what imports match on.
            models.UniqueConstraint(
                fields=["community", "name"],
                name="orgs_communityorg_unique_community_name",
                violation_error_code="duplicate_name",
                violation_error_message=_(
                    "This community already has an organisation with this name."
                ),
            ),
            models.UniqueConstraint(
                fields=["credit_code"],
                condition=~Q(credit_code=""),
                name="orgs_communityorg_unique_credit_code",
                violation_error_code="duplicate_credit_code",
                violation_error_message=_("Another organisation has this credit code."),
            ),
            # Backstops for orgs.services.org_rule_errors, which gives the readable messages.
            models.CheckConstraint(
                condition=~Q(standing="registered")
                | (
                    ~Q(credit_code="")
                    & ~Q(registration_authority="")
                    & Q(registered_on__isnull=False)
                ),
                name="orgs_communityorg_registered_has_code",
                violation_error_message=_(
                    "A registered organisation needs its credit code, registering authority "
                    "and registration date."
                ),
            ),
            models.CheckConstraint(
                condition=~Q(standing="filed") | Q(filing_body__isnull=False),
                name="orgs_communityorg_filed_has_filing_body",
                violation_error_message=_("A filed organisation needs its filing body."),
            ),
        ]
        indexes = [
            models.Index(fields=["community", "status"], name="orgs_communityorg_status"),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        # The standing rules are checked here, not only in orgs.services, because full_clean()
        # then skips the check constraints on the fields named: every path (admin form, API,
        # import) reports "credit_code: …" instead of an unattributed constraint message. They
        # read only this row's own fields; the rules that follow relations are in the services.
        errors: dict[str, list] = {}
        if self.standing == self.Standing.REGISTERED:
            if not self.credit_code:
                errors["credit_code"] = [_("A registered organisation needs its credit code.")]
            elif not self.credit_code.startswith(CIVIL_AFFAIRS_CODE_PREFIXES) and (
                _is_credit_code(self.credit_code)
            ):
                # A malformed code already has its own message from the field's validator.
                errors["credit_code"] = [
                    ValidationError(
                        _(
                            "A community social organisation is registered by civil affairs: "
                            "its credit code begins with 51 (social group), 52 (private "
                            "non-enterprise unit) or 53 (foundation)."
                        ),
                        code="credit_code_not_civil_affairs",
                    )
                ]
            if not self.registration_authority.strip():
                errors["registration_authority"] = [
                    _("A registered organisation needs its registering authority.")
                ]
            if self.registered_on is None:
                errors["registered_on"] = [
                    _("A registered organisation needs its registration date.")
                ]
        elif self.standing == self.Standing.FILED:
            if self.filing_body_id is None:
                errors["filing_body"] = [
                    _("A filed organisation needs the community or township it is filed with.")
                ]
            if self.credit_code:
                errors["credit_code"] = [
                    _(
                        "A filed organisation has no credit code; "
                        "an organisation with one is registered."
                    )
                ]
        if errors:
            raise ValidationError(errors)

    @property
    def is_brand(self) -> bool:
        return self.brand_year is not None

    def get_additional_data(self) -> dict:
        return {"area_path": self.community.path}


class BrandProject(models.Model):
    """A brand project (社区社会组织品牌项目) of an organisation, with the year it was named."""

    organisation = models.ForeignKey(
        CommunityOrg,
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="brand_projects",
    )
    name = models.CharField(_("name"), max_length=200)
    year = models.PositiveSmallIntegerField(_("named in"), validators=YEAR_VALIDATORS)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        verbose_name = _("brand project")
        verbose_name_plural = _("brand projects")
        ordering = ["-year", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "name"],
                name="orgs_brandproject_unique_organisation_name",
                violation_error_code="duplicate_name",
                violation_error_message=_(
                    "This organisation already has a project with this name."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.year})"

    def get_additional_data(self) -> dict:
        return {"area_path": self.organisation.community.path}


class Contest(models.Model):
    """A venture-philanthropy contest (公益创投) held by an area in a year, with its budget."""

    name = models.CharField(_("name"), max_length=200)
    area = models.ForeignKey(
        AdminArea,
        verbose_name=_("held by"),
        on_delete=models.PROTECT,
        related_name="org_contests",
    )
    year = models.PositiveSmallIntegerField(_("year"), validators=YEAR_VALIDATORS)
    budget = models.DecimalField(
        _("budget (yuan)"),
        max_digits=12,
        decimal_places=2,
        validators=[MinValueValidator(0)],
    )

    class Meta:
        verbose_name = _("venture-philanthropy contest")
        verbose_name_plural = _("venture-philanthropy contests")
        ordering = ["-year", "area__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["area", "year"],
                name="orgs_contest_unique_area_year",
                violation_error_code="duplicate_year",
                violation_error_message=_("This area already holds a contest in this year."),
            ),
            models.CheckConstraint(
                condition=Q(budget__gte=0), name="orgs_contest_budget_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.year})"

    def get_additional_data(self) -> dict:
        return {"area_path": self.area.path}


class ContestApplication(models.Model):
    """An organisation's project entered in a contest; funded ones share the contest's budget."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted")
        FUNDED = "funded", _("Funded")
        REJECTED = "rejected", _("Rejected")

    contest = models.ForeignKey(
        Contest, verbose_name=_("contest"), on_delete=models.PROTECT, related_name="applications"
    )
    organisation = models.ForeignKey(
        CommunityOrg,
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="contest_applications",
    )
    project_name = models.CharField(_("project"), max_length=200)
    requested_amount = models.DecimalField(
        _("amount requested (yuan)"),
        max_digits=12,
        decimal_places=2,
        validators=[MinValueValidator(0)],
    )
    score = models.DecimalField(
        _("score"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=SCORE_VALIDATORS,
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.SUBMITTED
    )
    funded_amount = models.DecimalField(
        _("amount funded (yuan)"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        verbose_name = _("contest application")
        verbose_name_plural = _("contest applications")
        ordering = ["contest", "-score", "project_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["contest", "organisation", "project_name"],
                name="orgs_contestapplication_unique_project",
                violation_error_code="duplicate_project",
                violation_error_message=_(
                    "This organisation already entered a project with this name."
                ),
            ),
            models.CheckConstraint(
                condition=(Q(status="funded") & Q(funded_amount__gt=0))
                | (~Q(status="funded") & Q(funded_amount__isnull=True)),
                name="orgs_contestapplication_funded_amount_iff_funded",
            ),
            models.CheckConstraint(
                condition=Q(score__isnull=True) | (Q(score__gte=0) & Q(score__lte=100)),
                name="orgs_contestapplication_score_range",
            ),
        ]

    def __str__(self) -> str:
        return self.project_name

    def get_additional_data(self) -> dict:
        return {"area_path": self.contest.area.path}


class ActivityReport(models.Model):
    """A major activity (重大活动) an organisation reports in advance to its community or township."""

    class Kind(models.TextChoices):
        FESTIVAL = "festival", _("Festival celebration")
        PERFORMANCE = "performance", _("Cultural performance")
        SPORTS = "sports", _("Sports event")
        GATHERING = "gathering", _("Gathering")

    class Status(models.TextChoices):
        FILED = "filed", _("Filed")
        ACKNOWLEDGED = "acknowledged", _("Acknowledged")
        OBJECTED = "objected", _("Objected")

    organisation = models.ForeignKey(
        CommunityOrg,
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="activity_reports",
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=200)
    held_on = models.DateField(_("date"))
    place = models.CharField(_("place"), max_length=200)
    expected_participants = models.PositiveIntegerField(_("expected participants"))
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.FILED
    )
    filed_at = models.DateTimeField(_("filed at"), auto_now_add=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewed by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    objection_reason = models.TextField(_("reason for objecting"), blank=True)

    class Meta:
        verbose_name = _("major-activity report")
        verbose_name_plural = _("major-activity reports")
        ordering = ["-held_on", "title"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="objected") | ~Q(objection_reason=""),
                name="orgs_activityreport_objection_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_additional_data(self) -> dict:
        return {"area_path": self.organisation.community.path}


class Evaluation(models.Model):
    """The yearly evaluation (评估评议) of an organisation by its community."""

    organisation = models.ForeignKey(
        CommunityOrg,
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="evaluations",
    )
    year = models.PositiveSmallIntegerField(_("year"), validators=YEAR_VALIDATORS)
    score = models.PositiveSmallIntegerField(_("score"), validators=SCORE_VALIDATORS)
    remarks = models.TextField(_("remarks"), blank=True)
    evaluated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("evaluation")
        verbose_name_plural = _("evaluations")
        ordering = ["-year", "organisation__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "year"],
                name="orgs_evaluation_unique_organisation_year",
                violation_error_code="duplicate_year",
                violation_error_message=_("This organisation is already evaluated for this year."),
            ),
            models.CheckConstraint(condition=Q(score__lte=100), name="orgs_evaluation_score_range"),
        ]

    def __str__(self) -> str:
        return f"{self.organisation} {self.year}"

    def get_additional_data(self) -> dict:
        return {"area_path": self.organisation.community.path}


for _model in (
    IncubationCentre,
    Federation,
    ObservationPoint,
    BrandProject,
    Contest,
    ContestApplication,
    ActivityReport,
    Evaluation,
):
    auditlog.register(_model)
auditlog.register(CommunityOrg, m2m_fields={"served_groups"})
