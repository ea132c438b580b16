"""Policy targets and the compliance snapshots computed against them.

A run computes every metric for every area of a subtree for a year into a new snapshot; readers
see the previous complete snapshot until the new one is complete. Thresholds are versioned and
copied into each result, so a changed threshold never rewrites a report already computed.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from auditlog.registry import auditlog

from stations.models import AdminArea


class Target(models.Model):
    """A policy target: a metric compared with a threshold, for the areas of a subtree and a year."""

    class Comparison(models.TextChoices):
        AT_LEAST = "gte", _("at least")
        AT_MOST = "lte", _("at most")

    metric = models.CharField(_("metric"), max_length=64)
    comparison = models.CharField(
        _("comparison"), max_length=3, choices=Comparison.choices, default=Comparison.AT_LEAST
    )
    area = models.ForeignKey(
        AdminArea,
        verbose_name=_("applies within"),
        on_delete=models.CASCADE,
        related_name="targets",
        help_text=_("The target applies to this area and the areas below it."),
    )
    level = models.PositiveSmallIntegerField(
        _("at level"),
        choices=AdminArea.Level.choices,
        null=True,
        blank=True,
        help_text=_("Only areas of this level are judged; empty means every level."),
    )
    year = models.PositiveSmallIntegerField(_("year"))
    source_document = models.CharField(_("policy document"), max_length=200)
    source_clause = models.CharField(_("clause"), max_length=200, blank=True)
    preset = models.CharField(_("preset"), max_length=40, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("target")
        verbose_name_plural = _("targets")
        ordering = ["area__code", "year", "metric"]
        constraints = [
            models.UniqueConstraint(
                fields=["metric", "area", "level", "year"],
                name="reports_target_unique_metric_area_level_year",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.metric} {self.get_comparison_display()} ({self.year})"

    def clean(self) -> None:
        # The registry is code, not data: imported here because it reads every app's models.
        from reports.metric_defs import metric_by_key

        known = metric_by_key()
        if self.metric and self.metric not in known:
            raise ValidationError(
                {
                    "metric": ValidationError(
                        _("“%(metric)s” is not a known metric; use one of: %(known)s."),
                        code="unknown_metric",
                        params={"metric": self.metric, "known": ", ".join(known)},
                    )
                }
            )

    def get_additional_data(self) -> dict:
        return {"area_path": self.area.path}


class TargetThreshold(models.Model):
    """One version of a target's threshold; the newest in force at compute time is used."""

    target = models.ForeignKey(
        Target, verbose_name=_("target"), on_delete=models.CASCADE, related_name="thresholds"
    )
    value = models.DecimalField(_("threshold"), max_digits=14, decimal_places=4)
    valid_from = models.DateTimeField(_("in force from"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("set by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
    )

    class Meta:
        verbose_name = _("threshold version")
        verbose_name_plural = _("threshold versions")
        ordering = ["target", "-valid_from"]

    def __str__(self) -> str:
        return f"{self.value} ({self.valid_from:%Y-%m-%d})"

    def get_additional_data(self) -> dict:
        return {"area_path": self.target.area.path}


class ComplianceRun(models.Model):
    """One computation of all metrics for a subtree and a year."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("queued")
        RUNNING = "running", _("running")
        COMPLETE = "complete", _("complete")
        FAILED = "failed", _("failed")

    area = models.ForeignKey(
        AdminArea, verbose_name=_("area"), on_delete=models.CASCADE, related_name="compliance_runs"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    parts_total = models.PositiveIntegerField(_("parts"), default=0)
    parts_done = models.PositiveIntegerField(_("parts done"), default=0)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
    )
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    # When the run last started or counted a part: a run "running" or "queued" without progress
    # for COMPLIANCE_RUN_STALE_AFTER was lost with its worker, and compliance_runs_sweep fails it.
    progress_at = models.DateTimeField(_("last progress"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)
    query_count = models.PositiveIntegerField(_("SQL queries"), null=True, blank=True)
    # Paths of areas changed since the current snapshot: the run recomputes only their
    # counties' subtrees and re-combines the ancestors. Empty: the whole area is computed.
    changed_paths = models.JSONField(_("changed areas"), default=list, blank=True)
    # Paths of the parts of a split run already counted in parts_done (a redelivered part
    # counts once).
    done_parts = models.JSONField(_("parts counted"), default=list, blank=True)

    class Meta:
        verbose_name = _("compliance run")
        verbose_name_plural = _("compliance runs")
        ordering = ["-requested_at"]

    def __str__(self) -> str:
        return f"{self.area_id} {self.year} {self.status}"

    @property
    def progress(self) -> float:
        return self.parts_done / self.parts_total if self.parts_total else 0.0

    def get_additional_data(self) -> dict:
        return {"area_path": self.area.path}


class ComplianceSnapshot(models.Model):
    """The complete result of a run; exactly one is current per (area, year)."""

    run = models.OneToOneField(
        ComplianceRun, verbose_name=_("run"), on_delete=models.CASCADE, related_name="snapshot"
    )
    area = models.ForeignKey(
        AdminArea, verbose_name=_("area"), on_delete=models.CASCADE, related_name="snapshots"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    computed_at = models.DateTimeField(_("computed at"))
    is_current = models.BooleanField(_("current"), default=False)

    class Meta:
        verbose_name = _("compliance snapshot")
        verbose_name_plural = _("compliance snapshots")
        ordering = ["-computed_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["area", "year"],
                condition=Q(is_current=True),
                name="reports_snapshot_one_current_per_area_year",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.area_id} {self.year} @ {self.computed_at:%Y-%m-%d %H:%M}"


class AreaResult(models.Model):
    """Every metric and target result of one area in a snapshot, in one row.

    One row per area (not per metric) keeps a national snapshot at ~700,000 rows.
    `values`: {metric key: [numerator, denominator, value]}, None for "no data".
    `results`: [{"target": id, "metric": key, "threshold": number, "comparison": "gte"/"lte",
    "source": text, "met": true/false/null}], the target copied as it was at compute time
    (snapshots older than the copy carry only target, threshold and met).
    """

    snapshot = models.ForeignKey(
        ComplianceSnapshot, on_delete=models.CASCADE, related_name="area_results"
    )
    area = models.ForeignKey(AdminArea, on_delete=models.CASCADE, related_name="+")
    values = models.JSONField(_("values"), default=dict)
    results = models.JSONField(_("target results"), default=list)

    class Meta:
        verbose_name = _("area result")
        verbose_name_plural = _("area results")
        constraints = [
            models.UniqueConstraint(
                fields=["snapshot", "area"], name="reports_arearesult_unique_snapshot_area"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.snapshot_id} {self.area_id}"


auditlog.register(Target)
auditlog.register(TargetThreshold)


class ReportExport(models.Model):
    """An Excel or PDF export of a compliance report, built in the background."""

    class Format(models.TextChoices):
        XLSX = "xlsx", _("Excel")
        PDF = "pdf", _("PDF")

    class Status(models.TextChoices):
        QUEUED = "queued", _("queued")
        READY = "ready", _("ready")
        FAILED = "failed", _("failed")

    area = models.ForeignKey(AdminArea, verbose_name=_("area"), on_delete=models.CASCADE)
    year = models.PositiveSmallIntegerField(_("year"))
    format = models.CharField(_("format"), max_length=4, choices=Format.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("requested by"), on_delete=models.CASCADE
    )
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    content = models.BinaryField(_("content"), null=True, editable=False)
    filename = models.CharField(_("file name"), max_length=200, blank=True)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        verbose_name = _("report export")
        verbose_name_plural = _("report exports")
        ordering = ["-requested_at"]

    def __str__(self) -> str:
        return f"{self.area_id} {self.year} {self.format}"
