"""Import of division files (the CSV layout of shared/data/divisions, or the same columns in .xlsx).

The whole file is validated before anything is written; then every new or changed area is written
inside one transaction (on PostgreSQL with COPY and a single INSERT, elsewhere in large batches). Re-importing a file updates areas in place (matched by
code), keeps urban/rural classifications that were set by hand, and never deletes an area.
"""

import csv
import gc
import io
import time
from collections import namedtuple
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import IO

from django.conf import settings
from django.db import connections, router, transaction
from django.db.models import Value
from django.db.models.functions import Concat, Length, Substr
from django.utils import timezone
from django.utils.translation import gettext as _

from stations.access import actor_root_path
from stations.areas import ROOT_LEVELS, code_errors, path_for
from stations.models import AdminArea
from stations.station_services import station_signboards_refresh
from stations.tabular import ImportRejected, RowError, read_table

Level = AdminArea.Level
LEVEL_WORDS: dict[str, int | None] = {
    "country": None,  # the national root row is not an area of the platform
    "province": Level.PROVINCE,
    "city": Level.CITY,
    "county": Level.COUNTY,
    "town": Level.TOWNSHIP,
    "township": Level.TOWNSHIP,
    "village": Level.COMMUNITY,
    "community": Level.COMMUNITY,
    **{str(level.value): level.value for level in Level},
}
# The words the division files use, for exports that can be imported again.
LEVEL_KEYS: dict[int, str] = {
    Level.PROVINCE: "province",
    Level.CITY: "city",
    Level.COUNTY: "county",
    Level.TOWNSHIP: "town",
    Level.COMMUNITY: "village",
}
TRUE_WORDS = {"t", "true", "1", "y", "yes", "是"}
FALSE_WORDS = {"f", "false", "0", "n", "no", "否", ""}
# Exact cell text to boolean, so that the usual cells ("t", "f", "") skip strip() and lower().
BOOL_WORDS = {**dict.fromkeys(FALSE_WORDS, False), **dict.fromkeys(TRUE_WORDS, True)}
# A write of at least this many areas is followed by ANALYZE on PostgreSQL.
ANALYZE_AFTER_ROWS = 10_000
COORDINATE_STEP = Decimal("0.0000001")  # the 7 decimal places of AdminArea.longitude/latitude
REQUIRED_COLUMNS = ["code", "parent", "name", "level"]
OPTIONAL_COLUMNS = ["ur_code", "virtual", "dummy", "longitude", "latitude"]
# The fields an import writes (everything but the primary key).
WRITTEN_FIELDS = [
    "name",
    "level",
    "parent_id",
    "path",
    "urban_rural_code",
    "urban_rural",
    "urban_rural_source",
    "is_virtual",
    "is_placeholder",
    "longitude",
    "latitude",
]
# One area's written values. A plain tuple subclass, so it compares equal to the tuple that
# values_list() reads back from the database: "unchanged" is a single tuple comparison.
AreaValues = namedtuple("AreaValues", WRITTEN_FIELDS)
BATCH_SIZE = 5000


@dataclass
class AreaImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    moved_descendants: int = 0
    seconds: float = 0.0
    rows: int = 0
    created_codes: list[str] = field(default_factory=list, repr=False)

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0

    def __str__(self) -> str:
        return _(
            "%(rows)d rows read: %(created)d created, %(updated)d updated, "
            "%(unchanged)d unchanged, %(skipped)d skipped."
        ) % {
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "skipped": self.skipped,
        }


def _parse_bool(value: str, column: str, number: int, errors: list[RowError]) -> bool:
    parsed = BOOL_WORDS.get(value)
    if parsed is None:
        parsed = BOOL_WORDS.get(value.strip().lower())
    if parsed is None:
        errors.append(RowError(number, column, _("“%(value)s” is not t or f.") % {"value": value}))
        return False
    return parsed


def _parse_coordinate(
    value: str, column: str, limit: int, number: int, errors: list[RowError]
) -> Decimal | None:
    if not value:
        return None
    try:
        coordinate = Decimal(value).quantize(COORDINATE_STEP)
    except InvalidOperation:
        coordinate = None
    # "NaN" parses and quantizes, but comparing it below would raise InvalidOperation.
    if coordinate is None or not coordinate.is_finite():
        errors.append(
            RowError(number, column, _("“%(value)s” is not a number.") % {"value": value})
        )
        return None
    if not -limit <= coordinate <= limit:
        errors.append(RowError(number, column, _("%(value)s is out of range.") % {"value": value}))
        return None
    return coordinate


