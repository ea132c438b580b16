"""Reads of the workforce registry, scoped to the actor and shaped for lists (no query per row)."""

import datetime

from django.db.models import (
    Count,
    DecimalField,
    Exists,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from stations.access import scope_to_actor
from talent.models import (
    Certificate,
    ExamEntry,
    IncentiveGrant,
    IncentivePolicy,
    Registration,
    Training,
    TrainingAttendance,
    Worker,
)
from talent.qualifications import with_qualifications

EXPIRING_DAYS = 90


def hours_in_period_subquery(worker_ref: str = "certificate__worker_id") -> Subquery:
    """Continuing-education hours of a registration's worker within the registration's period."""
    hours = (
        TrainingAttendance.objects.filter(
            worker_id=OuterRef(worker_ref),
            training__held_on__gte=OuterRef("starts_on"),
            training__held_on__lte=OuterRef("ends_on"),
        )
        .order_by()
        .values("worker_id")
        .annotate(total=Sum("hours"))
        .values("total")
    )
    return Coalesce(
        Subquery(hours, output_field=DecimalField(max_digits=8, decimal_places=1)),
        Value(0, output_field=DecimalField(max_digits=8, decimal_places=1)),
    )


def registrations_with_hours(qs: QuerySet[Registration] | None = None) -> QuerySet[Registration]:
    """Registrations annotated with `continuing_hours` (one subquery per row, no extra query)."""
    qs = Registration.objects.all() if qs is None else qs
    return qs.annotate(continuing_hours=hours_in_period_subquery())


def expiring_registration_condition(
    on: datetime.date | None = None, *, days: int = EXPIRING_DAYS, prefix: str = ""
) -> Q:
    """Workers (or `prefix` rows) with a registration in force that ends within `days`."""
    on = on or timezone.localdate()
    registrations = Registration.objects.filter(
        certificate__worker_id=OuterRef(f"{prefix}pk"),
        status=Registration.Status.REGISTERED,
        starts_on__lte=on,
        ends_on__gte=on,
        ends_on__lte=on + datetime.timedelta(days=days),
    )
    return Q(Exists(registrations))


def workers_shaped(on: datetime.date | None = None) -> QuerySet[Worker]:
    """Workers with area, certificates and both qualification flags (not yet scoped).

    Cost: one query for the page plus one for the page's certificates.
    """
    return with_qualifications(
        Worker.objects.select_related("area").prefetch_related(
            Prefetch("certificates", queryset=Certificate.objects.order_by("obtained_on", "pk"))
        ),
        on,
    )


def worker_list(*, actor, on: datetime.date | None = None) -> QuerySet[Worker]:
    """The workers the actor reaches, shaped for lists."""
    return scope_to_actor(workers_shaped(on), actor=actor)


def certificates_shaped() -> QuerySet[Certificate]:
    """Certificates with the worker and each registration's hours (not yet scoped)."""
    return Certificate.objects.select_related("worker").prefetch_related(
        Prefetch("registrations", queryset=registrations_with_hours().order_by("-starts_on"))
    )


def certificate_list(*, actor) -> QuerySet[Certificate]:
    return scope_to_actor(certificates_shaped(), actor=actor, area_field="worker__area")


def registrations_shaped() -> QuerySet[Registration]:
    return registrations_with_hours().select_related("certificate", "certificate__worker")


def registration_list(*, actor) -> QuerySet[Registration]:
    return scope_to_actor(
        registrations_shaped(), actor=actor, area_field="certificate__worker__area"
    )


def trainings_shaped() -> QuerySet[Training]:
    """Trainings with their area and the number of attendees."""
    return (
        Training.objects.select_related("area")
        .annotate(attendee_count=Count("attendances"))
        .order_by("-held_on", "pk")
    )


def training_list(*, actor) -> QuerySet[Training]:
    return scope_to_actor(trainings_shaped(), actor=actor)


def attendances_shaped() -> QuerySet[TrainingAttendance]:
    return TrainingAttendance.objects.select_related("training", "worker")


def attendance_list(*, actor) -> QuerySet[TrainingAttendance]:
    """Attendance of the workers the actor reaches (at any training)."""
    return scope_to_actor(attendances_shaped(), actor=actor, area_field="worker__area")


def exam_entries_shaped() -> QuerySet[ExamEntry]:
    return ExamEntry.objects.select_related("worker")


def exam_entry_list(*, actor) -> QuerySet[ExamEntry]:
    return scope_to_actor(exam_entries_shaped(), actor=actor, area_field="worker__area")


def policies_shaped() -> QuerySet[IncentivePolicy]:
    return IncentivePolicy.objects.select_related("area")


def policy_list(*, actor) -> QuerySet[IncentivePolicy]:
    return scope_to_actor(policies_shaped(), actor=actor)


def grants_shaped() -> QuerySet[IncentiveGrant]:
    return IncentiveGrant.objects.select_related("policy", "worker")


def grant_list(*, actor) -> QuerySet[IncentiveGrant]:
    return scope_to_actor(grants_shaped(), actor=actor, area_field="worker__area")


def worker_find(*, actor, id_number: str) -> Worker | None:
    """The worker with this ID number if the actor reaches them, else None."""
    return worker_list(actor=actor).filter(id_number=id_number).first()
