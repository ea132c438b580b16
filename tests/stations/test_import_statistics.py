"""After a bulk write of areas, PostgreSQL's planner statistics are refreshed (ANALYZE)."""

from django.db import connection

import pytest

from stations import imports
from stations.imports import area_import
from stations.models import AdminArea
from tests.stations.test_import import GOOD, write

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL planner statistics"),
]


def table_estimate() -> float:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT reltuples FROM pg_class WHERE relname = %s", [AdminArea._meta.db_table]
        )
        return cursor.fetchone()[0]


def test_a_big_write_analyses_the_area_table(tmp_path, monkeypatch):
    monkeypatch.setattr(imports, "ANALYZE_AFTER_ROWS", 6)

    area_import(write(tmp_path, GOOD))

    assert table_estimate() == AdminArea.objects.count()


def test_a_small_write_leaves_the_statistics_alone(tmp_path, monkeypatch):
    monkeypatch.setattr(imports, "ANALYZE_AFTER_ROWS", 7)
    before = table_estimate()

    area_import(write(tmp_path, GOOD))

    assert table_estimate() == before
