"""`manage.py bench_worker_import [--rows N] [--xlsx]`: measures the workforce import's speed.

Builds a synthetic sheet of N people (valid ID numbers, a third with a certificate) over the
communities in the database (the Ordos areas are imported first when there are none), imports it
three times (all new, all unchanged, a tenth changed) and prints rows per second. Everything runs
in one transaction that is rolled back: the database is left as it was.
"""

import datetime
import io
import random
import time

from django.core.management.base import BaseCommand
from django.db import connection, transaction

from stations.demo import ORDOS_FILE
from stations.exports import xlsx_bytes
from stations.imports import area_import
from stations.models import AdminArea
from stations.validators import id_number_check_character
from talent.imports import CERTIFICATE_COLUMNS, REQUIRED_COLUMNS, worker_import

COLUMNS = [*REQUIRED_COLUMNS, *CERTIFICATE_COLUMNS]
EDUCATION = ["大专", "本科", "硕士", "below_college", "bachelor"]
MAJOR = ["社会工作", "相关专业", "其他"]
POST = ["社区工作者", "社工站工作人员", "organisation_staff", "其他"]
LEVEL = ["助理社会工作师", "助理社会工作师", "社会工作师"]


def synthetic_rows(count: int, codes: list[str], seed: int = 7) -> list[list[str]]:
    rng = random.Random(seed)  # noqa: S311 (benchmark data)
    rows, used = [], set()
    while len(rows) < count:
        code = rng.choice(codes)
        birth = datetime.date(1965, 1, 1) + datetime.timedelta(days=rng.randrange(13_800))
        first17 = f"{code[:6]}{birth:%Y%m%d}{rng.randrange(1000):03d}"
        id_number = first17 + id_number_check_character(first17)
        if id_number in used:
            continue
        used.add(id_number)
        number = len(rows)
        certificate = (
            [
                rng.choice(LEVEL),
                f"B{number:09d}",
                f"20{rng.randint(10, 24)}-09-1{rng.randint(0, 9)}",
            ]
            if number % 3 == 0
            else ["", "", ""]
        )
        rows.append(
            [
                f"工作者{number}",
                id_number,
                f"13{rng.randrange(10**9):09d}",
                rng.choice(EDUCATION),
                rng.choice(MAJOR),
                rng.choice(POST),
                code,
                *certificate,
            ]
        )
    return rows


def as_csv(rows: list[list[str]]) -> bytes:
    lines = [",".join(COLUMNS)] + [",".join(row) for row in rows]
    return ("\n".join(lines) + "\n").encode()


class Command(BaseCommand):
    help = "Measure the workforce import (rows/s) on the configured database; leaves no data."

    def add_arguments(self, parser):
        parser.add_argument("--rows", type=int, default=100_000)
        parser.add_argument("--xlsx", action="store_true", help="also time an .xlsx file")

    def handle(self, *args, rows: int, xlsx: bool, **options):
        with transaction.atomic():
            if not AdminArea.objects.filter(level=AdminArea.Level.COMMUNITY).exists():
                area_import(ORDOS_FILE)
            codes = list(
                AdminArea.objects.filter(level=AdminArea.Level.COMMUNITY).values_list(
                    "code", flat=True
                )
            )
            data = synthetic_rows(rows, codes)
            self.report("new (CSV)", as_csv(data), "workers.csv")
            self.report("unchanged (CSV)", as_csv(data), "workers.csv")
            for row in data[::10]:
                row[2] = "13800000000"
            self.report("a tenth changed (CSV)", as_csv(data), "workers.csv")
            if xlsx:
                for row in data[::10]:
                    row[2] = "13900000000"
                started = time.monotonic()
                content = xlsx_bytes(COLUMNS, data)
                self.stdout.write(f"writing the .xlsx took {time.monotonic() - started:.1f} s")
                self.report("a tenth changed (.xlsx)", content, "workers.xlsx")
            transaction.set_rollback(True)

    def report(self, label: str, content: bytes, name: str) -> None:
        result = worker_import(io.BytesIO(content), name=name)
        self.stdout.write(
            f"{connection.vendor:<10} {label:<24} {result.rows:>7} rows {result.seconds:6.1f} s "
            f"(checking {result.validation_seconds:.1f} s) {result.rows_per_second:>8,.0f} rows/s"
            f"  ({result})"
        )
