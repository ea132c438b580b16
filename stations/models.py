from decimal import Decimal

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from auditlog.registry import auditlog

from stations.evidence import evidence_upload_to, validate_evidence_file
from stations.validators import validate_division_code


class AdminArea(models.Model):
    """An administrative area (行政区划) at one of five levels, identified by its statistical code."""

    class Level(models.IntegerChoices):
        PROVINCE = 0, _("Province")
        CITY = 1, _("City")
        COUNTY = 2, _("County")
        TOWNSHIP = 3, _("Township / street")
        COMMUNITY = 4, _("Community / village")

    class UrbanRural(models.TextChoices):
        URBAN = "urban", _("Urban")
        RURAL = "rural", _("Rural")

    class ClassificationSource(models.TextChoices):
        NBS = "nbs", _("NBS urban-rural code")
        MANUAL = "manual", _("Set by hand")

    code = models.CharField(
        _("division code"), max_length=12, unique=True, validators=[validate_division_code]
    )
    name = models.CharField(_("name"), max_length=100)
    level = models.PositiveSmallIntegerField(_("level"), choices=Level.choices)
    # The parent is referenced by its code, so that a whole division file can be written in one
    # pass without first resolving database ids.
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent area"),
        to_field="code",
        db_column="parent_code",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    # Materialised path of the codes from the root down to this area: "/150600000000/150602000000/".
    # Written only by stations.areas; a subtree is `path__startswith=area.path`.
    path = models.CharField(_("path"), max_length=100, editable=False)
    urban_rural_code = models.CharField(
        _("urban-rural classification code"),
        max_length=3,
        blank=True,
        help_text=_("The NBS 城乡分类代码: 1xx is urban, 2xx is rural."),
    )
    urban_rural = models.CharField(
        _("urban or rural"), max_length=5, choices=UrbanRural.choices, blank=True
    )
    urban_rural_source = models.CharField(
        _("urban/rural classified by"),
        max_length=6,
        choices=ClassificationSource.choices,
        blank=True,
    )
    is_virtual = models.BooleanField(
        _("virtual unit"),
        default=False,
        help_text=_("A statistical unit with no government of its own, such as 市辖区."),
    )
    is_placeholder = models.BooleanField(
        _("placeholder community"),
        default=False,
        help_text=_("A 虚拟社区/虚拟村 that only exists in the statistics."),
    )
    longitude = models.DecimalField(
        _("longitude"),
        max_digits=10,
        decimal_places=7,
        null=True,
        blank=True,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
    )
    latitude = models.DecimalField(
        _("latitude"),
        max_digits=10,
        decimal_places=7,
        null=True,
        blank=True,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("area")
        verbose_name_plural = _("areas")
        ordering = ["code"]
        indexes = [
            # LIKE 'prefix%' uses a btree index on PostgreSQL only with the pattern operator class.
            models.Index(
                fields=["path"], name="stations_area_path_like", opclasses=["varchar_pattern_ops"]
            ),
            models.Index(fields=["level", "code"], name="stations_area_level_code"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(level__gte=0) & Q(level__lte=4), name="stations_adminarea_level_range"
            ),
            models.CheckConstraint(
                condition=Q(parent__isnull=True) | ~Q(parent=models.F("code")),
                name="stations_adminarea_not_own_parent",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    @property
    def is_urban(self) -> bool:
        return self.urban_rural == self.UrbanRural.URBAN

    def get_additional_data(self) -> dict:
        """Stored with each audit entry so that the audit log can be scoped like the area."""
        return {"area_path": self.path}


class AreaPopulation(models.Model):
    """The resident population of an area in a year; targets divide by it."""

    area = models.ForeignKey(
        AdminArea, verbose_name=_("area"), on_delete=models.CASCADE, related_name="populations"
    )
    year = models.PositiveSmallIntegerField(
        _("year"), validators=[MinValueValidator(1949), MaxValueValidator(2100)]
    )
    population = models.PositiveIntegerField(_("population"))
    source = models.CharField(_("source"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("population")
        verbose_name_plural = _("populations")
        ordering = ["area__code", "-year"]
        constraints = [
            models.UniqueConstraint(
                fields=["area", "year"], name="stations_areapopulation_unique_area_year"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.area_id} {self.year}: {self.population}"

    def get_additional_data(self) -> dict:
        return {"area_path": self.area.path}


class User(AbstractUser):
    """A staff or contractor account; what it reaches is decided by its area and its roles."""

    admin_area = models.ForeignKey(
        AdminArea,
        verbose_name=_("area"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
        help_text=_("The user reaches this area and everything below it; no area means nothing."),
    )
    contractor = models.ForeignKey(
        "projects.Contractor",
        verbose_name=_("contractor"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
        help_text=_("For contractor accounts: the organisation whose contracts the user reaches."),
    )
    phone = models.CharField(_("phone"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        permissions = [
            ("view_personal_data", _("Can see full resident ID numbers and phone numbers")),
        ]

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    def get_additional_data(self) -> dict:
        return {"area_path": self.admin_area.path if self.admin_area_id else None}


auditlog.register(AdminArea)
auditlog.register(AreaPopulation)
auditlog.register(
    User,
    exclude_fields=["password", "last_login"],
    m2m_fields={"groups", "user_permissions"},
)


# --- The service network: stations, their status history and "six haves" inspections -------------
# (Issue #3. Staffing and the service ledger follow below.)


class Station(models.Model):
    """A social-work service body of one area: a city or county centre, a station or a room."""

    class Kind(models.TextChoices):
        CITY_CENTRE = "city_centre", _("City social-work guidance centre")
        COUNTY_CENTRE = "county_centre", _("County social-work service centre (total station)")
        TOWNSHIP_STATION = "township_station", _("Township (street) social-work station")
        COMMUNITY_ROOM = "community_room", _("Community (village) social-work room")

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        BUILDING = "building", _("Being built")
        OPERATING = "operating", _("Operating")
        SUSPENDED = "suspended", _("Suspended")
        CLOSED = "closed", _("Closed")

    class HostFacility(models.TextChoices):
        PARTY_MASS_SERVICE_CENTRE = "party_mass_centre", _("Party-and-masses service centre")
        CIVILISATION_PRACTICE = (
            "civilisation_practice",
            _("New-era civilisation practice institute or station"),
        )
        COMMUNITY_SERVICE_FACILITY = (
            "community_facility",
            _("Community comprehensive service facility"),
        )
        OTHER = "other", _("Other premises")

    class Operator(models.TextChoices):
        CONTRACTOR = "contractor", _("A contractor under a purchased-service contract")
        GOVERNMENT = "government", _("The government directly")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    area = models.ForeignKey(
        AdminArea,
        verbose_name=_("area"),
        on_delete=models.PROTECT,
        related_name="service_stations",
        help_text=_(
            "City for a guidance centre, county for a centre, township for a station, "
            "community or village for a room."
        ),
    )
    name = models.CharField(
        _("name"),
        max_length=200,
        blank=True,
        help_text=_("The name in daily use; left empty, the signboard name is used."),
    )
    # Generated by the services from the area's names (stations.signboards); never typed in.
    signboard_name = models.CharField(_("signboard name"), max_length=200, editable=False)
    address = models.CharField(_("address"), max_length=200, blank=True)
    longitude = models.DecimalField(
        _("longitude"),
        max_digits=10,
        decimal_places=7,
        null=True,
        blank=True,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
    )
    latitude = models.DecimalField(
        _("latitude"),
        max_digits=10,
        decimal_places=7,
        null=True,
        blank=True,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
    )
    host_facility = models.CharField(
        _("host facility"), max_length=30, choices=HostFacility.choices, blank=True
    )
    # The office's phone, not a person's: not personal data.
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    opened_on = models.DateField(_("opening date"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PLANNED
    )
    # The date of the latest status change; the whole history is in StationStatusChange.
    status_since = models.DateField(_("status since"))
    operator = models.CharField(
        _("run by"), max_length=12, choices=Operator.choices, default=Operator.GOVERNMENT
    )
    contractor = models.ForeignKey(
        "projects.Contractor",
        verbose_name=_("contractor"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="stations",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("service station")
        verbose_name_plural = _("service stations")
        ordering = ["area__code", "kind", "pk"]
        constraints = [
            # One open centre per city and county, one open station per township; a closed one
            # stays on record and does not block its successor. Rooms are not limited.
            models.UniqueConstraint(
                fields=["area"],
                condition=Q(kind__in=["city_centre", "county_centre", "township_station"])
                & ~Q(status="closed"),
                name="stations_station_one_open_per_area",
                violation_error_message=_(
                    "This area already has an open service body of this kind."
                ),
            ),
            models.CheckConstraint(
                condition=Q(operator="contractor", contractor__isnull=False)
                | Q(operator="government", contractor__isnull=True),
                name="stations_station_contractor_matches_operator",
                violation_error_message=_(
                    "A contractor is named exactly when the station is run by a contractor."
                ),
            ),
        ]
        indexes = [models.Index(fields=["kind", "status"], name="stations_station_kind_status")]

    def __str__(self) -> str:
        return self.name or self.signboard_name

    def get_additional_data(self) -> dict:
        return {"area_path": self.area.path}


class StationStatusChange(models.Model):
    """One step of a station's life (planned → being built → operating …), with its date."""

    station = models.ForeignKey(
        Station,
        verbose_name=_("station"),
        on_delete=models.CASCADE,
        related_name="status_changes",
    )
    # Empty for the first entry, written when the station is recorded.
    from_status = models.CharField(
        _("from status"), max_length=10, choices=Station.Status.choices, blank=True
    )
    to_status = models.CharField(_("to status"), max_length=10, choices=Station.Status.choices)
    changed_on = models.DateField(_("date of change"))
    note = models.CharField(_("note"), max_length=500, blank=True)
    recorded_by = models.ForeignKey(
        User,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("station status change")
        verbose_name_plural = _("station status changes")
        ordering = ["station", "changed_on", "pk"]

    def __str__(self) -> str:
        return f"{self.changed_on}: {self.get_to_status_display()}"

    def get_additional_data(self) -> dict:
        return {"area_path": self.station.area.path}


class StationInspection(models.Model):
    """A dated inspection of a station against the "six haves" (六有); the latest one counts."""

    class Item(models.TextChoices):
        PREMISES = "premises", _("Fixed premises")
        EQUIPMENT = "equipment", _("Necessary equipment")
        STAFF = "staff", _("Professional staff")
        FUNCTIONS = "functions", _("Sound service functions")
        RULES = "rules", _("Complete rules and regulations")
        WORKFLOW = "workflow", _("Standard workflow")

    station = models.ForeignKey(
        Station, verbose_name=_("station"), on_delete=models.CASCADE, related_name="inspections"
    )
    # The station's area, copied by the services so that scoping is one join like everywhere else.
    area = models.ForeignKey(
        AdminArea,
        verbose_name=_("area"),
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    inspected_on = models.DateField(_("inspection date"))
    inspector = models.CharField(_("inspected by"), max_length=100, blank=True)
    premises_passed = models.BooleanField(_("fixed premises: passed"), default=False)
    premises_note = models.CharField(_("fixed premises: note"), max_length=500, blank=True)
    equipment_passed = models.BooleanField(_("necessary equipment: passed"), default=False)
    equipment_note = models.CharField(_("necessary equipment: note"), max_length=500, blank=True)
    staff_passed = models.BooleanField(_("professional staff: passed"), default=False)
    staff_note = models.CharField(_("professional staff: note"), max_length=500, blank=True)
    functions_passed = models.BooleanField(_("service functions: passed"), default=False)
    functions_note = models.CharField(_("service functions: note"), max_length=500, blank=True)
    rules_passed = models.BooleanField(_("rules and regulations: passed"), default=False)
    rules_note = models.CharField(_("rules and regulations: note"), max_length=500, blank=True)
    workflow_passed = models.BooleanField(_("standard workflow: passed"), default=False)
    workflow_note = models.CharField(_("standard workflow: note"), max_length=500, blank=True)
    note = models.TextField(_("overall note"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("six-haves inspection")
        verbose_name_plural = _("six-haves inspections")
        ordering = ["station", "-inspected_on"]
        constraints = [
            # One a day, so that "the latest inspection" is always one row.
            models.UniqueConstraint(
                fields=["station", "inspected_on"],
                name="stations_stationinspection_one_per_day",
                violation_error_message=_("This station already has an inspection on this date."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.station} {self.inspected_on}"

    def get_additional_data(self) -> dict:
        return {"area_path": self.area.path}

    def failing_items(self) -> list[str]:
        """The items (Item values) that did not pass, in the policy's order."""
        return [item for item in self.Item.values if not getattr(self, f"{item}_passed")]

    @property
    def meets_standard(self) -> bool:
        return not self.failing_items()


class InspectionEvidence(models.Model):
    """A photo or PDF supporting an inspection, or one item of it."""

    inspection = models.ForeignKey(
        StationInspection,
        verbose_name=_("inspection"),
        on_delete=models.CASCADE,
        related_name="evidence",
    )
    item = models.CharField(
        _("item"),
        max_length=10,
        choices=StationInspection.Item.choices,
        blank=True,
        help_text=_("Empty when the file supports the inspection as a whole."),
    )
    file = models.FileField(
        _("file"),
        upload_to=evidence_upload_to,
        max_length=200,
        validators=[validate_evidence_file],
        help_text=_("A JPEG, PNG or WebP image or a PDF, at most 10 MB."),
    )
    # Detected from the file's first bytes by the services; downloads are served with it.
    content_type = models.CharField(_("content type"), max_length=40, editable=False)
    original_name = models.CharField(_("original file name"), max_length=200, editable=False)
    size = models.PositiveIntegerField(_("size in bytes"), editable=False)
    description = models.CharField(_("description"), max_length=200, blank=True)
    uploaded_by = models.ForeignKey(
        User,
        verbose_name=_("uploaded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("inspection evidence")
        verbose_name_plural = _("inspection evidence")
        ordering = ["inspection", "item", "pk"]

    def __str__(self) -> str:
        return self.original_name

    def get_additional_data(self) -> dict:
        return {"area_path": self.inspection.area.path}


auditlog.register(Station)
auditlog.register(StationStatusChange)
auditlog.register(StationInspection)
auditlog.register(InspectionEvidence)


# --- Staffing, the rules of stations and the service ledger ----------------------------------------


def worker_education_choices() -> list[tuple[str, str]]:
    """The education levels of talent.Worker, lowest first (imported late: talent imports us)."""
    from talent.models import Worker

    return Worker.Education.choices


class StaffingRule(models.Model):
    """The staffing and service rules for the township stations of an area and below.

    The most specific rule up the area tree applies (the township's, else the county's, else the
    city's…); without any, the defaults below: Jinan's staffing rule and Beijing's yearly figures.
    """

    class Qualification(models.TextChoices):
        SOCIAL_WORK = (
            "social_work",
            _("Social-work qualification (Jinan: social-work or related degree, or a certificate)"),
        )
        PROFESSIONAL = (
            "professional",
            _(
                "Professional staff (Beijing: intermediate certificate, assistant certificate for "
                "3 years, or a social-work bachelor's degree)"
            ),
        )

    area = models.ForeignKey(
        AdminArea, verbose_name=_("area"), on_delete=models.CASCADE, related_name="staffing_rules"
    )
    min_resident_staff = models.PositiveSmallIntegerField(
        _("minimum resident staff"), default=3, validators=[MaxValueValidator(50)]
    )
    max_age = models.PositiveSmallIntegerField(
        _("maximum age of resident staff"),
        default=40,
        validators=[MinValueValidator(18), MaxValueValidator(70)],
        help_text=_("Full years on the date of the check, from the birth date in the ID number."),
    )
    min_education = models.CharField(
        _("minimum education"), max_length=20, choices=worker_education_choices, default="college"
    )
    qualification = models.CharField(
        _("qualification counted"),
        max_length=12,
        choices=Qualification.choices,
        default=Qualification.SOCIAL_WORK,
    )
    # A fraction, so that "two thirds" is exact: 2 of 3 passes, 3 of 5 does not.
    qualified_numerator = models.PositiveSmallIntegerField(
        _("qualified share: numerator"), default=2
    )
    qualified_denominator = models.PositiveSmallIntegerField(
        _("qualified share: denominator"), default=3, validators=[MinValueValidator(1)]
    )
    min_community_hours_per_week = models.DecimalField(
        _("minimum hours in communities per resident worker per week"),
        max_digits=4,
        decimal_places=1,
        default=24,
        validators=[MinValueValidator(0), MaxValueValidator(168)],
    )
    min_service_cases = models.PositiveSmallIntegerField(
        _("minimum service cases a year"), default=10
    )
    min_supervision_hours = models.DecimalField(
        _("minimum supervision hours a year"),
        max_digits=6,
        decimal_places=1,
        default=60,
        validators=[MinValueValidator(0)],
    )
    note = models.CharField(_("source or note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("station rule")
        verbose_name_plural = _("station rules")
        ordering = ["area__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["area"],
                name="stations_staffingrule_one_per_area",
                violation_error_message=_("This area already has its rule."),
            ),
            models.CheckConstraint(
                condition=Q(qualified_numerator__lte=models.F("qualified_denominator"))
                & Q(qualified_denominator__gte=1),
                name="stations_staffingrule_share_at_most_one",
                violation_error_message=_("The qualified share cannot be more than all staff."),
            ),
        ]

    def __str__(self) -> str:
        return str(_("Rule of %(area)s") % {"area": self.area.name if self.area_id else "-"})

    def get_additional_data(self) -> dict:
        return {"area_path": self.area.path}


class StationAssignment(models.Model):
    """A worker on the staff of a station, in a role, from a date to a date (open-ended)."""

    class Role(models.TextChoices):
        HEAD = "head", _("Station head")
        RESIDENT = "resident", _("Resident social worker")
        SUPERVISOR = "supervisor", _("Supervisor")

    station = models.ForeignKey(
        Station, verbose_name=_("station"), on_delete=models.PROTECT, related_name="assignments"
    )
    # The station's area, copied by the services (scoping is one join).
    area = models.ForeignKey(
        AdminArea,
        verbose_name=_("area"),
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    worker = models.ForeignKey(
        "talent.Worker",
        verbose_name=_("worker"),
        on_delete=models.PROTECT,
        related_name="station_assignments",
    )
    role = models.CharField(_("role"), max_length=12, choices=Role.choices)
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("station staff assignment")
        verbose_name_plural = _("station staff")
        ordering = ["station", "role", "starts_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
                name="stations_stationassignment_ends_after_start",
                violation_error_message=_("An assignment cannot end before it starts."),
            ),
        ]
        indexes = [
            models.Index(fields=["worker", "starts_on"], name="stations_assignment_worker"),
            models.Index(fields=["station", "starts_on"], name="stations_assignment_station"),
        ]

    def __str__(self) -> str:
        return f"{self.worker} – {self.get_role_display()}"

    def get_additional_data(self) -> dict:
        return {"area_path": self.area.path}


class VulnerableGroup(models.TextChoices):
    """The vulnerable groups the seeds name; the ledger counts the people served in each."""

    SUBSISTENCE_ALLOWANCE = "subsistence_allowance", _("Subsistence-allowance (dibao) households")
    EXTREME_POVERTY = "extreme_poverty", _("Extreme-poverty persons")
    LEFT_BEHIND_ELDERLY = "left_behind_elderly", _("Left-behind elderly")
    LEFT_BEHIND_CHILDREN = "left_behind_children", _("Left-behind children")
    LEFT_BEHIND_WOMEN = "left_behind_women", _("Left-behind women")
    VETERANS = "veterans", _("Veterans")
    LONE_ELDERLY = "lone_elderly", _("Elderly living alone")
    DISABLED = "disabled", _("Disabled people")
    CHILDREN_IN_DIFFICULTY = "children_in_difficulty", _("Children in difficulty")
    BEREAVED_SINGLE_CHILD_FAMILIES = (
        "bereaved_single_child",
        _("Families who lost their only child"),
    )
    COMMUNITY_CORRECTIONS = "community_corrections", _("Community-corrections persons")


def validate_people_served(value) -> None:
    """{group: count}: known groups only, each a whole number from 1 to 100,000."""
    if not isinstance(value, dict):
        raise ValidationError(
            _("Give the people served as {group: count}."), code="people_served_format"
        )
    unknown = sorted(str(key) for key in value if key not in VulnerableGroup.values)
    if unknown:
        raise ValidationError(
            _("Unknown groups: %(groups)s."),
            code="people_served_group",
            params={"groups": ", ".join(unknown)},
        )
    for key, count in value.items():
        if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= 100_000:
            raise ValidationError(
                _("The count for %(group)s must be a whole number from 1 to 100,000."),
                code="people_served_count",
                params={"group": key},
            )


class ServiceLogEntry(models.Model):
    """An entry of the service ledger (服务台账): a worker's hours of one kind of work on a day."""

    class Kind(models.TextChoices):
        INDIVIDUAL_CASE = "case", _("Individual case work")
        GROUP_WORK = "group", _("Group work")
        COMMUNITY_ACTIVITY = "community", _("Community activity")
        NEEDS_SURVEY = "needs_survey", _("Needs survey")
        SUPERVISION_GIVEN = "supervision_given", _("Professional supervision given")
        SUPERVISION_RECEIVED = "supervision_received", _("Professional supervision received")
        TRAINING = "training", _("Training")
        OTHER = "other", _("Other")

    station = models.ForeignKey(
        Station,
        verbose_name=_("station"),
        on_delete=models.PROTECT,
        related_name="service_log_entries",
    )
    # The station's area, copied by the services (scoping is one join).
    area = models.ForeignKey(
        AdminArea,
        verbose_name=_("area"),
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    worker = models.ForeignKey(
        "talent.Worker",
        verbose_name=_("worker"),
        on_delete=models.PROTECT,
        related_name="service_log_entries",
    )
    served_on = models.DateField(_("date"))
    community = models.ForeignKey(
        AdminArea,
        verbose_name=_("community served"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The community or village where the work was done, within the station's area."),
    )
    hours = models.DecimalField(
        _("hours"),
        max_digits=3,
        decimal_places=1,
        validators=[MinValueValidator(Decimal("0.5")), MaxValueValidator(24)],
    )
    kind = models.CharField(_("kind of work"), max_length=20, choices=Kind.choices)
    # Individual case work only: the case's reference, so that the sessions of one case count
    # as one case ("BJ-2025-007"). Upper-cased by the services.
    case_reference = models.CharField(_("case reference"), max_length=40, blank=True)
    people_served = models.JSONField(
        _("people served by group"),
        default=dict,
        blank=True,
        validators=[validate_people_served],
        help_text=_("Counts of people served in each vulnerable group."),
    )
    volunteers = models.PositiveSmallIntegerField(_("volunteers involved"), default=0)
    note = models.TextField(_("notes"), blank=True)
    recorded_by = models.ForeignKey(
        User,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    # Raised by log_entry_save on every save: an editor sends the version they loaded, and a
    # save over someone else's change is refused instead of silently overwriting it.
    version = models.PositiveIntegerField(_("version"), default=0, editable=False)

    class Meta:
        verbose_name = _("service ledger entry")
        verbose_name_plural = _("service ledger")
        ordering = ["-served_on", "station", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(hours__gt=0) & Q(hours__lte=24),
                name="stations_servicelogentry_hours_in_a_day",
            ),
            models.CheckConstraint(
                condition=(Q(kind="case") & ~Q(case_reference=""))
                | (~Q(kind="case") & Q(case_reference="")),
                name="stations_servicelogentry_case_reference_for_cases",
                violation_error_message=_(
                    "Individual case work needs a case reference; other work has none."
                ),
            ),
        ]
        indexes = [
            models.Index(fields=["station", "served_on"], name="stations_log_station_date"),
            models.Index(fields=["worker", "served_on"], name="stations_log_worker_date"),
        ]

    def __str__(self) -> str:
        return f"{self.served_on} {self.worker} {self.get_kind_display()} {self.hours}h"

    def get_additional_data(self) -> dict:
        return {"area_path": self.area.path}


auditlog.register(StaffingRule)
auditlog.register(StationAssignment)
auditlog.register(ServiceLogEntry)
