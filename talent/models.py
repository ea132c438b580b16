"""The social-work workforce (社会工作人才队伍): workers, national certificates and their
registration (注册登记), continuing education, the national exam and incentives.

A `Worker` is one person in the whole platform, identified by the resident ID number; the rule for
a person already registered in another area lives in `talent.services.workers` (module docstring).
"""

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from auditlog.registry import auditlog

from stations.models import AdminArea
from stations.validators import validate_id_number
from talent.validators import validate_phone


class Worker(models.Model):
    """A social worker or community worker (社会工作者 / 社区工作者), once in the whole platform."""

    class Gender(models.TextChoices):
        MALE = "male", _("Male")
        FEMALE = "female", _("Female")

    class Education(models.TextChoices):
        BELOW_COLLEGE = "below_college", _("Below college")
        COLLEGE = "college", _("College (3-year)")
        BACHELOR = "bachelor", _("Bachelor")
        MASTER = "master", _("Master")
        DOCTORATE = "doctorate", _("Doctorate")

    class Major(models.TextChoices):
        SOCIAL_WORK = "social_work", _("Social work")
        RELATED = "related", _("Related major")
        OTHER = "other", _("Other major")

    class EmployerKind(models.TextChoices):
        STATION = "station", _("Social-work station")
        CONTRACTOR = "contractor", _("Contractor")
        COMMUNITY_COMMITTEE = "community_committee", _("Community committee")
        SOCIAL_ORGANISATION = "social_org", _("Social organisation")
        GOVERNMENT = "government", _("Government")

    class Post(models.TextChoices):
        STATION_STAFF = "station_staff", _("Station staff")
        COMMUNITY_WORKER = "community_worker", _("Community worker")
        ORGANISATION_STAFF = "organisation_staff", _("Organisation staff")
        CIVIL_SERVANT = "civil_servant", _("Civil servant")
        OTHER = "other", _("Other post")

    name = models.CharField(_("name"), max_length=50)
    # Personal information: shown in full only to roles holding stations.view_personal_data, and
    # never used in URLs (look a person up by pk, or POST the number to /workers/lookup/).
    id_number = models.CharField(
        _("resident ID number"), max_length=18, validators=[validate_id_number]
    )
    # Derived from the ID number by the services and imports (digits 7-14, the 17th digit).
    birth_date = models.DateField(_("birth date"), editable=False)
    gender = models.CharField(_("gender"), max_length=6, choices=Gender.choices, editable=False)
    phone = models.CharField(_("phone"), max_length=20, blank=True, validators=[validate_phone])
    education = models.CharField(_("education"), max_length=20, choices=Education.choices)
    major = models.CharField(_("major"), max_length=20, choices=Major.choices)
    employer_kind = models.CharField(
        _("employer kind"), max_length=20, choices=EmployerKind.choices, blank=True
    )
    employer_name = models.CharField(_("employer"), max_length=200, blank=True)
    post = models.CharField(_("post"), max_length=20, choices=Post.choices)
    # The area the person works in; scoping uses it.
    area = models.ForeignKey(
        AdminArea, verbose_name=_("area"), on_delete=models.PROTECT, related_name="workers"
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("social worker")
        verbose_name_plural = _("social workers")
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["id_number"],
                name="talent_worker_unique_id_number",
                violation_error_message=_("This person is already registered."),
            ),
            models.CheckConstraint(
                condition=Q(gender__in=["male", "female"]), name="talent_worker_gender_known"
            ),
        ]
        indexes = [models.Index(fields=["name"], name="talent_worker_name")]

    def __str__(self) -> str:
        # Never the ID number: __str__ ends up in the audit log, messages and admin titles.
        return self.name

    def get_additional_data(self) -> dict:
        return {"area_path": self.area.path}

    def held_certificates(self):
        """The certificates: the list `selectors.workers_shaped` fetched for a whole page, else a query.

        The shaped lists are plain attributes (`Prefetch(to_attr=…)`): Django's default prefetch
        builds a filtered queryset per row to hold each row's cache, about 0.1 ms a row and
        relation, a tenth of a page of 50 workers.
        """
        listed = getattr(self, "listed_certificates", None)
        return listed if listed is not None else self.certificates.all()

    def served_area_links(self):
        """The links to further areas (with their area, fetched for the page when shaped)."""
        listed = getattr(self, "listed_area_links", None)
        return listed if listed is not None else self.area_links.all()


