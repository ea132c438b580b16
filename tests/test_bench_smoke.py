"""A smoke run of the benchmark code (bench/) on a tiny generated tree: correctness, never timing.

The data: `generate_scale_data`'s generator over Ordos, cut to its first two townships. Each
benchmark writes its JSON into a temporary folder; the figures of the platform and of the
hand-written floor must be equal, and the API's queries must not depend on the page size.
"""

import json

from django.db import connection

import pytest

from bench import admin_pages, api_load, common, compliance, freshness, worker_import
from bench.run import table_rows
from stations.models import AdminArea
from stations.scale.generator import generate

pytestmark = pytest.mark.django_db

YEAR = 2025
ORDOS = "150600000000"
MACHINE_KEYS = {
    "nproc",
    "memory_gib",
    "load_average_at_start",
    "load_average_at_end",
    "uptime",
    "python",
    "django",
    "database",
    "database_version",
}


@pytest.fixture
def scale_data(db):
    """Ordos with a registry over its first two townships (a few hundred rows)."""
    generate(scale_name="city", seed=3, year=YEAR, townships=2, log=lambda _line: None)
    return AdminArea.objects.get(code=ORDOS)


def _written(tmp_path, name: str) -> dict:
    return json.loads((tmp_path / f"{name}-{connection.vendor}.json").read_text())


def test_the_compliance_benchmark_finds_the_floor_equal_to_the_platform(scale_data, tmp_path):
    # given the generated registry
    # when both compute the covered metrics for Ordos
    platform, _seconds, _queries = compliance.platform_facts(
        scale_data.path, YEAR, compliance.COVERED
    )
    floor = compliance.floor_facts(scale_data.path, YEAR)

    # then every numerator, denominator and value is equal, over data that is not empty
    assert compliance.differences(platform, floor) == []
    assert set(floor["talent_total"]) == set(
        AdminArea.objects.filter(path__startswith=scale_data.path).values_list("path", flat=True)
    )
    workers = floor["talent_total"][scale_data.path][0]
    assert workers > 0
    assert platform["talent_total"][scale_data.path][0] == workers

    # and one wrong figure is named as the only difference
    numerator, denominator = floor["talent_total"][scale_data.path]
    floor["talent_total"][scale_data.path] = (numerator + 1, denominator)
    found = compliance.differences(platform, floor)
    assert len(found) == 1
    assert found[0].startswith(f"talent_total {scale_data.path}: ")

    # when the whole benchmark runs (platform, floor and full runs at three scales)
    figures = compliance.run(year=YEAR, out=tmp_path)

    # then its JSON has the machine, the figures, equal results and constant query counts
    written = _written(tmp_path, "compliance")
    assert written["benchmark"] == "compliance"
    assert set(written["machine"]) >= MACHINE_KEYS
    assert set(written["figures"]) == {
        "year",
        "covered_metrics",
        "all_metrics",
        "small",
        "province",
        "nation",
        "queries_independent_of_areas",
    }
    assert written["figures"]["queries_independent_of_areas"] is True
    for scale in ("small", "province", "nation"):
        assert figures[scale]["figures_equal"] is True
        assert figures[scale]["floor_queries"] == 2
    assert figures["province"]["roots"] == [ORDOS]
    assert figures["small"]["areas"] < figures["province"]["areas"]


def test_the_api_and_admin_benchmarks_count_queries_and_write_every_page(scale_data, tmp_path):
    # when the API benchmark runs without load
    figures = api_load.run(area_code=ORDOS, year=YEAR, load=False, out=tmp_path)

    # then each endpoint costs the same queries for 10 and 50 rows
    assert set(figures["queries"]) == {"workers", "orgs", "service_records", "compliance"}
    for name, counted in figures["queries"].items():
        assert counted["page_10"] == counted["page_50"], name
    assert figures["queries"]["workers"]["rows_10"] == 10
    assert _written(tmp_path, "api_load")["figures"]["page_size"] == 50

    # when the admin benchmark runs, then every page is measured for both users
    admin_pages.run(area_code=ORDOS, runs=1, out=tmp_path)

    pages = _written(tmp_path, "admin_pages")["figures"]["pages"]
    assert set(pages) == {"superuser", "scoped_administrator"}
    for measured in pages.values():
        assert set(measured) == {
            "communities_changelist",
            "workers_changelist",
            "orgs_changelist",
            "community_change",
            "worker_change",
            "org_change",
        }


def test_the_import_and_freshness_benchmarks_import_every_row_and_see_a_new_snapshot(
    scale_data, tmp_path
):
    from projects.models import Report
    from talent.models import Worker

    before = Worker.objects.count()

    # when the import benchmark runs, then every row is imported and rolled back
    figures = worker_import.run(rows=60, area_code=ORDOS, out=tmp_path)

    assert figures["xlsx"]["workers_created"] == 60
    assert figures["csv"]["workers_created"] == 60
    assert Worker.objects.count() == before
    assert _written(tmp_path, "worker_import")["figures"]["rows"] == 60

    # when the freshness benchmark runs, then the approved report's root is recomputed
    figures = freshness.run(area_code=ORDOS, year=YEAR, out=tmp_path)

    assert Report.objects.get(pk=figures["report"]).status == Report.Status.APPROVED
    assert figures["runs_queued"] == 1
    assert figures["beat_interval_seconds"] == 60
    assert _written(tmp_path, "freshness")["figures"]["area"] == ORDOS
    # and its line of the summary table names the refresh
    (line,) = table_rows("freshness", figures)
    assert line[:2] == ("freshness", "approval to dashboard")
    assert f"refresh of {figures['areas_recomputed']:,} areas" in line[2]


@pytest.mark.parametrize(
    ("_case", "name", "vendor", "safe"),
    [
        ("_postgresql_bench", "wushe_bench", "postgresql", True),
        ("_postgresql_test", "test_wushe", "postgresql", True),
        ("_postgresql_real", "wushe", "postgresql", False),
        ("_sqlite_memory", ":memory:", "sqlite", True),
        ("_sqlite_tmp", "/tmp/bench.sqlite3", "sqlite", True),  # noqa: S108
        ("_sqlite_real", "/srv/wushe/db.sqlite3", "sqlite", False),
    ],
)
def test_benchmarks_refuse_a_database_not_named_as_scratch(monkeypatch, _case, name, vendor, safe):
    monkeypatch.setattr(common, "database_name", lambda: name)
    monkeypatch.setattr(common.connection, "vendor", vendor)

    if safe:
        assert common.assert_scratch_database() is None
    else:
        with pytest.raises(common.UnsafeDatabase, match="Refusing to benchmark"):
            common.assert_scratch_database()


def test_benchmarks_refuse_a_database_with_real_accounts(db, monkeypatch):
    from django.utils import timezone

    from tests.factories import make_user

    make_user("clerk_zhang", last_login=timezone.now())

    with pytest.raises(common.UnsafeDatabase, match="clerk_zhang"):
        common.assert_scratch_database()