def _parse_rows(table) -> tuple[dict[str, dict], list[RowError], int]:
    """Checks each row on its own; returns the parsed rows by code, the errors and skipped rows."""
    parsed: dict[str, dict] = {}
    errors: list[RowError] = []
    skipped = 0
    for number, row in table.rows:
        code = row["code"]
        level_word = row["level"].strip().lower()
        if level_word not in LEVEL_WORDS:
            errors.append(
                RowError(number, "level", _("Unknown level “%(value)s”.") % {"value": row["level"]})
            )
            continue
        level = LEVEL_WORDS[level_word]
        if level is None:
            skipped += 1
            continue
        if code in parsed:
            errors.append(
                RowError(
                    number,
                    "code",
                    _("Code %(code)s appears again (first on row %(row)d).")
                    % {"code": code, "row": parsed[code]["row"]},
                )
            )
            continue
        name = row["name"]
        if not name:
            errors.append(RowError(number, "name", _("The name is empty.")))
        elif len(name) > 100:
            errors.append(RowError(number, "name", _("The name is longer than 100 characters.")))
        ur_code = row.get("ur_code", "")
        if ur_code and not (len(ur_code) == 3 and ur_code.isdigit() and ur_code[0] in "12"):
            errors.append(
                RowError(
                    number,
                    "ur_code",
                    _("“%(value)s” is not an urban-rural code (1xx urban, 2xx rural).")
                    % {"value": ur_code},
                )
            )
            ur_code = ""
        parsed[code] = {
            "row": number,
            "code": code,
            "parent_code": row["parent"] or None,
            "name": name,
            "level": level,
            "urban_rural_code": ur_code,
            "is_virtual": _parse_bool(row.get("virtual", ""), "virtual", number, errors),
            "is_placeholder": _parse_bool(row.get("dummy", ""), "dummy", number, errors),
            "longitude": _parse_coordinate(
                row.get("longitude", ""), "longitude", 180, number, errors
            ),
            "latitude": _parse_coordinate(row.get("latitude", ""), "latitude", 90, number, errors),
        }
    return parsed, errors, skipped


def _existing_areas(db: str) -> dict[str, AreaValues]:
    """Every area already stored, by code. One query, read in chunks to bound the driver's memory."""
    return {
        row[0]: AreaValues._make(row[1:])
        for row in AdminArea.objects.using(db)
        .values_list("code", *WRITTEN_FIELDS)
        .iterator(chunk_size=20000)
    }


def _moved_path(path: str, moves: dict[str, str]) -> str:
    """Where a stored area that is not in the file ends up once the file has moved its ancestors.

    `moves` maps old to new paths of the areas moved so far; the deepest moved ancestor wins, as its
    new path already includes any move above it.
    """
    if moves:
        prefix = path
        while (cut := prefix.rfind("/", 0, len(prefix) - 1)) > 0:
            prefix = prefix[: cut + 1]
            if prefix in moves:
                return moves[prefix] + path[len(prefix) :]
    return path


def _copy_supported(connection) -> bool:
    if connection.vendor != "postgresql":
        return False
    # Imported here: the module imports the PostgreSQL driver.
    from django.db.backends.postgresql.psycopg_any import is_psycopg3

    return not is_psycopg3  # COPY below uses psycopg2's copy_expert()


