"""A list too long to count is estimated on a form the planner can estimate: a city's workers
(reached through their own or a linked area) are read with an OR, and estimated on the UNION form,
the same rows either way."""

import datetime

from django.db import connection
from django.test.utils import CaptureQueriesContext

import pytest

from stations import api_policies
from stations.access import ReachForm, reach_condition, reach_form
from stations.api_policies import EstimatedCountPaginator, planner_row_estimate
from stations.models import AdminArea
from talent.identity import id_number_birth_date, id_number_gender
from talent.models import WORKER_REACH, Worker, WorkerAreaLink
from tests.factories import make_area
from tests.talent.factories import make_id_number, make_worker

Level = AdminArea.Level

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("forget_long_lists")]


def _another_city() -> list[AdminArea]:
    """徐州市 down to a township, and `communities` of it."""
    xuzhou = make_area("320300000000", "徐州市", Level.CITY)
    county = make_area("320311000000", "泉山区", Level.COUNTY, xuzhou)
    return [xuzhou, county, make_area("320311001000", "王陵街道", Level.TOWNSHIP, county)]


@pytest.fixture
def workers(tree):
    """Three workers of the city's own areas, and one of another city linked to it."""
    township = _another_city()[-1]
    outside = make_area("320311001001", "外市社区", Level.COMMUNITY, township)
    kept = [make_worker(tree.comm_a2, name=f"本市{n}") for n in range(3)]
    linked = make_worker(outside, name="外市关联")
    WorkerAreaLink.objects.create(worker=linked, area=tree.comm_b1)
    return [*kept, linked]


@pytest.fixture
def estimated(monkeypatch):
    """The querysets the planner is asked about, with a count limit every list here exceeds."""
    asked = []

    def estimate(queryset):
        asked.append(queryset)
        return 5000

    monkeypatch.setattr(EstimatedCountPaginator, "exact_count_limit", 1)
    monkeypatch.setattr(api_policies, "planner_row_estimate", estimate)
    return asked


def _worker(area, n: int) -> Worker:
    born = datetime.date(1970, 1, 1) + datetime.timedelta(days=n)
    id_number = make_id_number(born, region="320311", serial=1)
    return Worker(
        area=area,
        name=f"外市{n}",
        id_number=id_number,
        birth_date=id_number_birth_date(id_number),
        gender=id_number_gender(id_number),
        education=Worker.Education.BACHELOR,
        major=Worker.Major.OTHER,
        post=Worker.Post.COMMUNITY_WORKER,
    )


def _sql(queryset) -> str:
    return str(queryset.order_by().query)


@pytest.mark.parametrize("query", ["", "?within=150600000000", "?within=150602000000"])
def test_a_citys_workers_are_estimated_on_the_union_form(
    query, tree, actors, workers, api, estimated
):
    # when the city's administrator lists the workers (all, or within itself or a county)
    response = api(actors.city_admin).get(f"/api/v1/workers/{query}")
    # then the list's count is the planner's, taken on the UNION form
    assert (response.status_code, response.json()["count"]) == (200, 5000)
    (queryset,) = estimated
    assert "UNION" in _sql(queryset)
    assert " OR " not in _sql(queryset)
    # and that form holds the rows of the page, each once
    assert sorted(queryset.values_list("pk", flat=True)) == sorted(
        row["id"] for row in response.json()["results"]
    )


def _counts(captured) -> list[str]:
    return [q["sql"] for q in captured if q["sql"].lstrip().upper().startswith("SELECT COUNT")]


def test_a_short_list_is_probed_by_own_area_then_counted_on_the_union(tree, actors, workers, api):
    # when the city's administrator lists its four workers (one reached by a link only)
    with CaptureQueriesContext(connection) as captured:
        response = api(actors.city_admin).get("/api/v1/workers/")
    # then the three of their own areas are counted first (one area path, no OR, no UNION),
    # then the four on the UNION form, exactly
    assert (response.status_code, response.json()["count"]) == (200, 4)
    assert response.json()["count_is_estimate"] is False
    probe, counted = _counts(captured)
    assert (" OR " in probe, "UNION" in probe, "workerarealink" in probe) == (False, False, False)
    assert (" OR " in counted, "UNION" in counted) == (False, True)


