"""Excel/CSV import of the service network: stations (staff assignments and ledger entries below).

Each import reads the whole file, checks every row with the same validation as the services and
reports every problem with its row number; only a clean file is written, row by row through the
services, inside one transaction. A rule that only shows between rows (two rows for the same
township) is also reported by row, and then nothing is written either.

Choice columns take the stored value ("township_station") or the label in the interface's
language; dates are YYYY-MM-DD (or Excel date cells); contractors are named by their unified
social credit code.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import IO

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import F, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from projects.models import Contractor
from stations import station_services as services
from stations.access import actor_root_path, scope_to_actor
from stations.models import (
    AdminArea,
    ServiceLogEntry,
    Station,
    StationAssignment,
    VulnerableGroup,
)
from stations.rules import RESIDENT_ROLES
from stations.tabular import ImportRejected, RowError, read_table
from talent.models import WORKER_REACH, Worker

MAX_IMPORT_BYTES = 20 * 1024 * 1024


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def __str__(self) -> str:
        return _("%(created)d created, %(updated)d updated, %(unchanged)d unchanged.") % {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
        }


# --- cell parsing --------------------------------------------------------------------------------


class CellError(Exception):
    """A cell that cannot be read; the message is shown with its row and column."""


def choice_words(choices: type[models.Choices]) -> dict[str, str]:
    """Stored values and labels (in the active language), lower-cased, to stored values."""
    words = {}
    for value, label in choices.choices:
        words[str(value).lower()] = value
        words[str(label).strip().lower()] = value
    return words


def parse_choice(value: str, words: dict[str, str], *, blank: str | None = None) -> str:
    if not value:
        if blank is None:
            raise CellError(_("This cell is required."))
        return blank
    try:
        return words[value.strip().lower()]
    except KeyError:
        raise CellError(_("“%(value)s” is not one of the choices.") % {"value": value}) from None


def parse_date(value: str, *, required: bool = False) -> datetime.date | None:
    if not value:
        if required:
            raise CellError(_("This cell is required."))
        return None
    try:
        return datetime.date.fromisoformat(value[:10])
    except ValueError:
        raise CellError(_("“%(value)s” is not a date (YYYY-MM-DD).") % {"value": value}) from None


def parse_decimal(value: str, *, required: bool = False) -> Decimal | None:
    if not value:
        if required:
            raise CellError(_("This cell is required."))
        return None
    try:
        number = Decimal(value)
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite():
        raise CellError(_("“%(value)s” is not a number.") % {"value": value})
    return number


def parse_int(value: str, *, default: int | None = None) -> int:
    if not value:
        if default is None:
            raise CellError(_("This cell is required."))
        return default
    try:
        return int(Decimal(value))
    except (InvalidOperation, ValueError):
        raise CellError(_("“%(value)s” is not a whole number.") % {"value": value}) from None


def row_errors(number: int, error: ValidationError, columns: dict[str, str]) -> list[RowError]:
    """A service's ValidationError as row errors; `columns` maps model fields to file columns."""
    if hasattr(error, "error_dict"):
        return [
            RowError(number, columns.get(field, "" if field == "__all__" else field), message)
            for field, messages in error.message_dict.items()
            for message in messages
        ]
    return [RowError(number, "", message) for message in error.messages]


def read_rows(source, *, required: list[str], optional: list[str], name: str | None):
    return read_table(
        source, required=required, optional=optional, name=name, max_bytes=MAX_IMPORT_BYTES
    ).rows


def assert_actor_can_import(actor) -> None:
    if actor is not None and actor_root_path(actor) is None:
        raise ImportRejected([RowError(0, "", _("Your account has no area; it cannot import."))])


# --- stations ------------------------------------------------------------------------------------

STATION_REQUIRED = ["area"]
STATION_OPTIONAL = [
    "id",
    "kind",
    "name",
    "signboard_name",  # exported for reading; ignored on import (it is generated)
    "address",
    "longitude",
    "latitude",
    "host_facility",
    "phone",
    "opened_on",
    "status",
    "status_since",
    "operator",
    "contractor",
]
STATION_COLUMNS = {name: name for name in STATION_REQUIRED + STATION_OPTIONAL}


def _scoped(qs, actor, area_field="area"):
    return qs if actor is None else scope_to_actor(qs, actor=actor, area_field=area_field)