def _write_areas(db: str, areas: list[tuple[str, AreaValues]]) -> None:
    """Inserts new areas and overwrites changed ones (matched by code), in the caller's transaction.

    On PostgreSQL the rows are streamed with COPY into a temporary table and merged with one
    INSERT … ON CONFLICT. bulk_create spends most of its time in Python, building a model instance
    and preparing each of 12 values for every row: on the national file (700,000 rows) about two
    thirds of the 52 CPU seconds the whole import took (docs/performance.md). Elsewhere (SQLite in
    development and tests) bulk_create does the same merge in batches.
    """
    connection = connections[db]
    if not _copy_supported(connection):
        AdminArea.objects.using(db).bulk_create(
            [AdminArea(code=code, **values._asdict()) for code, values in areas],
            batch_size=BATCH_SIZE,
            update_conflicts=True,
            unique_fields=["code"],
            update_fields=[*[f.removesuffix("_id") for f in WRITTEN_FIELDS], "updated_at"],
        )
        return

    quote = connection.ops.quote_name
    table = quote(AdminArea._meta.db_table)
    staging = quote("stations_adminarea_import")
    fields = [AdminArea._meta.get_field(name) for name in ["code", *WRITTEN_FIELDS]]
    columns = ", ".join(quote(f.column) for f in fields)
    # In COPY's CSV format an empty field is NULL; in the NOT NULL columns it is the empty string.
    not_null = ", ".join(quote(f.column) for f in fields if not f.null)
    updated_at = quote(AdminArea._meta.get_field("updated_at").column)
    assignments = ", ".join(f"{quote(f.column)} = EXCLUDED.{quote(f.column)}" for f in fields[1:])
    # csv.writer (in C) quotes names holding commas, quotes or line breaks, writes None as an empty
    # field and True/False as words PostgreSQL reads; several times faster than formatting each
    # value in Python.
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows((code, *values) for code, values in areas)
    buffer.seek(0)
    with connection.cursor() as cursor:
        # Copying the column types from the real table keeps the staging table in step with
        # migrations. It is dropped explicitly below because inside an outer transaction (a web
        # request) "on commit" comes too late for a second import in the same request.
        # S608: the statements hold only quoted names from the model's _meta; values are params.
        cursor.execute(
            f"CREATE TEMPORARY TABLE {staging} ON COMMIT DROP AS "  # noqa: S608
            f"SELECT {columns} FROM {table} WITH NO DATA"
        )
        cursor.cursor.copy_expert(
            f"COPY {staging} ({columns}) FROM STDIN WITH (FORMAT csv, FORCE_NOT_NULL ({not_null}))",
            buffer,
        )
        cursor.execute(
            f"INSERT INTO {table} ({columns}, {updated_at}) "  # noqa: S608
            f"SELECT {columns}, %s FROM {staging} "
            f"ON CONFLICT ({quote(fields[0].column)}) DO UPDATE SET {assignments}, "
            f"{updated_at} = EXCLUDED.{updated_at}",
            [timezone.now()],
        )
        cursor.execute(f"DROP TABLE {staging}")


