import datetime
import os
from decimal import Decimal

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.deconstruct import deconstructible
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from auditlog.registry import auditlog

from stations.models import AdminArea
from stations.validators import validate_credit_code


class Contractor(models.Model):
    """A contractor organisation (承接主体): a registered enterprise or social organisation."""

    class Kind(models.TextChoices):
        ENTERPRISE = "enterprise", _("Enterprise")
        SOCIAL_ORGANISATION = "social_org", _("Social organisation")

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    credit_code = models.CharField(
        _("unified social credit code"),
        max_length=18,
        unique=True,
        validators=[validate_credit_code],
    )
    # The area whose civil-affairs bureau keeps this record (usually the county where it registered).
    area = models.ForeignKey(
        AdminArea, verbose_name=_("area"), on_delete=models.PROTECT, related_name="contractors"
    )
    contact_person = models.CharField(_("contact person"), max_length=50, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=20, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("contractor")
        verbose_name_plural = _("contractors")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_additional_data(self) -> dict:
        return {"area_path": self.area.path}


class CountyProjectConfig(models.Model):
    """A county's own settings for purchased services; a county without one uses the defaults."""

    area = models.OneToOneField(
        AdminArea,
        verbose_name=_("county"),
        on_delete=models.CASCADE,
        related_name="project_config",
        limit_choices_to={"level": AdminArea.Level.COUNTY},
    )
    monthly_report_due_day = models.PositiveSmallIntegerField(
        _("monthly briefing due day"),
        default=5,
        validators=[MinValueValidator(1), MaxValueValidator(28)],
        help_text=_("The day of the following month by which a monthly briefing is due."),
    )
    township_reviewers = models.BooleanField(
        _("township staff review reports"),
        default=False,
        help_text=_("Reviewers of the landing township may also approve or return reports."),
    )
    grade_excellent_from = models.DecimalField(
        _("excellent from"), max_digits=5, decimal_places=2, default=Decimal(90)
    )
    grade_good_from = models.DecimalField(
        _("good from"), max_digits=5, decimal_places=2, default=Decimal(80)
    )
    grade_pass_from = models.DecimalField(
        _("pass from"), max_digits=5, decimal_places=2, default=Decimal(60)
    )

    class Meta:
        verbose_name = _("county project settings")
        verbose_name_plural = _("county project settings")
        constraints = [
            models.CheckConstraint(
                condition=Q(grade_pass_from__lte=models.F("grade_good_from"))
                & Q(grade_good_from__lte=models.F("grade_excellent_from")),
                name="projects_countyprojectconfig_grade_order",
                violation_error_message=_("The grade thresholds must rise from pass to excellent."),
            ),
        ]

    def __str__(self) -> str:
        return str(self.area)

    def get_additional_data(self) -> dict:
        return {"area_path": self.area.path}


class AnnualPlan(models.Model):
    """A county's annual implementation plan (年度实施计划), filed with the city by 31 March."""

    area = models.ForeignKey(
        AdminArea,
        verbose_name=_("county"),
        on_delete=models.PROTECT,
        related_name="annual_plans",
        limit_choices_to={"level": AdminArea.Level.COUNTY},
    )
    year = models.PositiveSmallIntegerField(
        _("year"), validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    goals = models.TextField(_("goals"))
    budget = models.DecimalField(
        _("budget (yuan)"), max_digits=14, decimal_places=2, validators=[MinValueValidator(0)]
    )
    procurement_method = models.CharField(_("how services are bought"), max_length=200)
    content_and_schedule = models.TextField(_("content and schedule"), blank=True)
    standards = models.TextField(_("quality and quantity standards"), blank=True)
    evaluation_plan = models.TextField(_("evaluation plan"), blank=True)
    submitted_on = models.DateField(
        _("submitted to the city on"),
        null=True,
        blank=True,
        help_text=_("Due to the city by 31 March of the plan year."),
    )

    class Meta:
        verbose_name = _("annual plan")
        verbose_name_plural = _("annual plans")
        ordering = ["-year", "area__code"]
        constraints = [
            models.UniqueConstraint(fields=["area", "year"], name="projects_annualplan_area_year"),
        ]

    def __str__(self) -> str:
        return f"{self.area.name} {self.year}"

    @property
    def due_date(self) -> datetime.date:
        return datetime.date(self.year, 3, 31)

    def days_late(self, today: datetime.date | None = None) -> int:
        """Days past 31 March: up to the submission, or up to `today` when not yet submitted."""
        end = self.submitted_on or today
        if end is None:
            return 0
        return max(0, (end - self.due_date).days)

    def get_additional_data(self) -> dict:
        return {"area_path": self.area.path}


class Contract(models.Model):
    """A purchased-service contract: the county bureau buys a station's work from a contractor."""

    class Status(models.TextChoices):
        PROCUREMENT = "procurement", _("In procurement")
        SIGNED = "signed", _("Signed")
        ACTIVE = "active", _("Active")
        TERMINATED = "terminated", _("Terminated")
        COMPLETED = "completed", _("Completed")

    # The purchaser is the county civil-affairs bureau: the contract belongs to the county.
    area = models.ForeignKey(
        AdminArea,
        verbose_name=_("purchaser (county)"),
        on_delete=models.PROTECT,
        related_name="contracts",
        limit_choices_to={"level": AdminArea.Level.COUNTY},
    )
    townships = models.ManyToManyField(
        AdminArea,
        verbose_name=_("landing townships"),
        related_name="landing_contracts",
        blank=True,
        limit_choices_to={"level": AdminArea.Level.TOWNSHIP},
    )
    stations = models.ManyToManyField(
        "stations.Station",
        verbose_name=_("stations served"),
        related_name="contracts",
        blank=True,
    )
    contractor = models.ForeignKey(
        Contractor, verbose_name=_("contractor"), on_delete=models.PROTECT, related_name="contracts"
    )
    plan = models.ForeignKey(
        AnnualPlan,
        verbose_name=_("annual plan"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="contracts",
    )
    number = models.CharField(_("contract number"), max_length=50, unique=True)
    title = models.CharField(_("title"), max_length=200)
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(
        _("end date"), blank=True, help_text=_("Left empty: three years from the start date.")
    )
    signed_on = models.DateField(_("signed on"), null=True, blank=True)
    activated_on = models.DateField(_("active since"), null=True, blank=True)
    terminated_on = models.DateField(_("terminated on"), null=True, blank=True)
    completed_on = models.DateField(_("completed on"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PROCUREMENT
    )
    status_reason = models.CharField(
        _("reason of the last status change"), max_length=500, blank=True
    )
    content = models.TextField(_("service content"), blank=True)
    quantities = models.TextField(_("service quantities"), blank=True)
    quality_standards = models.TextField(_("quality standards"), blank=True)
    price = models.DecimalField(
        _("price (yuan)"), max_digits=14, decimal_places=2, validators=[MinValueValidator(0)]
    )
    settlement_method = models.CharField(_("settlement method"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("contract")
        verbose_name_plural = _("contracts")
        ordering = ["-start_date", "number"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=models.F("start_date")),
                name="projects_contract_end_after_start",
                violation_error_message=_("The end date cannot be before the start date."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def effective_end(self) -> datetime.date:
        """The last day the contract runs: its termination date when it was cut short."""
        if self.terminated_on and self.terminated_on < self.end_date:
            return self.terminated_on
        return self.end_date

    def get_additional_data(self) -> dict:
        return {"area_path": self.area.path}


class PaymentInstalment(models.Model):
    """One instalment of a contract's payment schedule; the instalments add up to the price."""

    contract = models.ForeignKey(
        Contract, verbose_name=_("contract"), on_delete=models.CASCADE, related_name="instalments"
    )
    due_date = models.DateField(_("due date"))
    amount = models.DecimalField(
        _("amount (yuan)"),
        max_digits=14,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("payment instalment")
        verbose_name_plural = _("payment instalments")
        ordering = ["contract", "due_date", "pk"]

    def __str__(self) -> str:
        return f"{self.due_date}: {self.amount}"

    def get_additional_data(self) -> dict:
        return {"area_path": self.contract.area.path}


class ContractStatusChange(models.Model):
    """One step of a contract's status history."""

    contract = models.ForeignKey(
        Contract,
        verbose_name=_("contract"),
        on_delete=models.CASCADE,
        related_name="status_changes",
    )
    from_status = models.CharField(
        _("from"), max_length=20, choices=Contract.Status.choices, blank=True
    )
    to_status = models.CharField(_("to"), max_length=20, choices=Contract.Status.choices)
    effective_on = models.DateField(_("effective on"))
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("contract status change")
        verbose_name_plural = _("contract status changes")
        ordering = ["contract", "recorded_at", "pk"]

    def __str__(self) -> str:
        return f"{self.from_status or '-'} → {self.to_status}"


@deconstructible
class AttachmentStorage(FileSystemStorage):
    """Report attachments live outside the web root and are served only by a scoped view.

    The folder is `PROJECTS_ATTACHMENT_ROOT`, read at each use (tests point it at a temporary folder).
    """

    def __init__(self):
        super().__init__(base_url=None)

    @cached_property
    def _default_location(self) -> str:
        return str(settings.BASE_DIR / "private" / "report-attachments")

    @property
    def base_location(self) -> str:
        return str(getattr(settings, "PROJECTS_ATTACHMENT_ROOT", None) or self._default_location)

    @property
    def location(self) -> str:
        return os.path.abspath(self.base_location)

    def url(self, name):
        raise ValueError("Report attachments have no public URL.")


class Report(models.Model):
    """A report a contractor owes on a contract: a monthly briefing, the mid-term or the final report.

    Rows are created with their due dates when a contract becomes active; the contractor fills them
    in and submits them. `version` grows with every write, so that a stale form is refused.
    """

    class Kind(models.TextChoices):
        MONTHLY = "monthly", _("Monthly work briefing")
        MID_TERM = "mid_term", _("Mid-term report")
        FINAL = "final", _("Final report")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        RETURNED = "returned", _("Returned")
        RESUBMITTED = "resubmitted", _("Resubmitted")
        APPROVED = "approved", _("Approved")

    contract = models.ForeignKey(
        Contract, verbose_name=_("contract"), on_delete=models.CASCADE, related_name="reports"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    # The first day of the month reported on (for mid-term and final reports: the month they close).
    period = models.DateField(_("period"))
    due_date = models.DateField(_("due date"))
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.DRAFT
    )
    version = models.PositiveIntegerField(_("version"), default=0)
    first_submitted_on = models.DateField(_("first submitted on"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("last submitted at"), null=True, blank=True)
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    return_reason = models.TextField(_("reason for return"), blank=True)
    due_soon_notified_on = models.DateField(_("due-soon reminder sent on"), null=True, blank=True)

    # Content. Services by kind: {"kind": {"count": n, "hours": "h"}}; people by group: {"group": n}.
    services_delivered = models.JSONField(_("services delivered"), default=dict, blank=True)
    people_served = models.JSONField(_("people served by group"), default=dict, blank=True)
    cases_opened = models.PositiveIntegerField(_("cases opened"), default=0)
    cases_closed = models.PositiveIntegerField(_("cases closed"), default=0)
    activities = models.PositiveIntegerField(_("activities held"), default=0)
    volunteers = models.PositiveIntegerField(_("volunteers mobilised"), default=0)
    volunteer_hours = models.DecimalField(
        _("volunteer hours"),
        max_digits=9,
        decimal_places=1,
        default=Decimal(0),
        validators=[MinValueValidator(0)],
    )
    charity_yuan = models.DecimalField(
        _("charity resources linked (yuan)"),
        max_digits=14,
        decimal_places=2,
        default=Decimal(0),
        validators=[MinValueValidator(0)],
    )
    highlights = models.TextField(_("highlights"), blank=True)
    problems = models.TextField(_("problems"), blank=True)
    next_month_plan = models.TextField(_("plan for next month"), blank=True)

    class Meta:
        verbose_name = _("contractor report")
        verbose_name_plural = _("contractor reports")
        ordering = ["due_date", "contract_id", "kind"]
        permissions = [("review_report", _("Can approve or return contractor reports"))]
        constraints = [
            models.UniqueConstraint(
                fields=["contract", "kind", "period"], name="projects_report_contract_kind_period"
            ),
        ]
        indexes = [models.Index(fields=["status", "due_date"], name="projects_report_status_due")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.period:%Y-%m} ({self.contract.number})"

    @property
    def is_locked(self) -> bool:
        return self.status == self.Status.APPROVED

    @property
    def is_editable(self) -> bool:
        return self.status in (self.Status.DRAFT, self.Status.RETURNED)

    def days_late(self, today: datetime.date) -> int:
        """Days past the due date: up to the first submission, or up to `today` if none yet."""
        end = self.first_submitted_on or today
        return max(0, (end - self.due_date).days)

    def get_additional_data(self) -> dict:
        return {"area_path": self.contract.area.path}


class ReportTransition(models.Model):
    """Who moved a report from one state to another, when, and why."""

    report = models.ForeignKey(
        Report, verbose_name=_("report"), on_delete=models.CASCADE, related_name="transitions"
    )
    from_status = models.CharField(_("from"), max_length=12, choices=Report.Status.choices)
    to_status = models.CharField(_("to"), max_length=12, choices=Report.Status.choices)
    reason = models.TextField(_("reason"), blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    at = models.DateTimeField(_("at"), auto_now_add=True)
    # When the contractor was e-mailed about this transition (returns and approvals): a
    # redelivered notification task finds it set and sends nothing again.
    notified_at = models.DateTimeField(_("contractor notified at"), null=True, blank=True)

    class Meta:
        verbose_name = _("report transition")
        verbose_name_plural = _("report transitions")
        ordering = ["report", "at", "pk"]

    def __str__(self) -> str:
        return f"{self.from_status} → {self.to_status}"


def attachment_path(instance, filename: str) -> str:
    extension = os.path.splitext(filename)[1].lower()
    return f"{instance.report.contract_id}/{instance.report_id}/{os.urandom(8).hex()}{extension}"


class ReportAttachment(models.Model):
    """A photo or document attached to a report (jpg, png, pdf, docx, xlsx; at most 10 MB)."""

    report = models.ForeignKey(
        Report, verbose_name=_("report"), on_delete=models.CASCADE, related_name="attachments"
    )
    file = models.FileField(
        _("file"), upload_to=attachment_path, storage=AttachmentStorage(), max_length=200
    )
    original_name = models.CharField(_("file name"), max_length=200)
    size = models.PositiveIntegerField(_("size (bytes)"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("report attachment")
        verbose_name_plural = _("report attachments")
        ordering = ["report", "uploaded_at", "pk"]

    def __str__(self) -> str:
        return self.original_name


class EvaluationIndicator(models.Model):
    """One indicator of a county's annual evaluation; a county's weights for a year sum to 100."""

    area = models.ForeignKey(
        AdminArea,
        verbose_name=_("county"),
        on_delete=models.PROTECT,
        related_name="evaluation_indicators",
        limit_choices_to={"level": AdminArea.Level.COUNTY},
    )
    year = models.PositiveSmallIntegerField(
        _("year"), validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    name = models.CharField(_("indicator"), max_length=200)
    weight = models.DecimalField(
        _("weight"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(100)],
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("evaluation indicator")
        verbose_name_plural = _("evaluation indicators")
        ordering = ["area__code", "year", "position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["area", "year", "name"], name="projects_evaluationindicator_unique_name"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.weight})"

    def get_additional_data(self) -> dict:
        return {"area_path": self.area.path}


class Evaluation(models.Model):
    """A contract's annual performance evaluation; a failing grade terminates the contract."""

    class Grade(models.TextChoices):
        EXCELLENT = "excellent", _("Excellent")
        GOOD = "good", _("Good")
        PASS = "pass", _("Pass")
        FAIL = "fail", _("Fail")

    contract = models.ForeignKey(
        Contract, verbose_name=_("contract"), on_delete=models.PROTECT, related_name="evaluations"
    )
    year = models.PositiveSmallIntegerField(
        _("year"), validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    evaluated_on = models.DateField(_("evaluated on"))
    total_score = models.DecimalField(
        _("total score"), max_digits=5, decimal_places=2, default=Decimal(0), editable=False
    )
    grade = models.CharField(_("grade"), max_length=10, choices=Grade.choices, editable=False)
    comments = models.TextField(_("comments"), blank=True)

    class Meta:
        verbose_name = _("evaluation")
        verbose_name_plural = _("evaluations")
        ordering = ["-year", "contract__number"]
        constraints = [
            models.UniqueConstraint(
                fields=["contract", "year"], name="projects_evaluation_contract_year"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.contract.number} {self.year}: {self.get_grade_display()}"

    def get_additional_data(self) -> dict:
        return {"area_path": self.contract.area.path}


class EvaluationScore(models.Model):
    """The score (0–100) an evaluation gives on one indicator."""

    evaluation = models.ForeignKey(
        Evaluation, verbose_name=_("evaluation"), on_delete=models.CASCADE, related_name="scores"
    )
    indicator = models.ForeignKey(
        EvaluationIndicator,
        verbose_name=_("indicator"),
        on_delete=models.PROTECT,
        related_name="scores",
    )
    score = models.DecimalField(
        _("score"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )

    class Meta:
        verbose_name = _("indicator score")
        verbose_name_plural = _("indicator scores")
        ordering = ["evaluation", "indicator__position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["evaluation", "indicator"], name="projects_evaluationscore_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.indicator.name}: {self.score}"


auditlog.register(Contractor)
auditlog.register(CountyProjectConfig)
auditlog.register(AnnualPlan)
auditlog.register(Contract, m2m_fields={"townships", "stations"})
auditlog.register(Report, exclude_fields=["version"])
auditlog.register(EvaluationIndicator)
auditlog.register(Evaluation)