def station_import(
    source: str | Path | IO[bytes], *, actor=None, name: str | None = None
) -> ImportResult:
    """Creates stations (rows without `id`) and updates those named by `id`.

    `actor` None is the command line (everything). Cost: three queries to read the areas,
    contractors and stations the file names, then the services' few queries per row.
    """
    assert_actor_can_import(actor)
    rows = read_rows(source, required=STATION_REQUIRED, optional=STATION_OPTIONAL, name=name)
    areas = {
        area.code: area
        for area in _scoped(AdminArea.objects.all(), actor, area_field=None).filter(
            code__in={row["area"] for _number, row in rows}
        )
    }
    contractors = {
        contractor.credit_code: contractor
        for contractor in (
            Contractor.objects.all()
            if actor is None
            else services.contractors_within_reach(actor=actor)
        ).filter(credit_code__in={row.get("contractor", "") for _number, row in rows} - {""})
    }
    ids = {row.get("id", "") for _number, row in rows} - {""}
    stations = {
        str(station.pk): station
        for station in _scoped(Station.objects.select_related("area", "contractor"), actor).filter(
            pk__in=[int(pk) for pk in ids if pk.isdigit()]
        )
    }
    words = {
        "kind": choice_words(Station.Kind),
        "status": choice_words(Station.Status),
        "host_facility": choice_words(Station.HostFacility),
        "operator": choice_words(Station.Operator),
    }
    errors: list[RowError] = []
    parsed: list[tuple[int, Station, bool]] = []
    first_row: dict[tuple[str, str], int] = {}
    for number, row in rows:
        station, changed, problems = _station_from_row(
            number, row, areas=areas, contractors=contractors, stations=stations, words=words
        )
        if problems:
            errors.extend(problems)
            continue
        try:
            services.station_validate(station)
        except ValidationError as error:
            errors.extend(row_errors(number, error, STATION_COLUMNS))
            continue
        if station.kind in services.ONE_PER_AREA_KINDS and station.status != Station.Status.CLOSED:
            key = (station.area.code, station.kind)
            if key in first_row:
                errors.append(
                    RowError(
                        number,
                        "area",
                        _("A second open %(kind)s for %(area)s (first on row %(row)d).")
                        % {
                            "kind": Station.Kind(station.kind).label.lower(),
                            "area": station.area.name,
                            "row": first_row[key],
                        },
                    )
                )
                continue
            first_row[key] = number
        parsed.append((number, station, changed))
    if errors:
        raise ImportRejected(errors)

    result = ImportResult()
    with transaction.atomic():
        for number, station, changed in parsed:
            if station.pk is not None and not changed:
                result.unchanged += 1
                continue
            created = station.pk is None
            try:
                services.station_save(actor=actor, station=station)
            except ValidationError as error:
                errors.extend(row_errors(number, error, STATION_COLUMNS))
                continue
            if created:
                result.created += 1
            else:
                result.updated += 1
        if errors:
            raise ImportRejected(errors)
    return result


STATION_FIELDS = [
    "kind",
    "area",
    "name",
    "address",
    "longitude",
    "latitude",
    "host_facility",
    "phone",
    "opened_on",
    "status",
    "status_since",
    "operator",
    "contractor",
]


