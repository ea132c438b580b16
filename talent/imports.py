"""Import of the workforce sheet: one row per certificate (one row for a person without one).

Columns (English keys in the header; values may be the keys, the English labels or the Chinese
words staff type, such as 本科, 社会工作, 社区工作者, 助理社会工作师):

    name, id_number, phone, education, major, post, area_code           required
    employer_kind, employer_name, active,
    certificate_level, certificate_number, certificate_date              optional
    gender, birth_date, area_name, registration_valid_until,
    professional_staff, social_work_qualified                            ignored (export only)

The ignored columns are what `talent.exports` adds for reading, so that an exported sheet can be
corrected and imported again.

A person holding several certificates takes several rows, each with its own certificate; the
person's columns (name to active) must then agree on every row, else the later row is refused
naming the column that differs. A repeated ID number without a further certificate is refused.

All or nothing: the whole file is validated first (every problem is reported with its row), then
written in one transaction with bulk statements. A row whose ID number is already recorded updates
that worker when the actor's bureau keeps the record; a person kept by another bureau is linked to
the row's area instead, and the stored record is not overwritten (see `talent.services.workers`);
the row's certificates are recorded for that person as for any other. Cost: one query for the areas named, one per 5,000 rows to
find stored workers and certificates, then bulk INSERT/UPDATE in batches; unchanged rows cost
nothing.
"""

import datetime
import gc
import re
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, NamedTuple

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import TextChoices
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from stations.access import actor_root_path
from stations.models import AdminArea
from stations.tabular import ImportRejected, RowError, read_table
from stations.validators import validate_id_number
from talent.identity import id_number_birth_date, id_number_gender
from talent.models import Certificate, Worker, WorkerAreaLink
from talent.services import (
    FIRST_EXAM_YEAR,
    name_mismatch_message,
    normalise_id_number,
    same_name,
)
from talent.validators import PHONE_RE

REQUIRED_COLUMNS = ["name", "id_number", "phone", "education", "major", "post", "area_code"]
CERTIFICATE_COLUMNS = ["certificate_level", "certificate_number", "certificate_date"]
OPTIONAL_COLUMNS = ["employer_kind", "employer_name", "active", *CERTIFICATE_COLUMNS]
INFORMATIVE_COLUMNS = [
    "gender",
    "birth_date",
    "area_name",
    "registration_valid_until",
    "professional_staff",
    "social_work_qualified",
]
# The column of each worker value, where the two names differ.
VALUE_COLUMNS = {"is_active": "active"}
CHUNK = 5000
BATCH_SIZE = 2000
WORKER_FIELDS = [
    "name",
    "phone",
    "education",
    "major",
    "post",
    "employer_kind",
    "employer_name",
    "is_active",
    "area_id",
]

# The words staff type for each choice, besides the keys and the labels.
CHINESE_WORDS: dict[type[TextChoices], dict[str, str]] = {
    Worker.Education: {
        "大专以下": "below_college",
        "高中": "below_college",
        "中专": "below_college",
        "高中及以下": "below_college",
        "初中": "below_college",
        "大专": "college",
        "专科": "college",
        "大学专科": "college",
        "本科": "bachelor",
        "大学本科": "bachelor",
        "学士": "bachelor",
        "硕士": "master",
        "硕士研究生": "master",
        "研究生": "master",
        "博士": "doctorate",
        "博士研究生": "doctorate",
    },
    Worker.Major: {
        "社会工作": "social_work",
        "社工": "social_work",
        "社会工作专业": "social_work",
        "相关专业": "related",
        "相关": "related",
        "其他": "other",
        "其他专业": "other",
    },
    Worker.Post: {
        "社工站工作人员": "station_staff",
        "社工站人员": "station_staff",
        "驻站社工": "station_staff",
        "社区工作者": "community_worker",
        "社会组织工作人员": "organisation_staff",
        "社会组织人员": "organisation_staff",
        "公务员": "civil_servant",
        "其他": "other",
        "其他岗位": "other",
    },
    Worker.EmployerKind: {
        "社工站": "station",
        "承接机构": "contractor",
        "承接主体": "contractor",
        "社区居委会": "community_committee",
        "居委会": "community_committee",
        "村委会": "community_committee",
        "社区": "community_committee",
        "社会组织": "social_org",
        "政府": "government",
        "政府机关": "government",
        "机关": "government",
    },
    Certificate.Level: {
        "助理社会工作师": "assistant",
        "助理社工师": "assistant",
        "初级": "assistant",
        "社会工作师": "intermediate",
        "社工师": "intermediate",
        "中级": "intermediate",
        "高级社会工作师": "senior",
        "高级社工师": "senior",
        "高级": "senior",
    },
}
TRUE_WORDS = {"1", "true", "t", "yes", "y", "是", "在职"}
FALSE_WORDS = {"0", "false", "f", "no", "n", "否", "离职"}
DATE_RE = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$|^(\d{4})(\d{2})(\d{2})$")


