"""`?within=` an area the caller's scope already lies in adds no second, identical condition
(PostgreSQL mis-estimates the pair and plans the page badly); any narrower area still filters."""

from types import SimpleNamespace

from django.db import connection
from django.test.utils import CaptureQueriesContext

import pytest

from stations.filters import WithinFilter
from talent.services import worker_link

pytestmark = pytest.mark.django_db


def listed(client, url: str) -> tuple[list[str], list[str]]:
    """The names listed, and the SQL of the list's queries on workers."""
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, response.content
    names = sorted(row["name"] for row in response.json()["results"])
    return names, [q["sql"] for q in captured if 'FROM "talent_worker"' in q["sql"]]


def test_within_the_callers_own_area_asks_the_same_queries_as_no_filter(
    api, tree, workforce, actors
):
    worker_link(actor=actors.county_admin, worker=workforce.worker_b, area=tree.town_a1)
    client = api(actors.county_admin)

    plain = listed(client, "/api/v1/workers/")
    own = listed(client, f"/api/v1/workers/?within={tree.county_a.code}")
    above = listed(client, f"/api/v1/workers/?within={tree.city.code}")

    assert plain[0] == ["李强", "王芳", "赵敏"]
    assert own == plain
    assert above == plain


def test_within_a_narrower_area_still_filters(api, tree, workforce, actors):
    client = api(actors.county_admin)

    names, _queries = listed(client, f"/api/v1/workers/?within={tree.town_a2.code}")

    assert names == ["李强"]


def test_within_filters_for_a_caller_reaching_everything(api, tree, workforce, actors):
    names, _queries = listed(api(actors.superuser), f"/api/v1/workers/?within={tree.county_b.code}")

    assert names == ["赵敏"]


@pytest.mark.parametrize(
    ("scope_area_field", "within_area", "dropped"),
    [
        ("activity__area", "county_a", True),
        ("activity__area", "city", True),
        ("activity__area", "town_a1", False),
        ("volunteer__area", "county_a", False),
    ],
)
def test_within_is_dropped_only_on_the_scopes_own_path(
    scope_area_field, within_area, dropped, tree, actors
):
    within = WithinFilter(area_field="activity__area")
    within.parent = SimpleNamespace(
        scope_area_field=scope_area_field, request=SimpleNamespace(user=actors.county_admin)
    )

    assert within._scope_is_within(getattr(tree, within_area).path) is dropped


def test_within_is_kept_when_the_view_is_not_scoped(tree, actors):
    within = WithinFilter(area_field=None)
    within.parent = SimpleNamespace(request=SimpleNamespace(user=actors.county_admin))

    assert within._scope_is_within(tree.county_a.path) is False