def _station_from_row(number, row, *, areas, contractors, stations, words):
    """The station a row describes (new, or the stored one with the row's values), whether that
    changes anything, and the row's own problems."""
    problems: list[RowError] = []
    values: dict = {}

    area = areas.get(row["area"])
    if area is None:
        problems.append(
            RowError(
                number,
                "area",
                _("No area with code “%(code)s” within your reach.") % {"code": row["area"]},
            )
        )
    stored = None
    if row.get("id"):
        stored = stations.get(row["id"])
        if stored is None:
            problems.append(
                RowError(
                    number, "id", _("No station %(id)s within your reach.") % {"id": row["id"]}
                )
            )

    def cell(column: str, parse) -> None:
        if stored is not None and column not in row:
            # A column the file does not have keeps the stored value.
            values[column] = getattr(stored, column)
            return
        try:
            values[column] = parse(row.get(column, ""))
        except CellError as error:
            problems.append(RowError(number, column, str(error)))

    if stored is not None:
        default_kind, default_status = stored.kind, stored.status
    else:
        default_kind = services.LEVEL_KINDS.get(area.level, "") if area else ""
        default_status = Station.Status.PLANNED
    default_operator = (
        Station.Operator.CONTRACTOR if row.get("contractor") else Station.Operator.GOVERNMENT
    )
    cell("kind", lambda value: parse_choice(value, words["kind"], blank=default_kind))
    cell("status", lambda value: parse_choice(value, words["status"], blank=default_status))
    cell("host_facility", lambda value: parse_choice(value, words["host_facility"], blank=""))
    cell("operator", lambda value: parse_choice(value, words["operator"], blank=default_operator))
    for column in ("opened_on", "status_since"):
        cell(column, parse_date)
    for column in ("longitude", "latitude"):
        cell(column, parse_decimal)
    contractor = None
    if stored is not None and "contractor" not in row:
        contractor = stored.contractor
    elif row.get("contractor"):
        contractor = contractors.get(row["contractor"])
        if contractor is None:
            problems.append(
                RowError(
                    number,
                    "contractor",
                    _("No contractor with credit code “%(code)s” within your reach.")
                    % {"code": row["contractor"]},
                )
            )
    if problems:
        return None, False, problems
    values.update(
        area=area,
        contractor=contractor,
        name=row.get("name", "") or (stored.name if stored else ""),
        **{
            column: getattr(stored, column)
            if stored is not None and column not in row
            else row.get(column, "")
            for column in ("address", "phone")
        },
    )
    if values["status_since"] is None:
        # Unchanged status: keep its date. A new station: today. A changed status without a date
        # is refused by the validation ("Give the date of this status change").
        if stored is not None:
            values["status_since"] = stored.status_since
        else:
            values["status_since"] = timezone.localdate()
    station = stored if stored is not None else Station()
    changed = stored is None or any(
        getattr(stored, field) != values[field] for field in STATION_FIELDS
    )
    for field in STATION_FIELDS:
        setattr(station, field, values[field])
    return station, changed, problems


# --- shared look-ups -----------------------------------------------------------------------------


def normalise_id_number(value: str) -> str:
    return "".join((value or "").split()).upper()


def station_lookup(values: set[str], *, actor) -> dict[str, Station | str]:
    """Stations named in a file, by the cell's text: a station id, or the 12-digit code of an area
    whose open station it is. A text naming no single station maps to the reason, for the error.

    Cost: one query.
    """
    ids = {int(value) for value in values if value.isdigit() and len(value) < 12}
    codes = {value for value in values if value.isdigit() and len(value) == 12}
    stations = _scoped(Station.objects.select_related("area"), actor).filter(
        models.Q(pk__in=ids) | (models.Q(area__code__in=codes) & ~models.Q(status="closed"))
    )
    by_id: dict[str, Station] = {}
    by_code: dict[str, list[Station]] = {}
    for station in stations:
        by_id[str(station.pk)] = station
        if station.area.code in codes and station.status != Station.Status.CLOSED:
            by_code.setdefault(station.area.code, []).append(station)
    found: dict[str, Station | str] = {}
    for value in values:
        if value in by_id and len(value) < 12:
            found[value] = by_id[value]
        elif len(by_code.get(value, [])) == 1:
            found[value] = by_code[value][0]
        elif len(by_code.get(value, [])) > 1:
            found[value] = _(
                "Area %(code)s has several open stations; give the station's id instead."
            ) % {"code": value}
        else:
            found[value] = _(
                "No station “%(value)s” within your reach (give its id or its area's code)."
            ) % {"value": value}
    return found


def worker_lookup(values: set[str], *, actor) -> dict[str, Worker]:
    """Workers named by resident ID number, within reach: kept in the actor's subtree or linked
    to an area in it (WORKER_REACH). One query."""
    numbers = {normalise_id_number(value) for value in values} - {""}
    return {
        worker.id_number: worker
        for worker in _scoped(
            Worker.objects.select_related("area"), actor, area_field=WORKER_REACH
        ).filter(id_number__in=numbers)
    }


def _station_cell(number, row, stations, problems) -> Station | None:
    found = stations.get(row.get("station", ""))
    if not row.get("station"):
        problems.append(RowError(number, "station", _("This cell is required.")))
        return None
    if isinstance(found, Station):
        return found
    problems.append(RowError(number, "station", str(found)))
    return None