def choice_words(choices: type[TextChoices]) -> dict[str, str]:
    """Every accepted spelling of a choice, lower-cased: key, English and Chinese labels, aliases."""
    words = {value.lower(): value for value in choices.values}
    for language in ("en", "zh-hans", translation.get_language() or "en"):
        with translation.override(language):
            words.update({str(label).lower(): value for value, label in choices.choices})
    words.update(CHINESE_WORDS.get(choices, {}))
    return words


def parse_date(text: str) -> datetime.date | None:
    """2024-06-30, 2024/6/30, 2024.6.30, 2024年6月30日 or 20240630; None when not a date."""
    match = DATE_RE.match(text.strip())
    if not match:
        return None
    year, month, day = (
        int(part) for part in (match.groups()[:3] if match[1] else match.groups()[3:])
    )
    try:
        return datetime.date(year, month, day)
    except ValueError:
        return None


@dataclass
class WorkerImportResult:
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    certificates_created: int = 0
    certificates_updated: int = 0
    linked: int = 0  # people kept by another bureau, linked to an area of the file
    seconds: float = 0.0
    validation_seconds: float = 0.0  # reading and checking the file, before the first write

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0

    def __str__(self) -> str:
        summary = _(
            "%(rows)d rows read: %(created)d workers created, %(updated)d updated, "
            "%(unchanged)d unchanged; %(certificates)d certificates created, "
            "%(certificates_updated)d updated."
        ) % {
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "certificates": self.certificates_created,
            "certificates_updated": self.certificates_updated,
        }
        if not self.linked:
            return summary
        linked = _(
            "%(linked)d people kept by another bureau were linked to your areas "
            "(their records unchanged)."
        ) % {"linked": self.linked}
        return f"{summary} {linked}"


@dataclass
class ParsedRow:
    number: int
    id_number: str
    values: dict  # the worker's fields, area_code instead of area_id
    # (row number, (level, number, obtained_on)) of each certificate, from this row and the rows
    # repeating the ID number.
    certificates: list[tuple[int, tuple[str, str, datetime.date]]]