class WorkerAreaLink(models.Model):
    """Another area a worker serves besides their own (a second county, say).

    One person, one record: when a county registers someone another county already keeps, the
    person is linked to the new area instead of being recorded twice. Both counties then reach
    the record (see WORKER_REACH); the bureau of the worker's own `area` keeps it (changes the
    person's fields, transfers, deletes), the linked one sees it and records its own facts.
    """

    worker = models.ForeignKey(
        Worker, verbose_name=_("worker"), on_delete=models.CASCADE, related_name="area_links"
    )
    area = models.ForeignKey(
        AdminArea,
        verbose_name=_("area served"),
        on_delete=models.PROTECT,
        related_name="worker_links",
    )
    created_at = models.DateTimeField(_("linked at"), auto_now_add=True)

    class Meta:
        verbose_name = _("area served by a worker")
        verbose_name_plural = _("areas served by workers")
        ordering = ["worker", "area__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["worker", "area"],
                name="talent_workerarealink_once",
                violation_error_message=_("This person is already linked to this area."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.worker} – {self.area}"

    def get_additional_data(self) -> dict:
        return {"area_path": self.area.path}


# The paths from a worker to the areas that reach them: their own area and the areas linked.
WORKER_REACH = ("area", "area_links__area")


def worker_reach(prefix: str) -> tuple[str, ...]:
    """WORKER_REACH from a related row, e.g. worker_reach("worker__") for certificates."""
    return tuple(f"{prefix}{field}" for field in WORKER_REACH)


class Certificate(models.Model):
    """A national social-worker certificate (全国社会工作者职业水平证书)."""

    class Level(models.TextChoices):
        ASSISTANT = "assistant", _("Assistant social worker")
        INTERMEDIATE = "intermediate", _("Social worker (intermediate)")
        SENIOR = "senior", _("Senior social worker")

    worker = models.ForeignKey(
        Worker, verbose_name=_("worker"), on_delete=models.CASCADE, related_name="certificates"
    )
    level = models.CharField(_("level"), max_length=12, choices=Level.choices)
    number = models.CharField(_("certificate number"), max_length=40)
    obtained_on = models.DateField(_("date obtained"))

    class Meta:
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")
        ordering = ["worker", "obtained_on", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["number"],
                name="talent_certificate_unique_number",
                violation_error_message=_("This certificate number is already recorded."),
            ),
            models.UniqueConstraint(
                fields=["worker", "level"],
                name="talent_certificate_one_per_level",
                violation_error_message=_("This person already holds a certificate of this level."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_level_display()} {self.number}"

    def get_additional_data(self) -> dict:
        return {"area_path": self.worker.area.path}


LEVEL_RANK = {
    Certificate.Level.ASSISTANT: 1,
    Certificate.Level.INTERMEDIATE: 2,
    Certificate.Level.SENIOR: 3,
}


class Registration(models.Model):
    """A registration period (注册登记) of a certificate: 3 years, then re-registration (再登记)."""

    class Status(models.TextChoices):
        REGISTERED = "registered", _("Registered")
        CANCELLED = "cancelled", _("Cancelled")

    certificate = models.ForeignKey(
        Certificate,
        verbose_name=_("certificate"),
        on_delete=models.CASCADE,
        related_name="registrations",
    )
    starts_on = models.DateField(_("registered on"))
    ends_on = models.DateField(_("valid until"))
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.REGISTERED
    )

    class Meta:
        verbose_name = _("registration")
        verbose_name_plural = _("registrations")
        ordering = ["certificate", "-starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gt=F("starts_on")), name="talent_registration_ends_after_start"
            ),
            models.UniqueConstraint(
                fields=["certificate", "starts_on"], name="talent_registration_unique_start"
            ),
        ]
        indexes = [models.Index(fields=["ends_on"], name="talent_registration_ends_on")]

    def __str__(self) -> str:
        return f"{self.starts_on} – {self.ends_on}"

    def get_additional_data(self) -> dict:
        return {"area_path": self.certificate.worker.area.path}


class Training(models.Model):
    """A training event; attending it counts as continuing education (继续教育)."""

    topic = models.CharField(_("topic"), max_length=200)
    organiser = models.CharField(_("organiser"), max_length=200)
    held_on = models.DateField(_("date"))
    hours = models.DecimalField(
        _("hours"),
        max_digits=5,
        decimal_places=1,
        validators=[MinValueValidator(Decimal("0.5")), MaxValueValidator(Decimal(500))],
    )
    area = models.ForeignKey(
        AdminArea, verbose_name=_("area"), on_delete=models.PROTECT, related_name="trainings"
    )

    class Meta:
        verbose_name = _("training")
        verbose_name_plural = _("trainings")
        ordering = ["-held_on", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(hours__gt=0), name="talent_training_hours_positive"),
            models.UniqueConstraint(
                fields=["area", "held_on", "topic"], name="talent_training_unique_topic_day"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.held_on} {self.topic}"

    def get_additional_data(self) -> dict:
        return {"area_path": self.area.path}