def _worker_cell(number, row, workers, problems):
    value = normalise_id_number(row.get("worker_id_number", ""))
    if not value:
        problems.append(RowError(number, "worker_id_number", _("This cell is required.")))
        return None
    worker = workers.get(value)
    if worker is None:
        problems.append(
            RowError(
                number,
                "worker_id_number",
                _("No worker with this ID number within your reach."),
            )
        )
    return worker


# --- staff assignments ---------------------------------------------------------------------------

ASSIGNMENT_REQUIRED = ["station", "worker_id_number", "role", "starts_on"]
ASSIGNMENT_OPTIONAL = ["id", "ends_on", "note", "station_name", "worker_name"]
ASSIGNMENT_COLUMNS = {
    "station": "station",
    "worker": "worker_id_number",
    "role": "role",
    "starts_on": "starts_on",
    "ends_on": "ends_on",
    "note": "note",
}
ASSIGNMENT_FIELDS = ["station", "worker", "role", "starts_on", "ends_on", "note"]


def assignment_import(
    source: str | Path | IO[bytes], *, actor=None, name: str | None = None
) -> ImportResult:
    """Creates staff assignments (rows without `id`) and updates those named by `id`.

    The station is named by its id or its area's code, the worker by the resident ID number.
    Rows are checked like the service does, and against each other (no worker resident at two
    stations at once within the file either). Cost: four queries to read what the file names,
    then the services' few queries per row.
    """
    assert_actor_can_import(actor)
    rows = read_rows(source, required=ASSIGNMENT_REQUIRED, optional=ASSIGNMENT_OPTIONAL, name=name)
    stations = station_lookup({row["station"] for _number, row in rows} - {""}, actor=actor)
    workers = worker_lookup({row["worker_id_number"] for _number, row in rows}, actor=actor)
    ids = {row.get("id", "") for _number, row in rows} - {""}
    stored = {
        str(assignment.pk): assignment
        for assignment in _scoped(
            StationAssignment.objects.select_related("station__area", "worker"), actor
        ).filter(pk__in=[int(pk) for pk in ids if pk.isdigit()])
    }
    roles = choice_words(StationAssignment.Role)
    errors: list[RowError] = []
    parsed: list[tuple[int, StationAssignment, bool]] = []
    for number, row in rows:
        problems: list[RowError] = []
        values = {"note": row.get("note", "")}
        values["station"] = _station_cell(number, row, stations, problems)
        values["worker"] = _worker_cell(number, row, workers, problems)
        for column, parse in (
            ("role", lambda value: parse_choice(value, roles)),
            ("starts_on", lambda value: parse_date(value, required=True)),
            ("ends_on", parse_date),
        ):
            try:
                values[column] = parse(row.get(column, ""))
            except CellError as error:
                problems.append(RowError(number, column, str(error)))
        assignment = StationAssignment()
        if row.get("id"):
            assignment = stored.get(row["id"])
            if assignment is None:
                problems.append(
                    RowError(
                        number,
                        "id",
                        _("No assignment %(id)s within your reach.") % {"id": row["id"]},
                    )
                )
        if problems:
            errors.extend(problems)
            continue
        changed = assignment.pk is None or any(
            getattr(assignment, field) != values[field] for field in ASSIGNMENT_FIELDS
        )
        for field in ASSIGNMENT_FIELDS:
            setattr(assignment, field, values[field])
        try:
            services.assignment_validate(assignment)
        except ValidationError as error:
            errors.extend(row_errors(number, error, ASSIGNMENT_COLUMNS))
            continue
        parsed.append((number, assignment, changed))
    errors.extend(_overlaps_within_file(parsed))
    if errors:
        raise ImportRejected(sorted(errors, key=lambda error: error.row))
    return write_through(
        parsed,
        lambda assignment: services.assignment_save(actor=actor, assignment=assignment),
        ASSIGNMENT_COLUMNS,
    )


def _overlaps_within_file(parsed) -> list[RowError]:
    """Rows of one file that put a worker on resident staff at two stations at once."""
    errors = []
    seen: dict[int, list[tuple[int, object]]] = {}
    for number, assignment, _changed in parsed:
        if assignment.role not in RESIDENT_ROLES:
            continue
        end = assignment.ends_on or datetime.date.max
        for first, other in seen.get(assignment.worker_id, []):
            if (
                other.starts_on <= end
                and (other.ends_on or datetime.date.max) >= assignment.starts_on
            ):
                errors.append(
                    RowError(
                        number,
                        "worker_id_number",
                        _("This worker is already resident staff on row %(row)d for the same days.")
                        % {"row": first},
                    )
                )
                break
        seen.setdefault(assignment.worker_id, []).append((number, assignment))
    return errors


