"""`manage.py load_demo` run twice gives the same database: the same rows in every table and the
same content in the tables people look at first.

Slow (the whole demo, twice): marked `demo`, which `make test` and CI run; deselect it locally
with `-m "not demo"`.
"""

import hashlib
import importlib
from io import StringIO

from django.apps import apps
from django.core.management import call_command

import pytest

pytestmark = [pytest.mark.django_db, pytest.mark.demo]

# Content compared row by row: natural keys and the values shown, never ids or timestamps (a
# second run may legitimately touch updated_at).
CONTENT = {
    "stations.AdminArea": ["code", "name", "level", "parent_id", "path", "urban_rural"],
    "stations.AreaPopulation": ["area__code", "year", "population"],
    "stations.User": [
        "username",
        "admin_area__code",
        "contractor__name",
        "is_staff",
        "groups__name",
    ],
    "stations.Station": ["area__code", "kind", "name", "status", "contractor__name"],
    "talent.Worker": ["id_number", "name", "area__code", "post", "is_active"],
    "projects.Contract": ["number", "area__code", "contractor__name", "status", "price"],
}


def _table_counts() -> dict[str, int]:
    return {
        model._meta.label: model._default_manager.count()
        for model in apps.get_models(include_auto_created=True)
        if model._meta.managed and not model._meta.proxy
    }


def _content_hash(label: str, fields: list[str]) -> str:
    rows = apps.get_model(label)._default_manager.values_list(*fields).order_by(*fields)
    digest = hashlib.sha256()
    for row in rows:
        digest.update(repr(row).encode())
    return digest.hexdigest()


def _snapshot() -> tuple[dict[str, int], dict[str, str]]:
    return _table_counts(), {label: _content_hash(label, f) for label, f in CONTENT.items()}


def test_loading_the_demo_twice_gives_the_same_database():
    # A transactional test that ran before may have flushed the rows of this data migration.
    served_groups = importlib.import_module("orgs.migrations.0002_served_groups")
    served_groups.add_served_groups(apps, None)

    call_command("load_demo", stdout=StringIO())
    counts_once, content_once = _snapshot()
    call_command("load_demo", stdout=StringIO())
    counts_twice, content_twice = _snapshot()

    assert counts_once["stations.AdminArea"] == 1101
    assert {label: n for label, n in counts_twice.items() if n != counts_once[label]} == {}
    assert content_twice == content_once
