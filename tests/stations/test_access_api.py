"""Scoping through the API: each actor reaches exactly its subtree; out of scope is 404."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

import pytest

from stations.models import AdminArea, AreaPopulation, User
from tests.factories import make_area

pytestmark = pytest.mark.django_db


def codes(response) -> set[str]:
    return {row["code"] for row in response.json()["results"]}


@pytest.mark.parametrize(
    ("_case", "actor", "expected"),
    [
        ("superuser", "superuser", 10),
        ("city", "city_admin", 10),
        ("county", "county_admin", 6),
        ("township", "township_admin", 3),
        ("viewer", "viewer", 10),
        ("no_area", "nobody", 0),
    ],
)
def test_area_list_is_the_actors_subtree(api, actors, _case, actor, expected):
    response = api(getattr(actors, actor)).get("/api/v1/areas/?page_size=100")
    assert response.status_code == 200
    assert response.json()["count"] == expected


def test_anonymous_gets_nothing(api, tree):
    response = api().get("/api/v1/areas/")
    assert response.status_code == 401


def test_county_admin_cannot_read_change_or_delete_another_county(api, tree, actors):
    client = api(actors.county_admin)
    other = f"/api/v1/areas/{tree.town_b1.code}/"

    read = client.get(other)
    change = client.patch(other, {"name": "改名"}, format="json")
    delete = client.delete(other)

    assert (read.status_code, change.status_code, delete.status_code) == (404, 404, 404)
    assert AdminArea.objects.get(code=tree.town_b1.code).name == "哈巴格希街道"


def test_county_admin_changes_an_area_in_its_county(api, tree, actors):
    response = api(actors.county_admin).patch(
        f"/api/v1/areas/{tree.town_a2.code}/", {"name": "公园街道办事处"}, format="json"
    )
    assert response.status_code == 200
    assert AdminArea.objects.get(code=tree.town_a2.code).name == "公园街道办事处"


def test_creating_under_an_out_of_scope_parent_reads_as_unknown(api, tree, actors):
    response = api(actors.county_admin).post(
        "/api/v1/areas/",
        {"code": "150603009000", "name": "越界街道", "level": 3, "parent": tree.county_b.code},
        format="json",
    )
    assert response.status_code == 400
    assert list(response.json()) == ["parent"]
    assert not AdminArea.objects.filter(code="150603009000").exists()


def test_creating_an_area_with_a_bad_code_names_the_field(api, tree, actors):
    response = api(actors.county_admin).post(
        "/api/v1/areas/",
        {"code": "150603009000", "name": "错码街道", "level": 3, "parent": tree.county_a.code},
        format="json",
    )
    assert response.status_code == 400
    assert response.json() == {
        "code": ["Code 150603009000 does not start with its parent's digits 150602."]
    }


def test_county_admin_creates_a_township(api, tree, actors):
    response = api(actors.county_admin).post(
        "/api/v1/areas/",
        {"code": "150602009000", "name": "新街道", "level": 3, "parent": tree.county_a.code},
        format="json",
    )
    assert response.status_code == 201
    assert AdminArea.objects.get(code="150602009000").path == (
        "/150600000000/150602000000/150602009000/"
    )


def test_viewer_cannot_write(api, tree, actors):
    response = api(actors.viewer).patch(
        f"/api/v1/areas/{tree.town_a2.code}/", {"name": "x"}, format="json"
    )
    assert response.status_code == 403
    assert AdminArea.objects.get(code=tree.town_a2.code).name == "公园街道"


def test_deleting_an_area_with_children_is_a_clear_400(api, tree, actors):
    response = api(actors.city_admin).delete(f"/api/v1/areas/{tree.town_a1.code}/")
    assert response.status_code == 400
    assert AdminArea.objects.filter(code=tree.town_a1.code).exists()


@pytest.mark.parametrize(
    ("_case", "query", "expected"),
    [
        ("level", "level=4", {"150602001001", "150602001201", "150602002001", "150603001001"}),
        ("parent", "parent=150602001000", {"150602001001", "150602001201"}),
        ("urban_rural", "urban_rural=rural", {"150602001201"}),
        ("within", "within=150603000000", {"150603000000", "150603001000", "150603001001"}),
        ("within_unknown", "within=150699000000", set()),
        ("search_name", "search=康", {"150603000000", "150603001001"}),
        ("search_code", "search=150602001", {"150602001000", "150602001001", "150602001201"}),
    ],
)
def test_area_filters(api, actors, _case, query, expected):
    response = api(actors.superuser).get(f"/api/v1/areas/?{query}&page_size=100")
    assert codes(response) == expected


def test_within_does_not_widen_the_scope(api, actors):
    response = api(actors.county_admin).get("/api/v1/areas/?within=150600000000&page_size=100")
    assert response.json()["count"] == 6


def test_area_list_query_count_does_not_grow_with_rows(api, tree, actors):
    def fresh_client():
        return api(User.objects.get(pk=actors.city_admin.pk))

    with CaptureQueriesContext(connection) as before:
        fresh_client().get("/api/v1/areas/?page_size=100")
    for number in range(3, 9):
        make_area(f"15060200{number}000", f"街道{number}", AdminArea.Level.TOWNSHIP, tree.county_a)

    with CaptureQueriesContext(connection) as after:
        response = fresh_client().get("/api/v1/areas/?page_size=100")

    assert len(response.json()["results"]) == 16
    # the user, savepoint, their area, two permission look-ups, count, page, release
    assert len(after.captured_queries) == len(before.captured_queries) == 8


def test_population_api_round_trip_and_roll_up(api, tree, actors):
    client = api(actors.county_admin)

    created = client.post(
        "/api/v1/populations/",
        {"area": tree.comm_a1_urban.code, "year": 2025, "population": 4100},
        format="json",
    )
    duplicate = client.post(
        "/api/v1/populations/",
        {"area": tree.comm_a1_urban.code, "year": 2025, "population": 1},
        format="json",
    )
    client.post(
        "/api/v1/populations/",
        {"area": tree.comm_a2.code, "year": 2025, "population": 900},
        format="json",
    )
    figure = client.get(f"/api/v1/areas/{tree.county_a.code}/population/?year=2025")

    assert created.status_code == 201
    assert duplicate.status_code == 400
    assert figure.json() == {
        "code": "150602000000",
        "year": 2025,
        "population": 5000,
        "source": "children",
    }


def test_population_of_another_county_is_not_found(api, tree, actors):
    figure = AreaPopulation.objects.create(area=tree.comm_b1, year=2025, population=10)
    client = api(actors.county_admin)

    read = client.get(f"/api/v1/populations/{figure.pk}/")
    change = client.patch(f"/api/v1/populations/{figure.pk}/", {"population": 1}, format="json")
    create = client.post(
        "/api/v1/populations/",
        {"area": tree.comm_b1.code, "year": 2024, "population": 1},
        format="json",
    )

    assert (read.status_code, change.status_code, create.status_code) == (404, 404, 400)
    assert AreaPopulation.objects.get(pk=figure.pk).population == 10
    assert AreaPopulation.objects.count() == 1


def test_population_year_must_be_given(api, tree, actors):
    response = api(actors.county_admin).get(f"/api/v1/areas/{tree.county_a.code}/population/")
    assert response.status_code == 400
    assert list(response.json()) == ["year"]


def test_unknown_pk_is_not_found(api, actors):
    assert api(actors.superuser).get("/api/v1/populations/-1/").status_code == 404
