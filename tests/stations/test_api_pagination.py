"""The API's page counts: exact up to a limit, the planner's estimate beyond it, flagged."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

import pytest

from stations import api_policies
from stations.api_policies import EstimatedCountPaginator, planner_row_estimate
from stations.models import AdminArea

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("forget_long_lists")]


# The `tree` fixture holds 10 areas (a city, two counties, three townships, four communities).
TREE_AREAS = 10


@pytest.mark.parametrize(
    ("_case", "limit", "estimate", "expected_count", "expected_flag"),
    [
        ("below the limit: exact", 11, 1234, TREE_AREAS, False),
        ("at the limit: exact", 10, 1234, TREE_AREAS, False),
        ("over the limit: the estimate", 9, 1234, 1234, True),
        ("over the limit, under-estimated: at least limit + 1", 9, 3, 10, True),
        ("over the limit, no estimate (SQLite): exact", 9, None, TREE_AREAS, False),
    ],
)
def test_list_count_is_exact_up_to_the_limit_then_estimated(
    _case, limit, estimate, expected_count, expected_flag, tree, actors, api, monkeypatch
):
    # given a limit around the number of areas, and a planner that answers `estimate`
    monkeypatch.setattr(EstimatedCountPaginator, "exact_count_limit", limit)
    monkeypatch.setattr(api_policies, "planner_row_estimate", lambda queryset: estimate)
    # when the superuser lists the areas, three to a page
    response = api(actors.superuser).get("/api/v1/areas/?page_size=3")
    body = response.json()
    # then the count and its flag say which it is, and the page is the same either way
    assert response.status_code == 200
    assert list(body) == ["count", "count_is_estimate", "next", "previous", "results"]
    assert (body["count"], body["count_is_estimate"]) == (expected_count, expected_flag)
    assert len(body["results"]) == 3


def test_an_estimated_count_costs_no_extra_query_below_the_limit(
    tree, actors, api, django_assert_num_queries, monkeypatch
):
    # given an estimator that would fail the test if it were asked
    def never(queryset):
        raise AssertionError("estimated below the limit")

    monkeypatch.setattr(api_policies, "planner_row_estimate", never)
    client = api(actors.city_admin)
    # when a scoped user lists the areas: then the same six queries as with a plain count
    # (user, area, two of permissions, the count, the page), and the estimator is not asked
    with django_assert_num_queries(6):
        response = client.get("/api/v1/areas/?page_size=3")
    assert (response.status_code, response.json()["count"]) == (200, TREE_AREAS)


def _counts(captured) -> int:
    return sum(1 for query in captured if query["sql"].lstrip().upper().startswith("SELECT COUNT"))


def test_a_list_found_long_is_estimated_without_counting_again(tree, actors, api, monkeypatch):
    # given a limit below the number of areas, and a planner that answers 1234 (and is counted)
    monkeypatch.setattr(EstimatedCountPaginator, "exact_count_limit", 9)
    asked = []
    monkeypatch.setattr(
        api_policies, "planner_row_estimate", lambda queryset: asked.append(1) or 1234
    )
    client = api(actors.superuser)
    # when the same list is asked twice, and then with a filter
    with CaptureQueriesContext(connection) as first:
        one = client.get("/api/v1/areas/?page_size=3").json()
    with CaptureQueriesContext(connection) as second:
        two = client.get("/api/v1/areas/?page_size=3&page=2").json()
    with CaptureQueriesContext(connection) as filtered:
        three = client.get("/api/v1/areas/?page_size=3&level=4").json()
    # then the first counts (capped) and asks the planner, the second takes the remembered
    # estimate without asking either, the filtered one (another list, of 4 communities) is
    # counted exactly
    assert (_counts(first), one["count"], one["count_is_estimate"]) == (1, 1234, True)
    assert len(asked) == 1
    assert (_counts(second), two["count"], two["count_is_estimate"]) == (0, 1234, True)
    assert (_counts(filtered), three["count"], three["count_is_estimate"]) == (1, 4, False)
    assert [row["code"] for row in one["results"]] != [row["code"] for row in two["results"]]


def test_a_remembered_long_list_is_counted_again_once_the_memo_expired(
    tree, actors, api, monkeypatch
):
    # given long lists remembered for no time at all
    monkeypatch.setattr(api_policies, "LONG_LIST_MEMO_SECONDS", 0)
    monkeypatch.setattr(EstimatedCountPaginator, "exact_count_limit", 9)
    monkeypatch.setattr(api_policies, "planner_row_estimate", lambda queryset: 1234)
    client = api(actors.superuser)
    client.get("/api/v1/areas/?page_size=3")
    # when the list is asked again
    with CaptureQueriesContext(connection) as again:
        body = client.get("/api/v1/areas/?page_size=3").json()
    # then it is counted again
    assert (_counts(again), body["count"], body["count_is_estimate"]) == (1, 1234, True)


@pytest.mark.skipif(connection.vendor == "postgresql", reason="SQLite has no planner estimate")
def test_planner_estimate_is_none_without_postgresql(tree):
    assert planner_row_estimate(AdminArea.objects.all()) is None


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the estimate is PostgreSQL's")
def test_planner_estimate_is_a_row_number_on_postgresql(tree):
    estimate = planner_row_estimate(AdminArea.objects.filter(level=AdminArea.Level.COMMUNITY))
    assert isinstance(estimate, int)
    assert estimate >= 1


def test_openapi_schema_documents_the_estimated_count(client):
    response = client.get("/api/schema/", {"format": "json"})
    page = response.json()["components"]["schemas"]["PaginatedAreaOutputList"]
    flag = page["properties"]["count_is_estimate"]
    assert response.status_code == 200
    assert flag["type"] == "boolean"
    assert "estimate" in flag["description"]
    assert "count_is_estimate" in page["required"]