@pytest.mark.parametrize(
    ("limit", "counts", "count", "flag"),
    [
        (2, 1, 5000, True),  # three of their own: long, the union not counted
        (3, 2, 5000, True),  # three of their own, four in all: long once the union is counted
        (4, 2, 4, False),  # short: exact
    ],
)
def test_the_probe_tells_a_long_list_and_the_union_a_short_one(
    limit, counts, count, flag, tree, actors, workers, api, monkeypatch
):
    monkeypatch.setattr(EstimatedCountPaginator, "exact_count_limit", limit)
    monkeypatch.setattr(api_policies, "planner_row_estimate", lambda queryset: 5000)
    with CaptureQueriesContext(connection) as captured:
        response = api(actors.city_admin).get("/api/v1/workers/")
    body = response.json()
    assert (body["count"], body["count_is_estimate"], len(_counts(captured))) == (
        count,
        flag,
        counts,
    )


def test_a_list_reached_through_one_path_is_estimated_on_itself(tree, actors, api, estimated):
    # when the city's administrator lists the areas (reached through their own path only)
    response = api(actors.city_admin).get("/api/v1/areas/")
    # then the planner is asked about the list as it is read
    assert (response.status_code, response.json()["count"]) == (200, 5000)
    (queryset,) = estimated
    assert "UNION" not in _sql(queryset)
    assert "LIKE" in _sql(queryset) or "GLOB" in _sql(queryset)


def test_a_form_is_only_built_inside_its_block(tree, workers):
    city = tree.city.path
    with reach_form(ReachForm.UNION):
        union = Worker.objects.filter(reach_condition(Worker, WORKER_REACH, city))
    with reach_form(ReachForm.OWN):
        own = Worker.objects.filter(reach_condition(Worker, WORKER_REACH, city))
    read = Worker.objects.filter(reach_condition(Worker, WORKER_REACH, city))
    assert ("UNION" in _sql(union), " OR " in _sql(union)) == (True, False)
    assert ("UNION" in _sql(own), " OR " in _sql(own)) == (False, False)
    assert ("UNION" in _sql(read), " OR " in _sql(read)) == (False, True)
    assert union.count() == read.count() == 4
    assert sorted(own.values_list("name", flat=True)) == ["本市0", "本市1", "本市2"]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the estimate is PostgreSQL's")
def test_the_planner_estimates_a_citys_workers_near_their_number(tree, actors, api):
    """Measured on PostgreSQL's own statistics: 40 workers in the city (10 areas) among 1,040
    (210 areas, the rest spread over another city), 10 of them reached through a link only. The
    OR form is expected at 75 % of the table (780); the UNION form near 40."""
    township = _another_city()[-1]
    communities = [
        make_area(f"320311001{n:03d}", f"外市社区{n}", Level.COMMUNITY, township)
        for n in range(1, 201)
    ]
    Worker.objects.bulk_create([_worker(communities[n % len(communities)], n) for n in range(1000)])
    city = [make_worker(tree.comm_a2, name=f"本市{n}") for n in range(30)]
    for worker in Worker.objects.filter(area__in=communities).order_by("pk")[:10]:
        WorkerAreaLink.objects.create(worker=worker, area=tree.comm_b1)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE stations_adminarea, talent_worker, talent_workerarealink")
    path = tree.city.path

    read = Worker.objects.filter(reach_condition(Worker, WORKER_REACH, path))
    with reach_form(ReachForm.UNION):
        estimable = Worker.objects.filter(reach_condition(Worker, WORKER_REACH, path))

    assert read.count() == estimable.count() == len(city) + 10
    assert planner_row_estimate(read) > 500
    assert 20 <= planner_row_estimate(estimable) <= 80
