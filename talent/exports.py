"""The workforce sheet as Excel: the import's layout, masked per actor.

One row per certificate, oldest first, repeating the person's columns (the import reads such rows
back as one person); a person without a certificate takes one row.

The header uses the import's column keys, so that a sheet exported by a role that sees personal
data can be corrected and imported again (masked ID numbers are refused by the import, so a masked
sheet can never overwrite anyone). Columns after `active` are for reading and ignored on import.
"""

from collections.abc import Iterator

from django.db.models import QuerySet
from django.http import HttpResponse
from django.utils import timezone

from stations.exports import xlsx_response
from stations.privacy import can_see_personal_data, mask_id_number, mask_phone
from talent.imports import CERTIFICATE_COLUMNS, INFORMATIVE_COLUMNS, REQUIRED_COLUMNS
from talent.models import Registration, Worker
from talent.qualifications import qualification_flags

EXPORT_COLUMNS = [
    *REQUIRED_COLUMNS,
    "employer_kind",
    "employer_name",
    "active",
    *CERTIFICATE_COLUMNS,
    *INFORMATIVE_COLUMNS,
]


def _valid_until(certificate) -> object:
    if certificate is None:
        return None
    today = timezone.localdate()
    current = [
        registration.ends_on
        for registration in certificate.registrations.all()
        if registration.status == Registration.Status.REGISTERED and registration.starts_on <= today
    ]
    return max(current, default=None)


def worker_rows(workers: QuerySet[Worker], *, actor) -> Iterator[list]:
    """Rows of EXPORT_COLUMNS for already-scoped workers (prefetch certificates and registrations):
    one per certificate, or one for a worker without any.

    Cost: streamed in chunks of 2,000 workers, two prefetch queries per chunk.
    """
    full = can_see_personal_data(actor)
    for worker in workers.iterator(chunk_size=2000):
        flags = qualification_flags(worker)
        person = [
            worker.name,
            worker.id_number if full else mask_id_number(worker.id_number),
            worker.phone if full else mask_phone(worker.phone),
            worker.get_education_display(),
            worker.get_major_display(),
            worker.get_post_display(),
            worker.area.code,
            worker.get_employer_kind_display(),
            worker.employer_name,
            worker.is_active,
        ]
        about = [worker.get_gender_display(), worker.birth_date if full else None, worker.area.name]
        certificates = sorted(worker.certificates.all(), key=lambda c: (c.obtained_on, c.pk))
        for certificate in certificates or [None]:
            yield [
                *person,
                certificate.get_level_display() if certificate else "",
                certificate.number if certificate else "",
                certificate.obtained_on if certificate else None,
                *about,
                _valid_until(certificate),
                flags["is_professional_staff"],
                flags["has_social_work_qualification"],
            ]


def worker_export_response(workers: QuerySet[Worker], *, actor, filename: str) -> HttpResponse:
    """An .xlsx download of `workers` (already scoped to `actor`), masked for `actor`."""
    workers = (
        workers.select_related("area")
        .prefetch_related(None)
        .prefetch_related("certificates", "certificates__registrations")
    )
    return xlsx_response(filename, EXPORT_COLUMNS, worker_rows(workers, actor=actor))
