"""Writes to certificates, registration periods, trainings, attendance and exam entries."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from stations.access import area_assert_in_scope
from talent.models import (
    Certificate,
    ExamEntry,
    Registration,
    Training,
    TrainingAttendance,
    worker_reach,
)
from talent.periods import registration_end
from talent.selectors import training_attendable
from talent.services.common import (
    FIRST_EXAM_YEAR,
    assert_stored_in_scope,
    assert_worker_in_scope,
    not_found,
)


def certificate_validate(certificate: Certificate) -> None:
    """Field rules on the normalised number, a date that has passed, not before the first exam."""
    certificate.number = (certificate.number or "").strip().upper()
    # An inline of a worker not saved yet has no worker: checked again when saved.
    certificate.full_clean(exclude=None if certificate.worker_id else ["worker"])
    obtained_on = certificate.obtained_on
    if obtained_on and obtained_on > timezone.localdate():
        raise ValidationError({"obtained_on": _("The date lies in the future.")})
    if obtained_on and obtained_on.year < FIRST_EXAM_YEAR:
        raise ValidationError(
            {
                "obtained_on": _("National certificates exist since %(year)d.")
                % {"year": FIRST_EXAM_YEAR}
            }
        )


@transaction.atomic
def certificate_save(*, actor, certificate: Certificate) -> Certificate:
    """Records a national certificate of a worker the actor reaches."""
    assert_stored_in_scope(
        certificate, actor=actor, area_field=worker_reach("worker__"), field="worker"
    )
    assert_worker_in_scope(certificate.worker if certificate.worker_id else None, actor=actor)
    certificate_validate(certificate)
    certificate.save()
    return certificate


@transaction.atomic
def certificate_delete(*, actor, certificate: Certificate) -> None:
    assert_stored_in_scope(
        certificate, actor=actor, area_field=worker_reach("worker__"), field="worker"
    )
    certificate.delete()


@transaction.atomic
def registration_save(*, actor, registration: Registration) -> Registration:
    """Records a registration period; `ends_on` defaults to 3 years after the start."""
    assert_stored_in_scope(
        registration,
        actor=actor,
        area_field=worker_reach("certificate__worker__"),
        field="certificate",
    )
    certificate = registration.certificate if registration.certificate_id else None
    assert_worker_in_scope(
        certificate.worker if certificate else None, actor=actor, field="certificate"
    )
    registration_validate(registration)
    registration.save()
    return registration


def registration_validate(registration: Registration) -> None:
    """Defaults the end to 3 years on; checks the period against the certificate and the others."""
    if registration.starts_on and not registration.ends_on:
        registration.ends_on = registration_end(registration.starts_on)
    if not registration.certificate_id:
        return  # an inline of a certificate not saved yet: checked again when saved
    registration.full_clean()
    certificate = registration.certificate
    if registration.starts_on < certificate.obtained_on:
        raise ValidationError({"starts_on": _("A certificate is registered after it is obtained.")})
    if registration.ends_on > registration_end(registration.starts_on):
        raise ValidationError({"ends_on": _("A registration period lasts at most 3 years.")})
    overlapping = (
        Registration.objects.filter(
            certificate=certificate,
            status=Registration.Status.REGISTERED,
            starts_on__lte=registration.ends_on,
            ends_on__gte=registration.starts_on,
        )
        .exclude(pk=registration.pk)
        .exists()
    )
    if overlapping and registration.status == Registration.Status.REGISTERED:
        raise ValidationError(
            {"starts_on": _("This period overlaps another registration of the certificate.")}
        )


@transaction.atomic
def registration_delete(*, actor, registration: Registration) -> None:
    assert_stored_in_scope(
        registration,
        actor=actor,
        area_field=worker_reach("certificate__worker__"),
        field="certificate",
    )
    registration.delete()


def training_validate(training: Training) -> None:
    """A training cannot be made shorter than the hours already credited for it."""
    if training.pk is not None and training.hours is not None:
        longest = training.attendances.filter(hours__gt=training.hours).exists()
        if longest:
            raise ValidationError(
                {"hours": _("Some attendees are credited more hours than this; change them first.")}
            )


@transaction.atomic
def training_save(*, actor, training: Training) -> Training:
    """Creates or updates a training event of an area the actor reaches."""
    assert_stored_in_scope(training, actor=actor, area_field="area", field="area")
    area_assert_in_scope(training.area if training.area_id else None, actor=actor)
    training.full_clean()
    training_validate(training)
    training.save()
    return training


@transaction.atomic
def training_delete(*, actor, training: Training) -> None:
    assert_stored_in_scope(training, actor=actor, area_field="area", field="area")
    training.delete()


def attendance_validate(attendance: TrainingAttendance) -> None:
    """Hours default to the training's, and cannot exceed them."""
    if not attendance.training_id:
        return  # an inline of a training not saved yet: checked again when saved
    training = attendance.training
    if attendance.hours is None:
        attendance.hours = training.hours
    attendance.full_clean()
    if attendance.hours > training.hours:
        raise ValidationError(
            {"hours": _("At most the training's %(hours)s hours.") % {"hours": training.hours}}
        )


def assert_stored_training_attendable(attendance: TrainingAttendance, *, actor) -> None:
    """Refuses a change of a stored attendance at a training the actor may not record at.

    A county linked to a person sees their attendance at another county's training, but that
    county keeps the record (as it alone could have recorded it).
    """
    if attendance.pk is None:
        return
    stored = (
        TrainingAttendance.objects.select_related("training__area").filter(pk=attendance.pk).first()
    )
    if stored is not None and not training_attendable(stored.training, actor=actor):
        raise not_found("training")


@transaction.atomic
def attendance_save(*, actor, attendance: TrainingAttendance) -> TrainingAttendance:
    """Records a worker in reach at a training of the actor's subtree or of an area above it.

    Hours default to the training's. The attendance belongs to the worker's area: a county
    records its own people at a city training, and sees only them there.
    """
    assert_stored_in_scope(
        attendance, actor=actor, area_field=worker_reach("worker__"), field="worker"
    )
    assert_stored_training_attendable(attendance, actor=actor)
    training = attendance.training if attendance.training_id else None
    if training is None or not training_attendable(training, actor=actor):
        raise not_found("training")
    assert_worker_in_scope(attendance.worker if attendance.worker_id else None, actor=actor)
    attendance_validate(attendance)
    attendance.save()
    return attendance


@transaction.atomic
def attendance_delete(*, actor, attendance: TrainingAttendance) -> None:
    assert_stored_in_scope(
        attendance, actor=actor, area_field=worker_reach("worker__"), field="worker"
    )
    assert_stored_training_attendable(attendance, actor=actor)
    attendance.delete()


def exam_entry_validate(entry: ExamEntry) -> None:
    if entry.year and entry.year > timezone.localdate().year + 1:
        raise ValidationError({"year": _("Entries are recorded for this year or the next.")})


@transaction.atomic
def exam_entry_save(*, actor, entry: ExamEntry) -> ExamEntry:
    """Records that a worker registered for the exam in a year (and, later, the result)."""
    assert_stored_in_scope(entry, actor=actor, area_field=worker_reach("worker__"), field="worker")
    assert_worker_in_scope(entry.worker if entry.worker_id else None, actor=actor)
    entry.full_clean()
    exam_entry_validate(entry)
    entry.save()
    return entry


@transaction.atomic
def exam_entry_delete(*, actor, entry: ExamEntry) -> None:
    assert_stored_in_scope(entry, actor=actor, area_field=worker_reach("worker__"), field="worker")
    entry.delete()