def write_through(parsed, save, columns) -> ImportResult:
    """Writes checked rows `(row number, object, changed)` one by one through a service, all or
    nothing: unchanged stored rows are counted and skipped, any refusal rejects the whole file."""
    result = ImportResult()
    errors: list[RowError] = []
    with transaction.atomic():
        for number, obj, changed in parsed:
            if obj.pk is not None and not changed:
                result.unchanged += 1
                continue
            created = obj.pk is None
            try:
                save(obj)
            except ValidationError as error:
                errors.extend(row_errors(number, error, columns))
                continue
            if created:
                result.created += 1
            else:
                result.updated += 1
        if errors:
            raise ImportRejected(errors)
    return result


# --- the service ledger --------------------------------------------------------------------------

LEDGER_REQUIRED = ["station", "worker_id_number", "served_on", "kind", "hours"]


def ledger_optional_columns() -> list[str]:
    return [
        "id",
        "community",
        "case_reference",
        *VulnerableGroup.values,
        "volunteers",
        "note",
        "station_name",
        "worker_name",
        "community_name",
    ]


LEDGER_COLUMNS = {
    "station": "station",
    "worker": "worker_id_number",
    "served_on": "served_on",
    "kind": "kind",
    "hours": "hours",
    "community": "community",
    "case_reference": "case_reference",
    "people_served": "people_served",
    "volunteers": "volunteers",
    "note": "note",
}
LEDGER_FIELDS = [
    "station",
    "worker",
    "served_on",
    "kind",
    "hours",
    "community",
    "case_reference",
    "people_served",
    "volunteers",
    "note",
]


