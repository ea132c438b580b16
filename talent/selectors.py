"""Reads of the workforce registry, scoped to the actor and shaped for lists (no query per row)."""

import datetime

from django.db.models import (
    BooleanField,
    Case,
    Count,
    DecimalField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Greatest, Substr
from django.utils import timezone

from stations.access import actor_root_path, scope_to_actor
from stations.areas import codes_in_path
from stations.models import AdminArea
from talent.models import (
    WORKER_REACH,
    Certificate,
    ExamEntry,
    IncentiveGrant,
    IncentivePolicy,
    Registration,
    Training,
    TrainingAttendance,
    Worker,
    WorkerAreaLink,
    worker_reach,
)
from talent.periods import required_hours

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


HOURS_FIELD = DecimalField(max_digits=8, decimal_places=1)


def required_hours_expression(level_field: str = "certificate__level") -> Case:
    """The hours a period needs, by the certificate's level (the configured figures, in SQL)."""
    return Case(
        *[
            When(**{level_field: level}, then=Value(required_hours(level), HOURS_FIELD))
            for level in Certificate.Level.values
        ],
        default=Value(0, HOURS_FIELD),
        output_field=HOURS_FIELD,
    )


def registrations_with_hours(qs: QuerySet[Registration] | None = None) -> QuerySet[Registration]:
    """Registrations with their continuing-education hours against the requirement.

    Annotates `continuing_hours`, `hours_required`, `education_hours_met` (hours >= required:
    exactly the requirement is met) and `education_hours_short` (hours still missing, 0 when
    met). Cost: one subquery per row inside the one query, no extra query.
    """
    qs = Registration.objects.all() if qs is None else qs
    return qs.annotate(
        continuing_hours=hours_in_period_subquery(), hours_required=required_hours_expression()
    ).annotate(
        education_hours_met=ExpressionWrapper(
            Q(continuing_hours__gte=F("hours_required")), output_field=BooleanField()
        ),
        education_hours_short=Greatest(
            ExpressionWrapper(
                F("hours_required") - F("continuing_hours"), output_field=HOURS_FIELD
            ),
            Value(0, HOURS_FIELD),
            output_field=HOURS_FIELD,
        ),
    )


def registrations_short_of_hours(qs: QuerySet[Registration] | None = None):
    """Registered (not cancelled) periods whose continuing-education hours fall short."""
    return registrations_with_hours(qs).filter(
        status=Registration.Status.REGISTERED, education_hours_met=False
    )


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


def workers_shaped() -> QuerySet[Worker]:
    """Workers with area, certificates and area links (not yet scoped).

    Cost: one query for the page plus one for the page's certificates and one for its links, kept
    as lists (read them with `Worker.held_certificates` and `served_area_links`). The
    qualification flags are computed from the prefetched certificates (`qualification_flags`),
    not annotated: as `EXISTS … OR …` annotations PostgreSQL hashed them over the whole certificate
    table for every page (302 + 64 ms for 50 rows of Jiangsu's 215,000 workers).
    """
    return Worker.objects.select_related("area").prefetch_related(
        Prefetch(
            "certificates",
            queryset=Certificate.objects.order_by("obtained_on", "pk"),
            to_attr="listed_certificates",
        ),
        Prefetch(
            "area_links",
            queryset=WorkerAreaLink.objects.select_related("area").order_by("area__code"),
            to_attr="listed_area_links",
        ),
    )


def worker_list(*, actor) -> QuerySet[Worker]:
    """The workers the actor reaches, shaped for lists."""
    return scope_to_actor(workers_shaped(), actor=actor, area_field=WORKER_REACH)


def certificates_shaped() -> QuerySet[Certificate]:
    """Certificates with the worker and each registration's hours (not yet scoped)."""
    return Certificate.objects.select_related("worker").prefetch_related(
        Prefetch("registrations", queryset=registrations_with_hours().order_by("-starts_on"))
    )


def certificate_list(*, actor) -> QuerySet[Certificate]:
    return scope_to_actor(certificates_shaped(), actor=actor, area_field=worker_reach("worker__"))


def registrations_shaped() -> QuerySet[Registration]:
    return registrations_with_hours().select_related("certificate", "certificate__worker")


def registration_list(*, actor) -> QuerySet[Registration]:
    return scope_to_actor(
        registrations_shaped(), actor=actor, area_field=worker_reach("certificate__worker__")
    )


def trainings_shaped(attendees_within: str = "") -> QuerySet[Training]:
    """Trainings with their area and the number of attendees (of the subtree `attendees_within`)."""
    attendees = Q(attendances__worker__area__path__startswith=attendees_within)
    return (
        Training.objects.select_related("area")
        .annotate(
            attendee_count=Count("attendances", filter=attendees if attendees_within else None)
        )
        .order_by("-held_on", "pk")
    )


def training_list(*, actor) -> QuerySet[Training]:
    return scope_to_actor(trainings_shaped(), actor=actor)


def _paths_above(path: str) -> list[str]:
    """The paths of the ancestors of the area at `path` (prefixes of it: no query)."""
    codes = codes_in_path(path)
    return ["/" + "/".join(codes[:depth]) + "/" for depth in range(1, len(codes))]


def training_attendable_list(*, actor) -> QuerySet[Training]:
    """Trainings the actor may record its workers at: those of its subtree, and those organised
    by an area above it (a city training attended by a county's workers).

    `attendee_count` counts only the attendees the actor reaches: the other counties' people at
    a city training are not the actor's to see. Cost: one query.
    """
    root = actor_root_path(actor)
    if root is None:
        return Training.objects.none()
    if root == "":
        return trainings_shaped()
    return trainings_shaped(attendees_within=root).filter(
        Q(area__path__startswith=root) | Q(area__path__in=_paths_above(root))
    )


def training_attendable(training: Training, *, actor) -> bool:
    """Whether the actor may record its workers at `training` (see training_attendable_list)."""
    root = actor_root_path(actor)
    if root is None:
        return False
    path = training.area.path
    return path.startswith(root) or root.startswith(path)


def attendances_shaped() -> QuerySet[TrainingAttendance]:
    return TrainingAttendance.objects.select_related("training", "worker")


def attendance_list(*, actor) -> QuerySet[TrainingAttendance]:
    """Attendance of the workers the actor reaches (at any training)."""
    return scope_to_actor(attendances_shaped(), actor=actor, area_field=worker_reach("worker__"))


def exam_entries_shaped() -> QuerySet[ExamEntry]:
    return ExamEntry.objects.select_related("worker")


def exam_entry_list(*, actor) -> QuerySet[ExamEntry]:
    return scope_to_actor(exam_entries_shaped(), actor=actor, area_field=worker_reach("worker__"))


# A path segment is "<12-digit code>/": every division code has exactly 12 digits.
PATH_SEGMENT_LENGTH = 13


def exam_summary(*, actor, year: int) -> list[dict]:
    """Exam entries of `year` in the actor's reach: registered and passed, by area and level.

    The areas are the children of the actor's area (the top areas for a superuser); entries of
    workers recorded at the actor's area itself form a row of that area. Cost: one grouped
    query; the child is the path cut one segment below the actor's, its name a subquery.
    """
    root = actor_root_path(actor)
    if root is None:
        return []
    depth = len(root) + PATH_SEGMENT_LENGTH
    rows = (
        exam_entry_list(actor=actor)
        .filter(year=year)
        .annotate(group_path=Substr("worker__area__path", 1, depth))
        .values("group_path", "level")
        .annotate(
            area_name=Subquery(
                AdminArea.objects.filter(path=OuterRef("group_path")).values("name")[:1]
            ),
            registered=Count("pk"),
            passed_count=Count("pk", filter=Q(passed=True)),
        )
        .order_by("group_path", "level")
    )
    return [
        {
            "area": row["group_path"][-PATH_SEGMENT_LENGTH:-1],
            "area_name": row["area_name"],
            "level": row["level"],
            "registered": row["registered"],
            "passed": row["passed_count"],
        }
        for row in rows
    ]


def policies_shaped() -> QuerySet[IncentivePolicy]:
    return IncentivePolicy.objects.select_related("area")


def policy_list(*, actor) -> QuerySet[IncentivePolicy]:
    return scope_to_actor(policies_shaped(), actor=actor)


def grants_shaped() -> QuerySet[IncentiveGrant]:
    return IncentiveGrant.objects.select_related("policy", "worker")


def grant_list(*, actor) -> QuerySet[IncentiveGrant]:
    return scope_to_actor(grants_shaped(), actor=actor, area_field=worker_reach("worker__"))


def worker_find(*, actor, id_number: str) -> Worker | None:
    """The worker with this ID number if the actor reaches them, else None."""
    return worker_list(actor=actor).filter(id_number=id_number).first()