class _RowParser:
    """Checks each row on its own, collecting every problem with its row and column."""

    def __init__(self):
        self.errors: list[RowError] = []
        self.words = {
            column: choice_words(choices)
            for column, choices in (
                ("education", Worker.Education),
                ("major", Worker.Major),
                ("post", Worker.Post),
                ("employer_kind", Worker.EmployerKind),
                ("certificate_level", Certificate.Level),
            )
        }
        self.today = timezone.localdate()

    def error(self, number: int, column: str, message: str) -> None:
        self.errors.append(RowError(number, column, message))

    def choice(self, number: int, row: dict, column: str, *, required: bool = True) -> str:
        text = row.get(column, "")
        if not text:
            if required:
                self.error(number, column, _("This value is required."))
            return ""
        value = self.words[column].get(text.lower())
        if value is None:
            self.error(number, column, _("Unknown value “%(value)s”.") % {"value": text[:40]})
            return ""
        return value

    def parse(self, number: int, row: dict) -> ParsedRow | None:
        errors_before = len(self.errors)
        name = row["name"]
        if not name:
            self.error(number, "name", _("This value is required."))
        elif len(name) > 50:
            self.error(number, "name", _("The name is longer than 50 characters."))
        id_number = normalise_id_number(row["id_number"])
        try:
            validate_id_number(id_number)
        except ValidationError as invalid:
            # The message only: the number itself is personal data and stays out of the report.
            self.error(number, "id_number", invalid.messages[0])
        phone = row["phone"].replace(" ", "")
        if phone and not PHONE_RE.match(phone):
            self.error(
                number,
                "phone",
                _("Give an 11-digit mobile number or a landline with its area code."),
            )
        area_code = row["area_code"]
        if not (len(area_code) == 12 and area_code.isdigit()):
            self.error(
                number,
                "area_code",
                _("A division code must be exactly 12 digits, got “%(value)s”.")
                % {"value": area_code[:20]},
            )
        employer_name = row.get("employer_name", "")
        if len(employer_name) > 200:
            self.error(number, "employer_name", _("Longer than 200 characters."))
        active_word = row.get("active", "").lower()
        if active_word and active_word not in TRUE_WORDS | FALSE_WORDS:
            self.error(
                number, "active", _("“%(value)s” is not yes or no.") % {"value": active_word}
            )
        values = {
            "name": name,
            "phone": phone,
            "education": self.choice(number, row, "education"),
            "major": self.choice(number, row, "major"),
            "post": self.choice(number, row, "post"),
            "employer_kind": self.choice(number, row, "employer_kind", required=False),
            "employer_name": employer_name,
            "is_active": active_word not in FALSE_WORDS,
            "area_code": area_code,
        }
        certificate = self.certificate(number, row)
        if len(self.errors) > errors_before:
            return None
        return ParsedRow(number, id_number, values, [(number, certificate)] if certificate else [])

    def same_person(self, first: ParsedRow, again: ParsedRow) -> bool:
        """Whether a row repeating an ID number agrees with its first row and adds a certificate."""
        differing = [key for key, value in again.values.items() if first.values[key] != value]
        for key in differing:
            self.error(
                again.number,
                VALUE_COLUMNS.get(key, key),
                _("This differs from row %(row)d, which has the same ID number.")
                % {"row": first.number},
            )
        if differing:
            return False
        if not again.certificates:
            self.error(
                again.number,
                "id_number",
                _(
                    "This ID number appears again without another certificate (first on row %(row)d)."
                )
                % {"row": first.number},
            )
            return False
        level = again.certificates[0][1][0]
        for row_number, (held_level, _number, _date) in first.certificates:
            if held_level == level:
                self.error(
                    again.number,
                    "certificate_level",
                    _("This person has a certificate of this level on row %(row)d already.")
                    % {"row": row_number},
                )
                return False
        return True

    def certificate(self, number: int, row: dict) -> tuple[str, str, datetime.date] | None:
        given = {column: row.get(column, "") for column in CERTIFICATE_COLUMNS}
        if not any(given.values()):
            return None
        missing = [column for column, value in given.items() if not value]
        for column in missing:
            self.error(number, column, _("Give the certificate's level, number and date together."))
        if missing:
            return None
        level = self.choice(number, row, "certificate_level")
        certificate_number = given["certificate_number"].upper()
        if len(certificate_number) > 40:
            self.error(number, "certificate_number", _("Longer than 40 characters."))
        obtained_on = parse_date(given["certificate_date"])
        if obtained_on is None:
            self.error(
                number,
                "certificate_date",
                _("“%(value)s” is not a date (write 2024-06-30).")
                % {"value": given["certificate_date"][:20]},
            )
        elif obtained_on > self.today:
            self.error(number, "certificate_date", _("The date lies in the future."))
        elif obtained_on.year < FIRST_EXAM_YEAR:
            self.error(
                number,
                "certificate_date",
                _("National certificates exist since %(year)d.") % {"year": FIRST_EXAM_YEAR},
            )
        if not level or obtained_on is None:
            return None
        return (level, certificate_number, obtained_on)


