"""What every benchmark shares: Django set-up, the safety check on the database, the machine
description and the JSON results file.

Import this module before any of the project's modules: it configures Django.
"""

import datetime
import json
import os
import platform
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "bench" / "results"

if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
# As in production, unless asked otherwise: with DEBUG on, Django keeps the text of every query.
os.environ.setdefault("DEBUG", "False")
# Requests from Django's test client (queries per request, admin pages) come over plain HTTP.
os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")

import django  # noqa: E402  (Django must be configured before the project's modules are imported)
from django.apps import apps  # noqa: E402

if not apps.ready:
    django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402

# Names a benchmark database may have: benchmarks write (runs, snapshots, users, rows rolled
# back), so they refuse any database that is not obviously a scratch copy.
SCRATCH_MARKERS = ("bench", "scratch")


class UnsafeDatabase(SystemExit):
    pass


def say(line: str = "") -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def database_name() -> str:
    return str(connection.settings_dict.get("NAME") or "")


def assert_scratch_database() -> None:
    """Refuses to go on unless the database is a scratch one (see SCRATCH_MARKERS).

    PostgreSQL: the database's name must contain "bench" or "scratch" (`wushe_bench`), or be a
    test database (`test_…`, made by pytest). SQLite: an in-memory database or a file under /tmp.
    A database with real accounts also fails the second check: a user who logged in during the
    last 30 days and is neither a benchmark nor a demo account.
    """
    name = database_name()
    if connection.vendor == "sqlite":
        safe = name in ("", ":memory:") or "mode=memory" in name or name.startswith("/tmp/")  # noqa: S108 (a scratch file)
    else:
        base = Path(name).name.lower()
        safe = base.startswith("test_") or any(marker in base for marker in SCRATCH_MARKERS)
    if not safe:
        raise UnsafeDatabase(
            f"Refusing to benchmark on database {name!r}: its name does not mark it as a scratch "
            "database (it must contain 'bench' or 'scratch'). Create one with "
            "`createdb -h 127.0.0.1 -U postgres wushe_bench` and set DATABASE_URL."
        )
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    recent = (
        get_user_model()
        .objects.filter(last_login__gte=timezone.now() - datetime.timedelta(days=30))
        .exclude(username__startswith="bench_")
        .exclude(username__in=_demo_usernames())
        .values_list("username", flat=True)[:3]
    )
    if recent:
        raise UnsafeDatabase(
            f"Refusing to benchmark on database {name!r}: real accounts logged in recently "
            f"({', '.join(recent)}). Benchmarks run on a copy made for them."
        )


def analyze() -> None:
    """Refreshes the planner's statistics (PostgreSQL): data loaded in bulk just before a run
    would otherwise be planned as empty tables, which is not what production sees."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def data_year() -> int:
    """The newest year with population figures (the year the data describes), else this year."""
    from django.db.models import Max
    from django.utils import timezone

    from stations.models import AreaPopulation

    return AreaPopulation.objects.aggregate(year=Max("year"))["year"] or timezone.localdate().year


def _demo_usernames() -> list[str]:
    return [
        "admin",
        "ordos_admin",
        "dongsheng_admin",
        "dongsheng_reviewer",
        "jiaotong_admin",
        "ordos_viewer",
        "sunshine_contractor",
    ]


def _database_version() -> str:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
        elif connection.vendor == "sqlite":
            cursor.execute("SELECT sqlite_version()")
        else:
            cursor.execute("SELECT version()")
        return cursor.fetchone()[0]


def _memory_gib() -> float:
    meminfo = Path("/proc/meminfo")
    if not meminfo.exists():
        return 0.0
    for line in meminfo.read_text().splitlines():
        if line.startswith("MemTotal:"):
            return round(int(line.split()[1]) / 1024 / 1024, 1)
    return 0.0


def load_average() -> list[float]:
    return [round(load, 2) for load in os.getloadavg()]


def uptime() -> str:
    """The `uptime` line (load averages over 1, 5 and 15 minutes)."""
    try:
        return subprocess.run(
            ["/usr/bin/uptime"], capture_output=True, text=True, check=False, timeout=5
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def machine() -> dict:
    """The machine, the versions and the load at the start of a benchmark."""
    return {
        "nproc": os.cpu_count(),
        "memory_gib": _memory_gib(),
        "load_average_at_start": load_average(),
        "uptime": uptime(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "django": django.get_version(),
        "database": connection.vendor,
        "database_version": _database_version(),
        "database_name": Path(database_name()).name,
        "debug": settings.DEBUG,
    }


# Set by bench.run for `--scale nation`, so that the national figures are kept beside the
# province's (bench/results/<name>-postgresql-nation.json).
RESULTS_SUFFIX = ""


def write_results(name: str, figures: dict, *, started: dict, out: Path | None = None) -> Path:
    """Writes bench/results/<name>-<database vendor><RESULTS_SUFFIX>.json and returns its path.

    `started` is `machine()` taken at the start; the load average at the end is added.
    """
    results = {
        "benchmark": name,
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "machine": {**started, "load_average_at_end": load_average()},
        "figures": figures,
    }
    folder = out or RESULTS
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{name}-{connection.vendor}{RESULTS_SUFFIX}.json"
    target.write_text(json.dumps(results, ensure_ascii=False, indent=2, default=str) + "\n")
    return target