@contextmanager
def _gc_paused():
    """Pauses Python's cyclic garbage collector, which an import only slows down.

    Reading a national file allocates millions of small dicts and tuples and no reference cycles;
    each allocation burst makes the collector walk every young object again, a fifth or more of
    the import's time. Memory is still freed as usual by reference counting.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def area_import(
    source: str | Path | IO[bytes], *, actor=None, name: str | None = None
) -> AreaImportResult:
    """Imports a division file; raises ImportRejected naming every bad row, having written nothing.

    `actor` None is the command line (everything); otherwise every row must lie in the actor's
    subtree. Cost: one read of all stored areas, then writing only the new or changed rows (see
    _write_areas); unchanged rows cost nothing.
    """
    with _gc_paused():
        return _area_import(source, actor=actor, name=name)


def _area_import(source: str | Path | IO[bytes], *, actor, name: str | None) -> AreaImportResult:
    started = time.monotonic()
    db = router.db_for_write(AdminArea)
    table = read_table(
        source,
        required=REQUIRED_COLUMNS,
        optional=OPTIONAL_COLUMNS,
        name=name,
        max_bytes=settings.AREA_IMPORT_MAX_BYTES,
    )
    parsed, errors, skipped = _parse_rows(table)
    existing = _existing_areas(db)
    root = "" if actor is None else actor_root_path(actor)
    if root is None:
        raise ImportRejected([RowError(0, "", _("Your account has no area; it cannot import."))])

    paths: dict[str, str] = {}
    # Old path to new path of every stored area this file moves.
    moves: dict[str, str] = {}
    # Parents before children: levels only grow downwards, so sorting by level is enough.
    for row in sorted(parsed.values(), key=lambda r: r["level"]):
        code, parent_code, number = row["code"], row["parent_code"], row["row"]
        if parent_code == code:
            parent_code = row["parent_code"] = None
        parent_level = parent_path = None
        if parent_code in parsed:
            parent_level = parsed[parent_code]["level"]
            parent_path = paths.get(parent_code)
            if parent_path is None and parent_level < row["level"]:
                # The parent row itself failed; its error is already reported. (A parent at the
                # same or a deeper level has not been reached yet: code_errors reports the levels.)
                continue
        elif parent_code in existing:
            stored = existing[parent_code]
            # If this file moves one of the parent's ancestors, the parent moves along with it.
            parent_level, parent_path = stored.level, _moved_path(stored.path, moves)
        elif parent_code is not None:
            if row["level"] in ROOT_LEVELS:
                parent_code = row["parent_code"] = None
            else:
                errors.append(
                    RowError(
                        number,
                        "parent",
                        _("Parent %(parent)s is neither in this file nor in the platform.")
                        % {"parent": parent_code},
                    )
                )
                continue
        problems = code_errors(
            code=code,
            level=row["level"],
            parent_code=parent_code,
            parent_level=parent_level,
            published=True,
        )
        if problems:
            errors.extend(RowError(number, "code", problem) for problem in problems)
            continue
        if parent_path is not None and f"/{code}/" in parent_path:
            # The parent lies (or, after this file's moves, would lie) under this very area. Only
            # reachable with published irregular codes (a township 150602000001 under its county
            # 150602000000), where the level and prefix rules alone allow the loop.
            errors.append(
                RowError(number, "parent", _("An area cannot move under its own descendant."))
            )
            continue
        path = path_for(parent_path=parent_path, code=code)
        if root and not path.startswith(root):
            errors.append(RowError(number, "code", _("This area is outside your reach.")))
            continue
        paths[code] = path
        if code in existing and existing[code].path != path:
            moves[existing[code].path] = path
    if errors:
        raise ImportRejected(sorted(errors, key=lambda error: error.row))

    result = AreaImportResult(skipped=skipped, rows=len(table.rows))
    to_write: list[tuple[str, AreaValues]] = []
    # Stored areas whose name or parent changes: the signboards below them are regenerated.
    renamed: list[str] = []
    for code, row in parsed.items():
        ur_code = row["urban_rural_code"]
        urban_rural = urban_rural_source = ""
        if ur_code:
            urban_rural = (
                AdminArea.UrbanRural.URBAN
                if ur_code.startswith("1")
                else AdminArea.UrbanRural.RURAL
            )
            urban_rural_source = AdminArea.ClassificationSource.NBS
        stored = existing.get(code)
        if (
            stored is not None
            and stored.urban_rural_source == AdminArea.ClassificationSource.MANUAL
        ):
            urban_rural = stored.urban_rural
            urban_rural_source = AdminArea.ClassificationSource.MANUAL
        values = AreaValues(
            name=row["name"],
            level=row["level"],
            parent_id=row["parent_code"],
            path=paths[code],
            urban_rural_code=ur_code,
            urban_rural=urban_rural,
            urban_rural_source=urban_rural_source,
            is_virtual=row["is_virtual"],
            is_placeholder=row["is_placeholder"],
            longitude=row["longitude"],
            latitude=row["latitude"],
        )
        if stored is None:
            result.created += 1
            result.created_codes.append(code)
        elif values == stored:
            result.unchanged += 1
            continue
        else:
            result.updated += 1
            if values.name != stored.name or values.path != stored.path:
                renamed.append(code)
        to_write.append((code, values))

    # By path: parents come before their children (foreign keys hold even where they are checked
    # immediately) and each subtree is stored together, which helps subtree queries on a new table.
    to_write.sort(key=lambda item: item[1].path)
    with transaction.atomic(using=db):
        # Areas that move carry their stored descendants (those not in this file) with them.
        # Deepest first: new paths are final, so a later (outer) move never touches them again.
        for old_path, new_path in sorted(moves.items(), key=lambda move: -len(move[0])):
            result.moved_descendants += (
                AdminArea.objects.using(db)
                .filter(path__startswith=old_path)
                .exclude(path=old_path)
                .update(path=Concat(Value(new_path), Substr("path", Length(Value(old_path)) + 1)))
            )
        _write_areas(db, to_write)
        if renamed:
            station_signboards_refresh(area_codes=renamed)
    if len(to_write) >= ANALYZE_AFTER_ROWS and connections[db].vendor == "postgresql":
        # The planner's statistics lag far behind a bulk write: right after the national import,
        # subtree queries chose sequential scans (50 s instead of 1 s) until the table was analysed.
        with connections[db].cursor() as cursor:
            cursor.execute(f"ANALYZE {AdminArea._meta.db_table}")
    result.seconds = time.monotonic() - started
    return result
