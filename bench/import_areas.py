"""Benchmark: import the national division file twice, then time subtree queries on the result.

    DATABASE_URL=postgres://… .venv/bin/python bench/import_areas.py [--file PATH] [--fresh]

The first import is a true first import only on an empty area table: pass --fresh to empty it
(see `_empty_area_table`), or run on a newly created and migrated database. The second import reads
the same file again and should find every row unchanged. Results go to
bench/results/import_areas-<database vendor>.json; see bench/README.md.
"""

import argparse
import datetime
import json
import os
import platform
import resource
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT_FILE = REPO.parent / "shared" / "data" / "divisions" / "china-2016.csv.gz"
PROVINCE = "320000000000"  # 江苏省: 23,000 areas in the 2016 file
COUNTY = "320321000000"  # 丰县, a rural county of about 400 areas
QUERY_RUNS = 7

sys.path.insert(0, str(REPO))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
# As in production, unless asked otherwise: with DEBUG on, Django keeps the text of every query.
os.environ.setdefault("DEBUG", "False")

import django  # noqa: E402  (Django must be configured before the project's modules are imported)

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from bench.common import assert_scratch_database  # noqa: E402
from stations.imports import area_import  # noqa: E402
from stations.models import AdminArea  # noqa: E402
from stations.tabular import ImportRejected  # noqa: E402


def say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def _cascade_tables() -> list[str]:
    """Every table that TRUNCATE … CASCADE of the area table would empty (PostgreSQL)."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            WITH RECURSIVE cascade(rel) AS (
                SELECT %s::regclass
                UNION
                SELECT c.conrelid FROM pg_constraint c JOIN cascade ON c.confrelid = cascade.rel
                WHERE c.contype = 'f'
            )
            SELECT rel::regclass::text FROM cascade
            """,
            [AdminArea._meta.db_table],
        )
        return [row[0] for row in cursor.fetchall()]


def _empty_area_table() -> None:
    """Deletes every area, refusing when anything else in the database would be lost.

    On PostgreSQL a row-by-row DELETE checks every foreign key that points at areas (some forty
    tables) for each of 700,000 rows, which takes many minutes; TRUNCATE is immediate but has to
    cascade to those tables. It is used only when every table it would reach is empty, so that
    nothing but areas is removed. Elsewhere a plain DELETE is used; the database refuses it if any
    row still refers to an area.
    """
    table = connection.ops.quote_name(AdminArea._meta.db_table)
    if connection.vendor == "postgresql":
        others = [name for name in _cascade_tables() if name != AdminArea._meta.db_table]
        with connection.cursor() as cursor:
            for name in others:
                cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {name})")  # noqa: S608 (catalog names)
                if cursor.fetchone()[0]:
                    sys.exit(
                        f"--fresh refused: table {name} has rows and TRUNCATE would empty it. "
                        "Use a newly created database instead."
                    )
            cursor.execute(f"TRUNCATE {table} CASCADE")
        return
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table}")  # noqa: S608 (name from the model's _meta)


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _run_import(path: Path) -> dict:
    cpu_before = _cpu_seconds()
    try:
        result = area_import(path)
    except ImportRejected as rejected:
        for line in rejected.messages(limit=20):
            say(line)
        sys.exit(f"The file was rejected ({len(rejected.errors)} problems); nothing was imported.")
    figures = {
        "rows": result.rows,
        "created": result.created,
        "updated": result.updated,
        "unchanged": result.unchanged,
        "skipped": result.skipped,
        "seconds": round(result.seconds, 2),
        "rows_per_second": round(result.rows_per_second),
        # This process only, not the database server: a figure that other load on the machine
        # changes much less than the elapsed seconds.
        "python_cpu_seconds": round(_cpu_seconds() - cpu_before, 2),
    }
    say(
        f"  {result.rows} rows in {result.seconds:.1f} s = {result.rows_per_second:,.0f} rows/s "
        f"({result.created} created, {result.updated} updated, {result.unchanged} unchanged)"
    )
    return figures


