"""Community volunteers (社区志愿者), the fourth of the five forces: volunteers, teams, volunteer
service points, activities, verified service hours, proofs of service and community points.

The rules that matter everywhere:
- only verified hours count (sums, points, proofs); the organiser that records hours certifies them;
- service records are never silently overwritten: every change of hours and every (un)verification
  appends a `ServiceRecordCorrection`;
- the points ledger is append-only (`PointsEntry`); `Volunteer.points_balance` is its running total,
  locked with select_for_update by the services and never negative.
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from auditlog.registry import auditlog

from stations.models import AdminArea
from stations.validators import validate_id_number

MAX_HOURS_PER_RECORD = Decimal(24)


class Skill(models.TextChoices):
    """The small vocabulary of volunteer skills (志愿者技能)."""

    ELDERLY_CARE = "elderly_care", _("Elderly care")
    CHILD_CARE = "child_care", _("Children and youth")
    DISABILITY = "disability", _("Disability support")
    MEDICAL = "medical", _("Medical and health")
    LEGAL = "legal", _("Legal advice")
    EDUCATION = "education", _("Tutoring and education")
    PSYCHOLOGY = "psychology", _("Counselling")
    CULTURE = "culture", _("Culture and sports")
    ENVIRONMENT = "environment", _("Environment")
    EMERGENCY = "emergency", _("Emergency response")
    TECHNOLOGY = "technology", _("Digital skills")
    OTHER = "other", _("Other")


class Volunteer(models.Model):
    """A community volunteer, once in the whole platform (identified by the resident ID number)."""

    name = models.CharField(_("name"), max_length=50)
    # Personal information: masked unless stations.privacy.can_see_personal_data(actor).
    id_number = models.CharField(
        _("resident ID number"), max_length=18, validators=[validate_id_number]
    )
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    # The community (社区/村) the volunteer belongs to; scoping uses it.
    area = models.ForeignKey(
        AdminArea,
        verbose_name=_("community"),
        on_delete=models.PROTECT,
        related_name="volunteers",
    )
    skills = models.JSONField(_("skills"), default=list, blank=True)
    national_number = models.CharField(
        _("national volunteer number"),
        max_length=40,
        blank=True,
        help_text=_("The 志愿者编号 in the national volunteer service information system."),
    )
    joined_on = models.DateField(_("joined on"))
    is_active = models.BooleanField(_("active"), default=True)
    # The running total of the points ledger; written only by volunteers.services under a row lock.
    points_balance = models.PositiveIntegerField(_("points balance"), default=0, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("volunteer")
        verbose_name_plural = _("volunteers")
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["id_number"],
                name="volunteers_volunteer_unique_id_number",
                violation_error_message=_("This person is already registered as a volunteer."),
            ),
            models.CheckConstraint(
                condition=Q(points_balance__gte=0),
                name="volunteers_volunteer_balance_not_negative",
            ),
        ]
        indexes = [models.Index(fields=["name"], name="volunteers_volunteer_name")]

    def __str__(self) -> str:
        # Never the ID number: __str__ ends up in the audit log, messages and admin titles.
        return self.name

    def get_additional_data(self) -> dict:
        return {"area_path": self.area.path}


class SponsorKind(models.TextChoices):
    SOCIAL_ORGANISATION = "social_org", _("Social organisation")
    PARTY_ORGANISATION = "party_org", _("Party organisation")
    COMPANY = "company", _("Company")
    STATION = "station", _("Social-work station")
    COMMUNITY = "community", _("Community committee")


class Team(models.Model):
    """A volunteer service organisation or team (志愿服务组织/团队) of a community."""

    name = models.CharField(_("name"), max_length=100)
    area = models.ForeignKey(
        AdminArea, verbose_name=_("community"), on_delete=models.PROTECT, related_name="teams"
    )
    sponsor_kind = models.CharField(_("sponsor kind"), max_length=20, choices=SponsorKind.choices)
    sponsor_name = models.CharField(_("sponsor"), max_length=200, blank=True)
    # The sponsor as a record of the platform, when it is one (the name is then taken from it).
    sponsor_org = models.ForeignKey(
        "orgs.CommunityOrg",
        verbose_name=_("sponsoring community organisation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="volunteer_teams",
    )
    sponsor_station = models.ForeignKey(
        "stations.Station",
        verbose_name=_("sponsoring social-work station"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="volunteer_teams",
    )
    leader = models.ForeignKey(
        Volunteer,
        verbose_name=_("leader"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="led_teams",
    )
    members = models.ManyToManyField(
        Volunteer,
        verbose_name=_("members"),
        through="TeamMembership",
        related_name="teams",
        blank=True,
    )
    founded_on = models.DateField(_("founded on"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("volunteer team")
        verbose_name_plural = _("volunteer teams")
        ordering = ["area", "name"]
        constraints = [
            models.UniqueConstraint(fields=["area", "name"], name="volunteers_team_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_additional_data(self) -> dict:
        return {"area_path": self.area.path}


class TeamMembership(models.Model):
    team = models.ForeignKey(
        Team, verbose_name=_("team"), on_delete=models.CASCADE, related_name="memberships"
    )
    volunteer = models.ForeignKey(
        Volunteer,
        verbose_name=_("volunteer"),
        on_delete=models.CASCADE,
        related_name="memberships",
    )
    joined_on = models.DateField(_("joined on"))

    class Meta:
        verbose_name = _("team membership")
        verbose_name_plural = _("team memberships")
        ordering = ["team", "joined_on", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["team", "volunteer"],
                name="volunteers_teammembership_once",
                violation_error_message=_("This volunteer is already a member of the team."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.volunteer} @ {self.team}"

    def get_additional_data(self) -> dict:
        return {"area_path": self.team.area.path}


class ServicePoint(models.Model):
    """A volunteer service point (志愿服务站点) in a community service facility.

    Ningxia's target: points in at least 80% of community service facilities.
    """

    area = models.ForeignKey(
        AdminArea,
        verbose_name=_("community"),
        on_delete=models.PROTECT,
        related_name="volunteer_service_points",
    )
    name = models.CharField(_("name"), max_length=100)
    facility = models.CharField(
        _("community service facility"),
        max_length=200,
        help_text=_("The community service facility (社区综合服务设施) housing the point."),
    )
    opened_on = models.DateField(_("opened on"))
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("volunteer service point")
        verbose_name_plural = _("volunteer service points")
        ordering = ["area", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["area", "name"], name="volunteers_servicepoint_unique_name"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_additional_data(self) -> dict:
        return {"area_path": self.area.path}


class OrganiserKind(models.TextChoices):
    TEAM = "team", _("Volunteer team")
    STATION = "station", _("Social-work station")
    ORGANISATION = "organisation", _("Community organisation")


class Activity(models.Model):
    """A volunteer service activity; the organiser records (and so certifies) the hours served."""

    title = models.CharField(_("title"), max_length=200)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"), null=True, blank=True)
    place = models.CharField(_("place"), max_length=200)
    area = models.ForeignKey(
        AdminArea, verbose_name=_("community"), on_delete=models.PROTECT, related_name="activities"
    )
    organiser_kind = models.CharField(
        _("organiser kind"), max_length=20, choices=OrganiserKind.choices
    )
    organiser_team = models.ForeignKey(
        Team,
        verbose_name=_("organising team"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="activities",
    )
    organiser_station = models.ForeignKey(
        "stations.Station",
        verbose_name=_("organising station"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="volunteer_activities",
    )
    organiser_org = models.ForeignKey(
        "orgs.CommunityOrg",
        verbose_name=_("organising community organisation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="volunteer_activities",
    )
    # 社工+志愿者: the social worker leading the volunteers, when there is one.
    social_worker = models.ForeignKey(
        "talent.Worker",
        verbose_name=_("leading social worker"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="volunteer_activities",
    )
    # The organiser's name as printed on proofs (filled from the team, station or organisation).
    organiser_name = models.CharField(_("organiser"), max_length=200, blank=True)
    needs = models.TextField(
        _("needs served"), blank=True, help_text=_("The community needs the activity answers.")
    )
    planned_participants = models.PositiveIntegerField(_("planned participants"), default=0)
    actual_participants = models.PositiveIntegerField(
        _("actual participants"), null=True, blank=True
    )

    class Meta:
        verbose_name = _("volunteer activity")
        verbose_name_plural = _("volunteer activities")
        ordering = ["-starts_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__isnull=True) | Q(ends_at__gte=models.F("starts_at")),
                name="volunteers_activity_ends_after_start",
                violation_error_message=_("The activity ends before it starts."),
            ),
            models.CheckConstraint(
                condition=~Q(organiser_kind="team") | Q(organiser_team__isnull=False),
                name="volunteers_activity_team_organiser_named",
                violation_error_message=_("Name the organising team."),
            ),
            models.CheckConstraint(
                condition=~Q(organiser_kind="station") | Q(organiser_station__isnull=False),
                name="volunteers_activity_station_organiser_named",
                violation_error_message=_("Name the organising station."),
            ),
        ]
        indexes = [models.Index(fields=["starts_at"], name="volunteers_activity_starts_at")]

    def __str__(self) -> str:
        return self.title

    def get_additional_data(self) -> dict:
        return {"area_path": self.area.path}


class ServiceRecord(models.Model):
    """Hours a volunteer served at an activity, recorded by the organiser. Counts only verified."""

    volunteer = models.ForeignKey(
        Volunteer,
        verbose_name=_("volunteer"),
        on_delete=models.PROTECT,
        related_name="service_records",
    )
    activity = models.ForeignKey(
        Activity,
        verbose_name=_("activity"),
        on_delete=models.PROTECT,
        related_name="service_records",
    )
    # Copies of the activity's community and start, written by volunteers.services (record_create,
    # activity_save): the list is scoped by area and ordered by start on this table alone, over
    # indexes, instead of walking every activity in time order and probing its area (the national
    # list read 16,000 activities for a province's page of 50; docs/performance.md).
    area = models.ForeignKey(
        AdminArea,
        verbose_name=_("community"),
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
        db_index=False,
    )
    activity_starts_at = models.DateTimeField(_("activity starts at"), editable=False)
    hours = models.DecimalField(
        _("hours"),
        max_digits=4,
        decimal_places=2,
        validators=[
            MinValueValidator(Decimal("0.01")),
            MaxValueValidator(MAX_HOURS_PER_RECORD),
        ],
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    is_verified = models.BooleanField(_("verified"), default=False)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("verified by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)

    class Meta:
        verbose_name = _("service record")
        verbose_name_plural = _("service records")
        ordering = ["-activity_starts_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["volunteer", "activity"],
                name="volunteers_servicerecord_once_per_activity",
                violation_error_message=_("This volunteer already has a record for the activity."),
            ),
            models.CheckConstraint(
                condition=Q(hours__gt=0) & Q(hours__lte=MAX_HOURS_PER_RECORD),
                name="volunteers_servicerecord_hours_range",
            ),
        ]
        indexes = [
            models.Index(fields=["volunteer", "is_verified"], name="volunteers_record_verified"),
            # The list in its order: walked from the top for a wide reach …
            models.Index(fields=["-activity_starts_at", "id"], name="volunteers_record_recent"),
            # … and per community for a narrow one (also the index of the area foreign key).
            models.Index(
                fields=["area", "-activity_starts_at", "id"], name="volunteers_record_area_recent"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.volunteer} @ {self.activity}: {self.hours}"

    def get_additional_data(self) -> dict:
        return {"area_path": self.area.path}


class ServiceRecordCorrection(models.Model):
    """One change of a service record (append-only): hours corrected, verified or un-verified."""

    class Kind(models.TextChoices):
        HOURS = "hours", _("Hours corrected")
        VERIFY = "verify", _("Verified")
        UNVERIFY = "unverify", _("Verification withdrawn")

    record = models.ForeignKey(
        ServiceRecord,
        verbose_name=_("service record"),
        on_delete=models.CASCADE,
        related_name="corrections",
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    old_hours = models.DecimalField(_("hours before"), max_digits=4, decimal_places=2)
    new_hours = models.DecimalField(_("hours after"), max_digits=4, decimal_places=2)
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("changed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    changed_at = models.DateTimeField(_("changed at"), auto_now_add=True)

    class Meta:
        verbose_name = _("service record correction")
        verbose_name_plural = _("service record corrections")
        ordering = ["record", "changed_at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.old_hours} → {self.new_hours}"

    def get_additional_data(self) -> dict:
        return {"area_path": self.record.area.path}


class PointsRule(models.Model):
    """Points earned per verified hour in an area (a city or county); the nearest ancestor wins."""

    area = models.OneToOneField(
        AdminArea,
        verbose_name=_("area"),
        on_delete=models.PROTECT,
        related_name="volunteer_points_rule",
    )
    points_per_hour = models.DecimalField(
        _("points per verified hour"),
        max_digits=6,
        decimal_places=2,
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(1000))],
    )

    class Meta:
        verbose_name = _("points rule")
        verbose_name_plural = _("points rules")
        ordering = ["area"]

    def __str__(self) -> str:
        return f"{self.area.name}: {self.points_per_hour}"

    def get_additional_data(self) -> dict:
        return {"area_path": self.area.path}


class PointsEntry(models.Model):
    """One line of a volunteer's community points ledger (社区公益积分). Append-only."""

    class Kind(models.TextChoices):
        EARN = "earn", _("Earned")
        SPEND = "spend", _("Spent")
        REVERSE = "reverse", _("Reversed")

    volunteer = models.ForeignKey(
        Volunteer,
        verbose_name=_("volunteer"),
        on_delete=models.PROTECT,
        related_name="points_entries",
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    # Signed: earnings are positive, spending and reversals negative.
    amount = models.IntegerField(_("points"))
    balance_after = models.PositiveIntegerField(_("balance after"))
    service_record = models.ForeignKey(
        ServiceRecord,
        verbose_name=_("service record"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="points_entries",
    )
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    reference = models.CharField(
        _("reference"),
        max_length=100,
        blank=True,
        help_text=_("Where the points were spent, e.g. a charity supermarket's receipt number."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("entered by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("points entry")
        verbose_name_plural = _("points entries")
        ordering = ["volunteer", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind="earn") & Q(amount__gt=0))
                | (Q(kind__in=["spend", "reverse"]) & Q(amount__lt=0)),
                name="volunteers_pointsentry_sign_follows_kind",
            ),
            models.CheckConstraint(
                condition=Q(balance_after__gte=0),
                name="volunteers_pointsentry_balance_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.volunteer} {self.amount:+d}"

    def get_additional_data(self) -> dict:
        return {"area_path": self.volunteer.area.path}


class IssuedProof(models.Model):
    """A proof of volunteer service (志愿服务记录证明) as issued: its serial verifies it publicly."""

    serial = models.CharField(_("serial number"), max_length=32, unique=True, editable=False)
    volunteer = models.ForeignKey(
        Volunteer, verbose_name=_("volunteer"), on_delete=models.PROTECT, related_name="proofs"
    )
    period_start = models.DateField(_("period from"))
    period_end = models.DateField(_("period to"))
    total_hours = models.DecimalField(_("verified hours"), max_digits=8, decimal_places=2)
    activity_count = models.PositiveIntegerField(_("activities"))
    issuer_name = models.CharField(_("issued by (organisation)"), max_length=200)
    # The issuing organisation's area: scoping uses it.
    area = models.ForeignKey(
        AdminArea, verbose_name=_("issuer's area"), on_delete=models.PROTECT, related_name="+"
    )
    # The recording organisation that issues the proof: one of a team, a station or a community
    # organisation, and the proof counts only the activities it ran. (Proofs issued before the
    # issuer was recorded name none: they counted the activities in `area`.)
    team = models.ForeignKey(
        Team,
        verbose_name=_("issuing team"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="proofs",
    )
    station = models.ForeignKey(
        "stations.Station",
        verbose_name=_("issuing station"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="volunteer_proofs",
    )
    organisation = models.ForeignKey(
        "orgs.CommunityOrg",
        verbose_name=_("issuing community organisation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="volunteer_proofs",
    )
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("issued by (user)"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    issued_at = models.DateTimeField(_("issued at"))
    content_hash = models.CharField(_("SHA-256 of the PDF"), max_length=64, editable=False)
    pdf = models.BinaryField(_("PDF"), editable=False)

    class Meta:
        verbose_name = _("issued proof of service")
        verbose_name_plural = _("issued proofs of service")
        ordering = ["-issued_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(period_end__gte=models.F("period_start")),
                name="volunteers_issuedproof_period_order",
            ),
            models.CheckConstraint(
                condition=Q(team__isnull=True, station__isnull=True)
                | Q(team__isnull=True, organisation__isnull=True)
                | Q(station__isnull=True, organisation__isnull=True),
                name="volunteers_issuedproof_one_issuer",
                violation_error_message=_("A proof has one issuer."),
            ),
        ]

    def __str__(self) -> str:
        return self.serial

    def get_additional_data(self) -> dict:
        return {"area_path": self.area.path}


auditlog.register(
    Volunteer,
    mask_fields=["id_number", "phone"],
    mask_callable="volunteers.privacy.mask_for_audit",
    exclude_fields=["created_at", "updated_at", "points_balance"],
)
for _model in (
    Team,
    TeamMembership,
    ServicePoint,
    Activity,
    ServiceRecord,
    ServiceRecordCorrection,
    PointsRule,
):
    auditlog.register(_model)