def _chunks(items: list, size: int = CHUNK):
    for start in range(0, len(items), size):
        yield items[start : start + size]


@contextmanager
def _without_cyclic_gc():
    """Pauses the cyclic garbage collector: a big file makes hundreds of thousands of small
    objects and no cycles, and the collector would rescan them all again and again (a third of
    the time of a 100,000-row import). Reference counting still frees memory as usual."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def worker_import(
    source: str | Path | IO[bytes], *, actor=None, name: str | None = None
) -> WorkerImportResult:
    """Imports the workforce sheet; raises ImportRejected naming every bad row, writing nothing.

    `actor` None is the command line (everything); otherwise every row must lie in the actor's
    subtree and every person already recorded must be in the actor's reach.
    """
    with _without_cyclic_gc():
        return _worker_import(source, actor=actor, name=name)


def _worker_import(source, *, actor, name) -> WorkerImportResult:
    started = time.monotonic()
    root = "" if actor is None else actor_root_path(actor)
    if root is None:
        raise ImportRejected([RowError(0, "", _("Your account has no area; it cannot import."))])
    table = read_table(
        source,
        required=REQUIRED_COLUMNS,
        optional=[*OPTIONAL_COLUMNS, *INFORMATIVE_COLUMNS],
        name=name,
        max_bytes=getattr(settings, "TALENT_IMPORT_MAX_BYTES", 100 * 1024 * 1024),
    )
    parser = _RowParser()
    rows: list[ParsedRow] = []
    first_row_of_id: dict[str, ParsedRow] = {}
    first_row_of_certificate: dict[str, int] = {}
    for number, raw in table.rows:
        parsed = parser.parse(number, raw)
        if parsed is None:
            continue
        first = first_row_of_id.get(parsed.id_number)
        if first is not None and not parser.same_person(first, parsed):
            continue
        if parsed.certificates:
            certificate_number = parsed.certificates[0][1][1]
            first_number = first_row_of_certificate.setdefault(certificate_number, number)
            if first_number != number:
                parser.error(
                    number,
                    "certificate_number",
                    _("This certificate number appears again (first on row %(row)d).")
                    % {"row": first_number},
                )
                continue
        if first is None:
            first_row_of_id[parsed.id_number] = parsed
            rows.append(parsed)
        else:
            first.certificates.extend(parsed.certificates)
    errors = parser.errors

    areas = _areas_by_code({row.values["area_code"] for row in rows})
    stored_workers = _stored_workers([row.id_number for row in rows])
    stored_certificates = _stored_certificates(
        [certificate[1] for row in rows for _number, certificate in row.certificates]
    )
    held_levels = _held_levels([stored.pk for stored in stored_workers.values()])
    links = _stored_links(
        [stored.pk for stored in stored_workers.values() if not stored.area_path.startswith(root)]
    )

    plan = _Plan()
    for row in rows:
        area = areas.get(row.values["area_code"])
        if area is None or not area[1].startswith(root):
            parser.error(
                row.number,
                "area_code",
                _("No area with code %(code)s within your reach.")
                % {"code": row.values["area_code"]},
            )
            continue
        stored = stored_workers.get(row.id_number)
        kept_elsewhere = stored is not None and not stored.area_path.startswith(root)
        errors_before = len(errors)
        for certificate_row, (level, certificate_number, _obtained_on) in row.certificates:
            owner = stored_certificates.get(certificate_number)
            if owner is not None and owner[1] != row.id_number:
                parser.error(
                    certificate_row,
                    "certificate_number",
                    _("This certificate number is recorded for another person."),
                )
                continue
            held = held_levels.get((stored.pk, level)) if stored else None
            if held is not None and held != certificate_number:
                parser.error(
                    certificate_row,
                    "certificate_level",
                    _("This person already holds a certificate of this level, numbered otherwise."),
                )
        if kept_elsewhere and not same_name(row.values["name"], stored.fields["name"]):
            parser.error(row.number, "name", name_mismatch_message())
        if len(errors) > errors_before:
            continue
        if kept_elsewhere:
            plan.link(row, area_pk=area[0], stored=stored, links=links)
        plan.add(
            row,
            area_pk=area[0],
            stored=stored,
            stored_certificates=stored_certificates,
            keep_fields=kept_elsewhere,
        )
    if errors:
        raise ImportRejected(sorted(errors, key=lambda error: (error.row, error.column)))

    validated = time.monotonic()
    result = plan.write()
    changed = (
        result.created,
        result.updated,
        result.linked,
        result.certificates_created,
        result.certificates_updated,
    )
    if any(changed):
        # Bulk writes leave no audit entries: the figures are refreshed explicitly (debounced).
        from reports.services import compliance_refresh_after_import

        compliance_refresh_after_import(area_paths={path for _pk, path in areas.values()})
    result.validation_seconds = validated - started
    result.rows = len(table.rows)
    result.seconds = time.monotonic() - started
    return result


def _areas_by_code(codes: set[str]) -> dict[str, tuple[int, str]]:
    """(pk, path) of each area named, by code."""
    found: dict[str, tuple[int, str]] = {}
    for chunk in _chunks(sorted(codes)):
        found.update(
            (code, (pk, path))
            for code, pk, path in AdminArea.objects.filter(code__in=chunk).values_list(
                "code", "pk", "path"
            )
        )
    return found


class StoredWorker(NamedTuple):
    pk: int
    area_pk: int
    area_code: str
    area_level: int
    area_path: str
    fields: dict


def _stored_workers(id_numbers: list[str]) -> dict[str, StoredWorker]:
    """The workers already recorded under these ID numbers, wherever they are."""
    found: dict[str, StoredWorker] = {}
    width = len(WORKER_FIELDS)
    for chunk in _chunks(id_numbers):
        for row in Worker.objects.filter(id_number__in=chunk).values_list(
            "id_number", "pk", "area__code", "area__level", "area__path", *WORKER_FIELDS
        ):
            fields = dict(zip(WORKER_FIELDS, row[5 : 5 + width], strict=True))
            found[row[0]] = StoredWorker(row[1], fields["area_id"], row[2], row[3], row[4], fields)
    return found


def _stored_certificates(numbers: list[str]) -> dict[str, tuple]:
    """(pk, holder's ID number, level, obtained_on) by certificate number."""
    found: dict[str, tuple] = {}
    for chunk in _chunks(numbers):
        for row in Certificate.objects.filter(number__in=chunk).values_list(
            "number", "pk", "worker__id_number", "level", "obtained_on"
        ):
            found[row[0]] = row[1:]
    return found


def _stored_links(worker_pks: list[int]) -> set[tuple[int, int]]:
    """(worker pk, area pk) of the links these workers already have."""
    found: set[tuple[int, int]] = set()
    for chunk in _chunks(worker_pks):
        found.update(
            WorkerAreaLink.objects.filter(worker_id__in=chunk).values_list("worker_id", "area_id")
        )
    return found


def _held_levels(worker_pks: list[int]) -> dict[tuple[int, str], str]:
    """The certificate number each stored worker holds at each level."""
    held: dict[tuple[int, str], str] = {}
    for chunk in _chunks(worker_pks):
        held.update(
            ((worker_pk, level), number)
            for worker_pk, level, number in Certificate.objects.filter(
                worker_id__in=chunk
            ).values_list("worker_id", "level", "number")
        )
    return held


class _Plan:
    """What a valid file changes: new and changed workers and certificates."""

    def __init__(self):
        self.new_workers: list[Worker] = []
        self.changed_workers: list[Worker] = []
        self.unchanged = 0
        # Certificates of new workers wait for the workers' pks: (worker, level, number, date).
        self.new_certificates: list[tuple[Worker | int, str, str, datetime.date]] = []
        self.changed_certificates: list[Certificate] = []
        self.new_links: list[WorkerAreaLink] = []

    def link(self, row: ParsedRow, *, area_pk: int, stored, links: set) -> None:
        """A person kept by another bureau: linked to the row's area (once), not overwritten."""
        if area_pk != stored.area_pk and (stored.pk, area_pk) not in links:
            links.add((stored.pk, area_pk))
            self.new_links.append(WorkerAreaLink(worker_id=stored.pk, area_id=area_pk))

    def add(
        self, row: ParsedRow, *, area_pk: int, stored, stored_certificates, keep_fields=False
    ) -> None:
        values = dict(row.values)
        del values["area_code"]
        values["area_id"] = area_pk
        if stored is not None and keep_fields:
            self.unchanged += 1
            holder: Worker | int = stored.pk
        elif stored is None:
            worker = Worker(
                id_number=row.id_number,
                birth_date=id_number_birth_date(row.id_number),
                gender=id_number_gender(row.id_number),
                **values,
            )
            self.new_workers.append(worker)
            holder = worker
        else:
            holder = stored.pk
            if stored.fields == values:
                self.unchanged += 1
            else:
                # No pk: the upsert finds the stored row by its ID number (the conflict target).
                self.changed_workers.append(
                    Worker(
                        id_number=row.id_number,
                        birth_date=id_number_birth_date(row.id_number),
                        gender=id_number_gender(row.id_number),
                        **values,
                    )
                )
        for _row_number, (level, number, obtained_on) in row.certificates:
            existing = stored_certificates.get(number)
            if existing is None:
                self.new_certificates.append((holder, level, number, obtained_on))
            elif (existing[2], existing[3]) != (level, obtained_on):
                self.changed_certificates.append(
                    Certificate(
                        worker_id=holder if isinstance(holder, int) else None,
                        level=level,
                        number=number,
                        obtained_on=obtained_on,
                    )
                )

    @transaction.atomic
    def write(self) -> WorkerImportResult:
        # Upserts keyed on the natural keys: one INSERT … ON CONFLICT per batch, far cheaper than
        # bulk_update's CASE WHEN per field (which costs seconds per thousand rows on SQLite).
        # created_at is not among the updated fields, so a stored worker keeps it.
        Worker.objects.bulk_create(
            [*self.new_workers, *self.changed_workers],
            batch_size=BATCH_SIZE,
            update_conflicts=True,
            unique_fields=["id_number"],
            update_fields=[*WORKER_FIELDS, "updated_at"],
        )
        _set_missing_pks(self.new_workers)
        certificates = [
            Certificate(
                worker_id=holder if isinstance(holder, int) else holder.pk,
                level=level,
                number=number,
                obtained_on=obtained_on,
            )
            for holder, level, number, obtained_on in self.new_certificates
        ]
        Certificate.objects.bulk_create(
            [*certificates, *self.changed_certificates],
            batch_size=BATCH_SIZE,
            update_conflicts=True,
            unique_fields=["number"],
            update_fields=["level", "obtained_on"],
        )
        WorkerAreaLink.objects.bulk_create(self.new_links, batch_size=BATCH_SIZE)
        return WorkerImportResult(
            linked=len(self.new_links),
            created=len(self.new_workers),
            updated=len(self.changed_workers),
            unchanged=self.unchanged,
            certificates_created=len(certificates),
            certificates_updated=len(self.changed_certificates),
        )


def _set_missing_pks(workers: list[Worker]) -> None:
    """Databases that cannot return ids from a bulk insert: look them up by ID number."""
    missing = {worker.id_number: worker for worker in workers if worker.pk is None}
    for chunk in _chunks(list(missing)):
        for id_number, pk in Worker.objects.filter(id_number__in=chunk).values_list(
            "id_number", "pk"
        ):
            missing[id_number].pk = pk
