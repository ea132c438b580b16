"""Runs the benchmark suite (all of it, or some) and prints a table of the headline figures.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/wushe_bench .venv/bin/python -m bench.run \
        [--only compliance,api_load] [--scale city|province|nation] [--generate]

Every benchmark writes bench/results/<name>-<database vendor>.json (see bench/README.md). The
database must be a scratch one (its name contains "bench"); see bench.common.
"""

import argparse
import subprocess
import sys
import time

from bench import common
from bench.common import REPO, assert_scratch_database, say

# isort: split
from django.core.management import call_command, get_commands

from stations.models import AdminArea

BENCHMARKS = [
    "import_areas",
    "compliance",
    "api_load",
    "admin_pages",
    "worker_import",
    "freshness",
]
# The root each scale benchmarks (generate_scale_data writes the same trees).
SCALE_ROOTS = {"city": "150600000000", "province": "320000000000", "nation": None}


def _import_areas(_options) -> dict:
    """The division import keeps its own script (bench/import_areas.py); run it as it is."""
    subprocess.run(  # noqa: S603
        [sys.executable, str(REPO / "bench" / "import_areas.py")], cwd=REPO, check=True
    )
    import json

    from django.db import connection

    results = json.loads(
        (REPO / "bench" / "results" / f"import_areas-{connection.vendor}.json").read_text()
    )
    return {"first_import": results["first_import"], "reimport": results["reimport"]}


def _root(options) -> str | None:
    code = SCALE_ROOTS.get(options.scale) if options.scale else None
    if code and not AdminArea.objects.filter(code=code).exists():
        raise SystemExit(f"Scale {options.scale}: area {code} is not in the database.")
    return code


def _compliance(options) -> dict:
    from bench import compliance

    return compliance.run(
        year=options.year, province=_root(options), nation=options.scale in (None, "nation")
    )


def _api_load(options) -> dict:
    from bench import api_load

    return api_load.run(area_code=_root(options), year=options.year, seconds=options.seconds)


def _admin_pages(options) -> dict:
    from bench import admin_pages

    return admin_pages.run(area_code=_root(options))


def _worker_import(options) -> dict:
    from bench import worker_import

    return worker_import.run(rows=options.rows, area_code=_root(options))


def _freshness(options) -> dict:
    from bench import freshness

    return freshness.run(area_code=_root(options), year=options.year)


RUNNERS = {
    "import_areas": _import_areas,
    "compliance": _compliance,
    "api_load": _api_load,
    "admin_pages": _admin_pages,
    "worker_import": _worker_import,
    "freshness": _freshness,
}


def table_rows(name: str, figures: dict) -> list[tuple[str, str, str]]:
    """(benchmark, measure, figure) lines for the summary table."""
    rows = []
    if name == "import_areas":
        for step in ("first_import", "reimport"):
            part = figures[step]
            rows.append((name, step, f"{part['seconds']} s, {part['rows_per_second']:,} rows/s"))
    elif name == "compliance":
        for scale in ("small", "province", "nation"):
            if scale in figures:
                part = figures[scale]
                rows.append(
                    (
                        name,
                        f"{scale} ({part['areas']:,} areas)",
                        f"platform/floor {part['ratio_platform_to_floor']}x "
                        f"({part['platform_covered_seconds']} s / {part['floor_seconds']} s); "
                        f"full run {part['full_run_seconds']} s, "
                        f"{part['platform_all_metrics_queries']} queries",
                    )
                )
    elif name == "api_load":
        for endpoint, counted in figures["queries"].items():
            load = figures.get("load", {}).get(endpoint, {})
            alone = figures.get("load_single_client", {}).get(endpoint, {})
            few = figures.get("load_per_core", {}).get(endpoint, {})
            rows.append(
                (
                    name,
                    endpoint,
                    f"p50 {load.get('p50_ms')} ms, p95 {load.get('p95_ms')} ms, "
                    f"{load.get('requests_per_second')} req/s; one client p95 "
                    f"{alone.get('p95_ms')} ms; {figures.get('per_core_clients')} clients p95 "
                    f"{few.get('p95_ms')} ms; queries "
                    f"{counted['page_10']}/{counted['page_50']} (10/50 rows)",
                )
            )
    elif name == "admin_pages":
        for role, pages in figures["pages"].items():
            for page, result in pages.items():
                rows.append(
                    (name, f"{role}: {page}", f"{result['ms_median']} ms, {result['queries']} q")
                )
    elif name == "worker_import":
        for kind in ("xlsx", "csv"):
            part = figures[kind]
            rows.append((name, kind, f"{part['rows']:,} rows, {part['rows_per_second']:,} rows/s"))
    elif name == "freshness":
        rows.append(
            (
                name,
                "approval to dashboard",
                f"{figures['measured_seconds']} s + debounce {figures['debounce_seconds']} s "
                f"(expected {figures['expected_seconds']} s; {figures['refresh']} refresh of "
                f"{figures['areas_recomputed']:,} areas)",
            )
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", help="comma-separated: " + ", ".join(BENCHMARKS))
    parser.add_argument("--scale", choices=list(SCALE_ROOTS), help="which root to benchmark")
    parser.add_argument(
        "--generate",
        action="store_true",
        help="first run manage.py generate_scale_data --scale SCALE (when it exists)",
    )
    parser.add_argument("--year", type=int, help="default: the newest year with populations")
    parser.add_argument("--rows", type=int, default=100_000, help="rows of the workforce import")
    parser.add_argument("--seconds", type=int, default=15, help="seconds of load per endpoint")
    options = parser.parse_args()
    chosen = options.only.split(",") if options.only else BENCHMARKS
    unknown = [name for name in chosen if name not in RUNNERS]
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(unknown)}")
    assert_scratch_database()
    if options.scale == "nation":
        common.RESULTS_SUFFIX = "-nation"
    if options.generate:
        if "generate_scale_data" not in get_commands():
            raise SystemExit("manage.py generate_scale_data does not exist yet.")
        call_command("generate_scale_data", scale=options.scale or "city")
    rows = []
    for name in chosen:
        say(f"== {name}")
        started = time.perf_counter()
        figures = RUNNERS[name](options)
        rows.extend(table_rows(name, figures))
        say(f"   ({time.perf_counter() - started:.0f} s)")
    width = max((len(row[1]) for row in rows), default=10)
    say()
    say(f"{'benchmark':<14} {'measure':<{width}} figure")
    for benchmark, measure, figure in rows:
        say(f"{benchmark:<14} {measure:<{width}} {figure}")


if __name__ == "__main__":
    main()