def ledger_import(
    source: str | Path | IO[bytes], *, actor=None, name: str | None = None
) -> ImportResult:
    """Adds ledger entries (rows without `id`) and corrects those named by `id`.

    A row without `id` equal to an entry already recorded (same station, worker, date, kind,
    hours, community and case) is counted as unchanged, so that importing a file twice adds
    nothing. People served are given in one column per vulnerable group.

    Cost: a fixed number of queries whatever the file's length (the stations, workers,
    communities, assignments, entries and day totals it names), then one bulk insert and one bulk
    update; every rule of `log_entry_problems` is checked in memory.
    """
    assert_actor_can_import(actor)
    optional = ledger_optional_columns()
    rows = read_rows(source, required=LEDGER_REQUIRED, optional=optional, name=name)
    stations = station_lookup({row["station"] for _number, row in rows} - {""}, actor=actor)
    workers = worker_lookup({row["worker_id_number"] for _number, row in rows}, actor=actor)
    communities = {
        area.code: area
        for area in _scoped(AdminArea.objects.all(), actor, area_field=None).filter(
            code__in={row.get("community", "") for _number, row in rows} - {""}
        )
    }
    ids = {int(row["id"]) for _number, row in rows if row.get("id", "").isdigit()}
    stored = {
        str(entry.pk): entry
        for entry in _scoped(ServiceLogEntry.objects.all(), actor).filter(pk__in=ids)
    }
    station_ids = {s.pk for s in stations.values() if isinstance(s, Station)}
    worker_ids = {worker.pk for worker in workers.values()}
    assignments: dict[tuple[int, int], list] = {}
    for assignment in StationAssignment.objects.filter(
        station_id__in=station_ids, worker_id__in=worker_ids
    ):
        assignments.setdefault((assignment.station_id, assignment.worker_id), []).append(assignment)
    kinds = choice_words(ServiceLogEntry.Kind)
    errors: list[RowError] = []
    entries: list[tuple[int, ServiceLogEntry, bool]] = []
    for number, row in rows:
        problems: list[RowError] = []
        values: dict = {"note": row.get("note", "")}
        values["station"] = _station_cell(number, row, stations, problems)
        values["worker"] = _worker_cell(number, row, workers, problems)
        for column, parse in (
            ("served_on", lambda value: parse_date(value, required=True)),
            ("kind", lambda value: parse_choice(value, kinds)),
            ("hours", lambda value: parse_decimal(value, required=True)),
            ("volunteers", lambda value: parse_int(value, default=0)),
        ):
            try:
                values[column] = parse(row.get(column, ""))
            except CellError as error:
                problems.append(RowError(number, column, str(error)))
        values["community"] = None
        if row.get("community"):
            values["community"] = communities.get(row["community"])
            if values["community"] is None:
                problems.append(
                    RowError(
                        number,
                        "community",
                        _("No area with code “%(code)s” within your reach.")
                        % {"code": row["community"]},
                    )
                )
        people = {}
        for group in VulnerableGroup.values:
            try:
                count = parse_int(row.get(group, ""), default=0)
            except CellError as error:
                problems.append(RowError(number, group, str(error)))
                continue
            if count:
                people[group] = count
        values["people_served"] = people
        values["case_reference"] = services.normalise_case_reference(row.get("case_reference", ""))
        entry = ServiceLogEntry()
        if row.get("id"):
            entry = stored.get(row["id"])
            if entry is None:
                problems.append(
                    RowError(
                        number, "id", _("No entry %(id)s within your reach.") % {"id": row["id"]}
                    )
                )
            elif values["station"] is not None and entry.station_id != values["station"].pk:
                problems.append(
                    RowError(number, "station", _("An entry cannot move to another station."))
                )
        if problems:
            errors.extend(problems)
            continue
        changed = entry.pk is None or any(
            getattr(entry, field) != values[field] for field in LEDGER_FIELDS
        )
        for field in LEDGER_FIELDS:
            setattr(entry, field, values[field])
        entry.area_id = entry.station.area_id
        try:
            # The related rows were read above: skip full_clean's query per foreign key.
            entry.full_clean(
                exclude=["station", "area", "worker", "community", "recorded_by"],
                validate_constraints=False,
            )
        except ValidationError as error:
            errors.extend(row_errors(number, error, LEDGER_COLUMNS))
            continue
        entries.append((number, entry, changed))

    if entries:
        days = [entry.served_on for _number, entry, _changed in entries]
        recorded = ServiceLogEntry.objects.filter(
            worker_id__in=worker_ids, served_on__range=(min(days), max(days))
        ).exclude(pk__in=[entry.pk for _n, entry, _c in entries if entry.pk])
        day_hours: dict[tuple[int, datetime.date], Decimal] = {
            (row["worker_id"], row["served_on"]): row["total"]
            for row in recorded.values("worker_id", "served_on").annotate(total=Sum("hours"))
        }
        existing = set(
            recorded.filter(station_id__in=station_ids).values_list(
                "station_id",
                "worker_id",
                "served_on",
                "kind",
                "hours",
                "community_id",
                "case_reference",
            )
        )
    for number, entry, _changed in entries:
        key = (entry.worker_id, entry.served_on)
        roles = {
            assignment.role
            for assignment in assignments.get((entry.station_id, entry.worker_id), [])
            if assignment.starts_on <= entry.served_on
            and (assignment.ends_on is None or assignment.ends_on >= entry.served_on)
        }
        problems = services.log_entry_problems(
            entry,
            roles=roles,
            other_hours=day_hours.get(key, Decimal(0)),
            community=entry.community,
        )
        day_hours[key] = day_hours.get(key, Decimal(0)) + entry.hours
        for field, messages in problems.items():
            errors.extend(RowError(number, LEDGER_COLUMNS[field], message) for message in messages)
    if errors:
        raise ImportRejected(sorted(errors, key=lambda error: error.row))

    result = ImportResult()
    to_create, to_update = [], []
    for _number, entry, changed in entries:
        identity = (
            entry.station_id,
            entry.worker_id,
            entry.served_on,
            entry.kind,
            entry.hours,
            entry.community_id,
            entry.case_reference,
        )
        if entry.pk is None and identity in existing:
            result.unchanged += 1
        elif entry.pk is None:
            entry.recorded_by = actor if actor is not None and actor.pk else None
            to_create.append(entry)
            existing.add(identity)
        elif changed:
            # A correction is a new version: an officer's form loaded before it is then refused.
            entry.version = F("version") + 1
            to_update.append(entry)
        else:
            result.unchanged += 1
    with transaction.atomic():
        ServiceLogEntry.objects.bulk_create(to_create, batch_size=2000)
        ServiceLogEntry.objects.bulk_update(
            to_update,
            [*(field for field in LEDGER_FIELDS if field != "station"), "version"],
            batch_size=2000,
        )
    result.created, result.updated = len(to_create), len(to_update)
    return result