def _time_query(label: str, sql: str, params: list) -> dict:
    """Median and best of QUERY_RUNS runs after one warm-up; on PostgreSQL also the plan."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = len(cursor.fetchall())
        timings = []
        for _run in range(QUERY_RUNS):
            started = time.perf_counter()
            cursor.execute(sql, params)
            cursor.fetchall()
            timings.append((time.perf_counter() - started) * 1000)
        figures = {
            "sql": sql,
            "params": params,
            "result_rows": rows,
            "ms_median": round(statistics.median(timings), 2),
            "ms_best": round(min(timings), 2),
        }
        if connection.vendor == "postgresql":
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
            plan = "\n".join(row[0] for row in cursor.fetchall())
            figures["plan"] = plan
            figures["uses_path_index"] = "stations_area_path_like" in plan
    say(f"  {label}: {figures['ms_median']} ms (median), {rows} result rows")
    return figures


def _subtree_queries() -> dict:
    """The subtree queries the platform runs everywhere (path LIKE 'prefix%'), on real sizes."""
    table = connection.ops.quote_name(AdminArea._meta.db_table)
    paths = dict(AdminArea.objects.filter(code__in=[PROVINCE, COUNTY]).values_list("code", "path"))
    queries = {}
    if PROVINCE in paths:
        queries["province_subtree_count"] = _time_query(
            "count of Jiangsu's subtree",
            f"SELECT count(*) FROM {table} WHERE path LIKE %s",  # noqa: S608 (name from _meta)
            [paths[PROVINCE] + "%"],
        )
    if COUNTY in paths:
        queries["county_subtree_count"] = _time_query(
            "count of a county's subtree",
            f"SELECT count(*) FROM {table} WHERE path LIKE %s",  # noqa: S608 (name from _meta)
            [paths[COUNTY] + "%"],
        )
        queries["county_communities"] = _time_query(
            "a county's communities, ordered",
            f"SELECT code, name, urban_rural FROM {table} "  # noqa: S608 (name from _meta)
            "WHERE path LIKE %s AND level = %s ORDER BY code",
            [paths[COUNTY] + "%", AdminArea.Level.COMMUNITY],
        )
    if not queries:
        say("  (the file has neither Jiangsu nor 丰县: no subtree queries timed)")
    return queries


def _machine() -> dict:
    memory_kib = 0
    if Path("/proc/meminfo").exists():
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory_kib = int(line.split()[1])
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
        elif connection.vendor == "sqlite":
            cursor.execute("SELECT sqlite_version()")
        else:
            cursor.execute("SELECT version()")
        database_version = cursor.fetchone()[0]
    return {
        "nproc": os.cpu_count(),
        "memory_gib": round(memory_kib / 1024 / 1024, 1),
        "load_average_at_start": [round(load, 2) for load in os.getloadavg()],
        "platform": platform.platform(),
        "python": platform.python_version(),
        "django": django.get_version(),
        "database": connection.vendor,
        "database_version": database_version,
        "debug": settings.DEBUG,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--file", type=Path, default=DEFAULT_FILE, help="division file to import")
    parser.add_argument(
        "--fresh",
        action="store_true",
        help="delete every area first, so that the first import starts from an empty table",
    )
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "results")
    args = parser.parse_args()

    assert_scratch_database()
    machine = _machine()
    say(f"{machine['database']} {machine['database_version']}, {machine['nproc']} cores")
    if args.fresh:
        say("Emptying the area table")
        _empty_area_table()
    areas_before = AdminArea.objects.count()
    say(f"First import of {args.file} ({areas_before} areas stored)")
    first = _run_import(args.file)
    say("Second import of the same file")
    second = _run_import(args.file)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(AdminArea._meta.db_table)}")
    say("Subtree queries")
    queries = _subtree_queries()

    results = {
        "benchmark": "import_areas",
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "file": str(args.file),
        "file_bytes": args.file.stat().st_size,
        "fresh": args.fresh,
        "areas_before": areas_before,
        "machine": machine,
        "first_import": first,
        "reimport": second,
        "queries": queries,
    }
    args.out.mkdir(parents=True, exist_ok=True)
    target = args.out / f"import_areas-{connection.vendor}.json"
    target.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n")
    say(f"Wrote {target}")


if __name__ == "__main__":
    main()