class TrainingAttendance(models.Model):
    """A worker at a training; the hours count in the registration period covering its date."""

    training = models.ForeignKey(
        Training, verbose_name=_("training"), on_delete=models.CASCADE, related_name="attendances"
    )
    worker = models.ForeignKey(
        Worker,
        verbose_name=_("worker"),
        on_delete=models.CASCADE,
        related_name="training_attendances",
    )
    hours = models.DecimalField(
        _("hours credited"),
        max_digits=5,
        decimal_places=1,
        validators=[MinValueValidator(Decimal("0.5")), MaxValueValidator(Decimal(500))],
    )

    class Meta:
        verbose_name = _("training attendance")
        verbose_name_plural = _("training attendances")
        ordering = ["training", "worker"]
        constraints = [
            models.UniqueConstraint(
                fields=["training", "worker"],
                name="talent_trainingattendance_once",
                violation_error_message=_("This person is already recorded at this training."),
            ),
            models.CheckConstraint(
                condition=Q(hours__gt=0), name="talent_trainingattendance_hours_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.worker} @ {self.training}"

    def get_additional_data(self) -> dict:
        return {"area_path": self.worker.area.path}


class ExamEntry(models.Model):
    """A worker registered for the national exam in a year, and whether they passed."""

    worker = models.ForeignKey(
        Worker, verbose_name=_("worker"), on_delete=models.CASCADE, related_name="exam_entries"
    )
    year = models.PositiveSmallIntegerField(
        _("year"), validators=[MinValueValidator(2008), MaxValueValidator(2100)]
    )
    level = models.CharField(_("level"), max_length=12, choices=Certificate.Level.choices)
    # None until the results are published.
    passed = models.BooleanField(_("passed"), null=True, blank=True)

    class Meta:
        verbose_name = _("exam entry")
        verbose_name_plural = _("exam entries")
        ordering = ["-year", "worker"]
        constraints = [
            models.UniqueConstraint(
                fields=["worker", "year", "level"],
                name="talent_examentry_unique_worker_year_level",
                violation_error_message=_("This person already has an entry for this exam."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.worker} {self.year} {self.get_level_display()}"

    def get_additional_data(self) -> dict:
        return {"area_path": self.worker.area.path}


class IncentivePolicy(models.Model):
    """A subsidy or award policy of an area, with an amount per certificate level."""

    class Kind(models.TextChoices):
        HIRING_SUBSIDY = "hiring_subsidy", _("One-off hiring subsidy")
        AWARD = "award", _("Award")

    name = models.CharField(_("name"), max_length=200)
    area = models.ForeignKey(
        AdminArea,
        verbose_name=_("area"),
        on_delete=models.PROTECT,
        related_name="incentive_policies",
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    assistant_amount = models.DecimalField(
        _("amount for assistant social workers (yuan)"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    intermediate_amount = models.DecimalField(
        _("amount for social workers (yuan)"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    senior_amount = models.DecimalField(
        _("amount for senior social workers (yuan)"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    description = models.TextField(_("description"), blank=True)

    class Meta:
        verbose_name = _("incentive policy")
        verbose_name_plural = _("incentive policies")
        ordering = ["area", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["area", "name"], name="talent_incentivepolicy_unique_name"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def amount_for(self, level: str | None):
        """The policy's amount for a certificate level, or None when it names none."""
        return {
            Certificate.Level.ASSISTANT: self.assistant_amount,
            Certificate.Level.INTERMEDIATE: self.intermediate_amount,
            Certificate.Level.SENIOR: self.senior_amount,
        }.get(level)

    def get_additional_data(self) -> dict:
        return {"area_path": self.area.path}


class IncentiveGrant(models.Model):
    """A subsidy or award granted to a worker under a policy (one per worker and policy)."""

    policy = models.ForeignKey(
        IncentivePolicy, verbose_name=_("policy"), on_delete=models.PROTECT, related_name="grants"
    )
    worker = models.ForeignKey(
        Worker,
        verbose_name=_("worker"),
        on_delete=models.PROTECT,
        related_name="incentive_grants",
    )
    level = models.CharField(
        _("certificate level"), max_length=12, choices=Certificate.Level.choices, blank=True
    )
    amount = models.DecimalField(
        _("amount (yuan)"), max_digits=12, decimal_places=2, validators=[MinValueValidator(0)]
    )
    granted_on = models.DateField(_("granted on"))
    is_paid = models.BooleanField(_("paid"), default=False)
    paid_on = models.DateField(_("paid on"), null=True, blank=True)

    class Meta:
        verbose_name = _("incentive grant")
        verbose_name_plural = _("incentive grants")
        ordering = ["-granted_on", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["policy", "worker"],
                name="talent_incentivegrant_once_per_policy",
                violation_error_message=_("This person already has a grant under this policy."),
            ),
            models.CheckConstraint(
                condition=Q(amount__gt=0), name="talent_incentivegrant_amount_positive"
            ),
            models.CheckConstraint(
                condition=Q(is_paid=True) | Q(paid_on__isnull=True),
                name="talent_incentivegrant_paid_on_only_when_paid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.policy} – {self.worker}"

    def get_additional_data(self) -> dict:
        return {"area_path": self.worker.area.path}


# ID numbers and phones are masked in the audit trail too (see talent.validators.mask_for_audit).
auditlog.register(
    Worker,
    mask_fields=["id_number", "phone"],
    mask_callable="talent.validators.mask_for_audit",
    exclude_fields=["birth_date", "created_at", "updated_at"],
)
auditlog.register(WorkerAreaLink)
auditlog.register(Certificate)
auditlog.register(Registration)
auditlog.register(Training)
auditlog.register(TrainingAttendance)
auditlog.register(ExamEntry)
auditlog.register(IncentivePolicy)
auditlog.register(IncentiveGrant)
