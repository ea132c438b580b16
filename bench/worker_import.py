"""Benchmark: the workforce import of 100,000 workers with certificates, all validation on.

    DATABASE_URL=postgres://…/wushe_bench .venv/bin/python -m bench.worker_import [--rows N]

Reuses the synthetic sheet of `manage.py bench_worker_import` (valid ID numbers over the
benchmarked area's communities, Chinese labels, a third of the rows with a certificate) and
imports it through `talent.imports.worker_import` as the admin's import page does, on behalf of
an administrator scoped to the area (so the scope checks run too): once as an Excel workbook and
once as CSV, each into an empty registry for those people. Everything is rolled back.
"""

import argparse
import io
import time

from bench.common import analyze, assert_scratch_database, machine, say, write_results

# isort: split
from django.db import transaction

from stations.exports import xlsx_bytes
from stations.models import AdminArea
from talent.imports import worker_import
from talent.management.commands.bench_worker_import import COLUMNS, as_csv, synthetic_rows


def _import(label: str, content: bytes, name: str, actor) -> dict:
    with transaction.atomic():
        result = worker_import(io.BytesIO(content), actor=actor, name=name)
        transaction.set_rollback(True)
    figures = {
        "rows": result.rows,
        "workers_created": result.created,
        "certificates_created": result.certificates_created,
        "seconds": round(result.seconds, 2),
        "checking_seconds": round(result.validation_seconds, 2),
        "rows_per_second": round(result.rows_per_second),
        "bytes": len(content),
    }
    say(
        f"  {label}: {result.rows:,} rows in {result.seconds:.1f} s (checking "
        f"{result.validation_seconds:.1f} s) = {result.rows_per_second:,.0f} rows/s"
    )
    return figures


def _new_people(data: list[list[str]]) -> list[list[str]]:
    """The rows whose ID number no worker has yet: the import then creates every one.

    (The synthetic ID numbers can meet people of a generated registry, whose certificates
    would make those rows conflicts, not new workers.)
    """
    from talent.models import Worker

    numbers = [row[1] for row in data]
    known: set[str] = set()
    for start in range(0, len(numbers), 5000):
        known.update(
            Worker.objects.filter(id_number__in=numbers[start : start + 5000]).values_list(
                "id_number", flat=True
            )
        )
    return [row for row in data if row[1] not in known]


def run(*, rows: int = 100_000, area_code: str | None = None, out=None) -> dict:
    from bench.admin_pages import bench_users
    from bench.compliance import default_province

    assert_scratch_database()
    analyze()
    started = machine()
    area = AdminArea.objects.get(code=area_code) if area_code else default_province()
    actor = bench_users(area)["scoped_administrator"]
    codes = list(
        AdminArea.objects.filter(
            path__startswith=area.path, level=AdminArea.Level.COMMUNITY
        ).values_list("code", flat=True)
    )
    if not codes:
        raise SystemExit(f"{area.code} has no communities to place workers in.")
    data = _new_people(synthetic_rows(rows + rows // 10 + 100, codes))[:rows]
    if len(data) < rows:
        raise SystemExit(f"Only {len(data):,} synthetic people are not registered yet.")
    say(f"Workforce import of {rows:,} rows into {area.code} {area.name}")
    building = time.perf_counter()
    workbook = xlsx_bytes(COLUMNS, data)
    figures: dict = {
        "area": area.code,
        "rows": rows,
        "with_certificate": sum(1 for row in data if row[-1]),
        "xlsx_write_seconds": round(time.perf_counter() - building, 2),
    }
    figures["xlsx"] = _import("Excel (.xlsx)", workbook, "workers.xlsx", actor)
    figures["csv"] = _import("CSV", as_csv(data), "workers.csv", actor)
    target = write_results("worker_import", figures, started=started, out=out)
    say(f"Wrote {target}")
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--area", help="code of the importing administrator's area")
    args = parser.parse_args()
    run(rows=args.rows, area_code=args.area)


if __name__ == "__main__":
    main()
