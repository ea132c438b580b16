"""The qualification rules of the seeds, as pure functions and as SQL conditions that agree.

- Professional staff (Beijing street-centre pilot, 专业人员): an intermediate or senior certificate,
  or the assistant certificate held 3 years or more, or a social-work bachelor's degree or above.
- Social-work qualification (Jinan station plan, 社会工作专业资质): a social-work or related degree
  at college (大专) level or above, or any national certificate.

Both are judged "as of" a date (default today): a certificate obtained later does not count yet.
The pure functions take a worker whose `certificates` are prefetched (no query then); the
`*_condition` functions give the same rule as a filter/annotation for many workers in one query,
for the station staffing rule and the talent reports.
"""

import datetime

from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, Q, QuerySet
from django.utils import timezone

from talent.models import LEVEL_RANK, Certificate, Worker
from talent.periods import add_years, held_since_cutoff

Level = Certificate.Level
Education = Worker.Education
Major = Worker.Major

ASSISTANT_YEARS_FOR_PROFESSIONAL = 3
COLLEGE_OR_ABOVE = (Education.COLLEGE, Education.BACHELOR, Education.MASTER, Education.DOCTORATE)
BACHELOR_OR_ABOVE = (Education.BACHELOR, Education.MASTER, Education.DOCTORATE)
SOCIAL_WORK_OR_RELATED = (Major.SOCIAL_WORK, Major.RELATED)


def _today(on: datetime.date | None) -> datetime.date:
    return on or timezone.localdate()


def is_professional_staff(worker: Worker, on: datetime.date | None = None) -> bool:
    """Beijing's professional staff rule for `worker` on `on` (default today)."""
    on = _today(on)
    for certificate in worker.held_certificates():
        if certificate.obtained_on > on:
            continue
        if certificate.level in (Level.INTERMEDIATE, Level.SENIOR):
            return True
        held_until = add_years(certificate.obtained_on, ASSISTANT_YEARS_FOR_PROFESSIONAL)
        if certificate.level == Level.ASSISTANT and held_until <= on:
            return True
    return worker.major == Major.SOCIAL_WORK and worker.education in BACHELOR_OR_ABOVE


def has_social_work_qualification(worker: Worker, on: datetime.date | None = None) -> bool:
    """Jinan's social-work qualification rule for `worker` on `on` (default today)."""
    on = _today(on)
    if worker.major in SOCIAL_WORK_OR_RELATED and worker.education in COLLEGE_OR_ABOVE:
        return True
    return any(certificate.obtained_on <= on for certificate in worker.held_certificates())


def professional_staff_condition(on: datetime.date | None = None, *, prefix: str = "") -> Q:
    """The professional staff rule as a condition on workers (or on `prefix`, e.g. "worker__")."""
    on = _today(on)
    cutoff = held_since_cutoff(on, ASSISTANT_YEARS_FOR_PROFESSIONAL)
    certificates = Certificate.objects.filter(
        Q(level__in=[Level.INTERMEDIATE, Level.SENIOR])
        | Q(level=Level.ASSISTANT, obtained_on__lte=cutoff),
        worker=OuterRef(f"{prefix}pk"),
        obtained_on__lte=on,
    )
    return Q(Exists(certificates)) | Q(
        **{f"{prefix}major": Major.SOCIAL_WORK, f"{prefix}education__in": BACHELOR_OR_ABOVE}
    )


def social_work_qualification_condition(on: datetime.date | None = None, *, prefix: str = "") -> Q:
    """The social-work qualification rule as a condition on workers (or on `prefix`)."""
    on = _today(on)
    certificates = Certificate.objects.filter(worker=OuterRef(f"{prefix}pk"), obtained_on__lte=on)
    return Q(Exists(certificates)) | Q(
        **{
            f"{prefix}major__in": SOCIAL_WORK_OR_RELATED,
            f"{prefix}education__in": COLLEGE_OR_ABOVE,
        }
    )


def certified_condition(on: datetime.date | None = None, *, prefix: str = "") -> Q:
    """Holding a national certificate (any level) obtained by `on`, as a condition on workers."""
    on = _today(on)
    certificates = Certificate.objects.filter(worker=OuterRef(f"{prefix}pk"), obtained_on__lte=on)
    return Q(Exists(certificates))


def with_qualifications(qs: QuerySet[Worker], on: datetime.date | None = None) -> QuerySet[Worker]:
    """Annotates `is_professional_staff` and `has_social_work_qualification` on each worker.

    Cost: two EXISTS subqueries per row inside the one query, answered by the certificate's
    worker index; no query per worker.
    """
    on = _today(on)
    return qs.annotate(
        is_professional_staff=ExpressionWrapper(
            professional_staff_condition(on), output_field=BooleanField()
        ),
        has_social_work_qualification=ExpressionWrapper(
            social_work_qualification_condition(on), output_field=BooleanField()
        ),
    )


def qualification_flags(worker: Worker, on: datetime.date | None = None) -> dict[str, bool]:
    """Both flags of a worker: the annotations when present, else the pure functions."""
    flags = {}
    for name, rule in (
        ("is_professional_staff", is_professional_staff),
        ("has_social_work_qualification", has_social_work_qualification),
    ):
        annotated = getattr(worker, name, None)
        flags[name] = bool(annotated) if annotated is not None else rule(worker, on)
    return flags


def highest_certificate(worker: Worker, on: datetime.date | None = None) -> Certificate | None:
    """The worker's highest-level certificate obtained by `on` (from the prefetched list)."""
    on = _today(on)
    held = [c for c in worker.held_certificates() if c.obtained_on <= on]
    return max(held, key=lambda certificate: LEVEL_RANK[certificate.level], default=None)
