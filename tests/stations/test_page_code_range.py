"""Lists ordered by area code read their page within the code range of the reader's root (or of
`?within=`): the same rows and count as without it, the range in the page's query only."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

import pytest

from orgs.api import OrgViewSet
from orgs.models import CommunityOrg
from stations.api import AreaViewSet, PopulationViewSet
from stations.areas import code_range_q
from stations.models import AdminArea, AreaPopulation
from tests.factories import make_area
from tests.orgs.factories import make_org

pytestmark = pytest.mark.django_db

Level = AdminArea.Level


@pytest.mark.parametrize(
    ("code", "level", "expected"),
    [
        ("320000000000", Level.PROVINCE, {"code__gte": "32", "code__lt": "33"}),
        ("329900000000", Level.CITY, {"code__gte": "3299", "code__lt": "33"}),
        ("150602000000", Level.COUNTY, {"code__gte": "150602", "code__lt": "150603"}),
        # a published township code that breaks the zeros pattern: its 9 digits still rule
        ("653130103001", Level.TOWNSHIP, {"code__gte": "653130103", "code__lt": "653130104"}),
        ("990000000000", Level.PROVINCE, {"code__gte": "99"}),
    ],
)
def test_the_code_range_of_an_area(code, level, expected):
    condition = code_range_q(AdminArea(code=code, level=level))

    assert dict(condition.children) == expected


def test_the_code_range_names_a_related_field():
    condition = code_range_q(AdminArea(code="150602000000", level=Level.COUNTY), field="area")

    assert dict(condition.children) == {"area__code__gte": "150602", "area__code__lt": "150603"}


@pytest.fixture
def irregular(tree):
    """A published township code that breaks the zeros pattern (150602000001, under 东胜区) with
    a community, and an organisation in every community."""
    town = make_area("150602000001", "特殊街道", Level.TOWNSHIP, tree.county_a)
    community = make_area("150602000101", "特殊社区", Level.COMMUNITY, town)
    for number, area in enumerate(AdminArea.objects.filter(level=Level.COMMUNITY).order_by("code")):
        make_org(area, name=f"组织{number}")
    for area in AdminArea.objects.all():
        AreaPopulation.objects.create(area=area, year=2025, population=1000)
    return community


def _pages(client, url) -> list:
    body = client.get(url).json()
    return [body["count"], [row["id"] if "id" in row else row["code"] for row in body["results"]]]


@pytest.mark.parametrize(
    ("_case", "actor", "url"),
    [
        ("a county's organisations", "county_admin", "/api/v1/orgs/?page_size=2"),
        ("the second page", "county_admin", "/api/v1/orgs/?page_size=2&page=2"),
        ("a township's", "township_admin", "/api/v1/orgs/?page_size=50"),
        ("the city, within a county", "city_admin", "/api/v1/orgs/?within=150602000000"),
        (
            "the city, within the irregular township",
            "city_admin",
            "/api/v1/orgs/?within=150602000001",
        ),
        ("a township, within the county", "township_admin", "/api/v1/orgs/?within=150602000000"),
        ("the superuser: no range", "superuser", "/api/v1/orgs/?page_size=50"),
        ("a county's areas", "county_admin", "/api/v1/areas/?page_size=50"),
        ("the city's areas within a township", "city_admin", "/api/v1/areas/?within=150602001000"),
        ("populations", "county_admin", "/api/v1/populations/?page_size=50"),
    ],
)
def test_the_range_changes_no_page(_case, actor, url, irregular, actors, api, monkeypatch):
    client = api(getattr(actors, actor))
    narrowed = _pages(client, url)

    for view in (OrgViewSet, AreaViewSet, PopulationViewSet):
        monkeypatch.setattr(view, "ordered_by_area_code", False)
    plain = _pages(client, url)

    assert narrowed == plain
    assert narrowed[1]  # the case lists something


def test_the_irregular_townships_organisations_are_listed(irregular, actors, api):
    body = api(actors.city_admin).get("/api/v1/orgs/?within=150602000001").json()

    expected = list(CommunityOrg.objects.filter(community=irregular).values_list("pk", flat=True))
    assert [row["id"] for row in body["results"]] == expected == [expected[0]]


def test_only_the_page_reads_the_range(tree, actors, api):
    make_org(tree.comm_a2, name="组织")

    with CaptureQueriesContext(connection) as captured:
        response = api(actors.county_admin).get("/api/v1/orgs/")

    assert response.status_code == 200
    statements = [query["sql"] for query in captured if "orgs_communityorg" in query["sql"]]
    counts = [sql for sql in statements if sql.lstrip().upper().startswith("SELECT COUNT")]
    pages = [sql for sql in statements if sql.startswith('SELECT "orgs_communityorg"."id"')]
    assert len(counts) == len(pages) == 1
    assert "'150602'" in pages[0]
    assert "'150603'" in pages[0]
    assert "'150603'" not in counts[0]


def test_within_costs_one_query_by_code(tree, actors, api, django_assert_num_queries):
    make_org(tree.comm_a2, name="组织")
    client = api(actors.city_admin)
    client.get("/api/v1/orgs/")
    with CaptureQueriesContext(connection) as plain:
        client.get("/api/v1/orgs/")
    with CaptureQueriesContext(connection) as within:
        body = client.get("/api/v1/orgs/?within=150602000000").json()

    assert len(within) == len(plain) + 2  # the filter's lookup of the area, and the range's
    assert body["count"] == 1
