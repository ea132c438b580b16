"""Benchmark: admin changelists and change forms (communities, workers, organisations).

    DATABASE_URL=postgres://…/wushe_bench .venv/bin/python -m bench.admin_pages [--runs 5]

Each page is requested through Django's test client (no network) by a logged-in superuser and by
an administrator scoped to the benchmarked area (a province or city); the figure is the median
time of `--runs` requests after one warm-up, and the queries of one request.
"""

import argparse
import statistics
import time

from bench.common import analyze, assert_scratch_database, machine, say, write_results

# isort: split
from django.conf import settings
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext

from orgs.models import CommunityOrg
from stations.models import AdminArea
from talent.models import Worker

ADMIN_USERNAME = "bench_admin_scoped"
SUPERUSER_USERNAME = "bench_admin_superuser"


def bench_users(area: AdminArea):
    """A superuser and an administrator of `area` (created or reused)."""
    from django.contrib.auth.models import Group

    from stations.models import User
    from stations.roles import Role

    superuser, _created = User.objects.get_or_create(
        username=SUPERUSER_USERNAME, defaults={"is_staff": True, "is_superuser": True}
    )
    scoped, _created = User.objects.get_or_create(
        username=ADMIN_USERNAME, defaults={"is_staff": True}
    )
    scoped.admin_area = area
    scoped.save()
    scoped.groups.set([Group.objects.get(name=Role.ADMINISTRATOR)])
    return {"superuser": superuser, "scoped_administrator": scoped}


def pages(area: AdminArea) -> dict[str, str]:
    """The changelists and one change form of each kind, inside `area`."""
    community = (
        AdminArea.objects.filter(path__startswith=area.path, level=AdminArea.Level.COMMUNITY)
        .order_by("path")
        .values_list("pk", flat=True)
        .first()
    )
    worker = (
        Worker.objects.filter(area__path__startswith=area.path)
        .order_by("pk")
        .values_list("pk", flat=True)
        .first()
    )
    org = (
        CommunityOrg.objects.filter(community__path__startswith=area.path)
        .order_by("pk")
        .values_list("pk", flat=True)
        .first()
    )
    found = {
        "communities_changelist": f"/admin/stations/adminarea/?level__exact={AdminArea.Level.COMMUNITY}",
        "workers_changelist": "/admin/talent/worker/",
        "orgs_changelist": "/admin/orgs/communityorg/",
    }
    if community:
        found["community_change"] = f"/admin/stations/adminarea/{community}/change/"
    if worker:
        found["worker_change"] = f"/admin/talent/worker/{worker}/change/"
    if org:
        found["org_change"] = f"/admin/orgs/communityorg/{org}/change/"
    return found


def measure(client: Client, url: str, runs: int) -> dict:
    response = client.get(url)
    if response.status_code != 200:
        raise SystemExit(f"{url}: HTTP {response.status_code}")
    timings = []
    for _run in range(runs):
        started = time.perf_counter()
        client.get(url)
        timings.append((time.perf_counter() - started) * 1000)
    with CaptureQueriesContext(connection) as captured:
        client.get(url)
    return {
        "ms_median": round(statistics.median(timings), 1),
        "ms_best": round(min(timings), 1),
        "queries": len(captured.captured_queries),
    }


def run(*, area_code: str | None = None, runs: int = 5, out=None) -> dict:
    from bench.compliance import default_province

    assert_scratch_database()
    analyze()
    started = machine()
    area = AdminArea.objects.get(code=area_code) if area_code else default_province()
    say(f"Admin pages on {area.code} {area.name}")
    figures: dict = {"area": area.code, "runs": runs, "pages": {}}
    # Production serves hashed names from collectstatic's manifest; a scratch checkout has none,
    # and resolving a name either way costs the same.
    plain_static = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    with override_settings(STORAGES=plain_static):
        _measure_all(area, runs, figures)
    target = write_results("admin_pages", figures, started=started, out=out)
    say(f"Wrote {target}")
    return figures


def _measure_all(area: AdminArea, runs: int, figures: dict) -> None:
    for role, user in bench_users(area).items():
        client = Client()
        client.force_login(user)
        figures["pages"][role] = {}
        for name, url in pages(area).items():
            result = measure(client, url, runs)
            figures["pages"][role][name] = {"url": url, **result}
            say(f"  {role:<21} {name:<23} {result['ms_median']:>7} ms  {result['queries']} queries")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--area", help="code of the scoped administrator's area (default: Jiangsu)")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    run(area_code=args.area, runs=args.runs)


if __name__ == "__main__":
    main()
