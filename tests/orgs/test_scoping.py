"""Every endpoint and admin page of the app is scoped: each actor reaches exactly its subtree,
another county's rows are 404, no area means nothing; and a list costs the same number of queries
whatever its length."""

import io
import itertools

from django.db import connection
from django.test.utils import CaptureQueriesContext

import pytest
from openpyxl import load_workbook

from orgs.models import (
    ActivityReport,
    BrandProject,
    CommunityOrg,
    Contest,
    ContestApplication,
    Evaluation,
    Federation,
    IncubationCentre,
    ObservationPoint,
)
from stations.models import User
from tests.factories import make_area
from tests.orgs.factories import (
    make_application,
    make_brand_project,
    make_contest,
    make_evaluation,
    make_federation,
    make_incubator,
    make_observation_point,
    make_org,
    make_report,
)

pytestmark = pytest.mark.django_db


_years = itertools.count(2001)


def _side(tree, side: str):
    """The township and community of county A ("a") or county B ("b")."""
    return (tree.town_a1, tree.comm_a1_urban) if side == "a" else (tree.town_b1, tree.comm_b1)


def _org(tree, side):
    return make_org(_side(tree, side)[1])


# endpoint -> (model, admin path, builder of one row on a side, builder of an API payload that
# points at county B, the fields the refusal names)
ENDPOINTS = {
    "orgs": (
        CommunityOrg,
        "communityorg",
        _org,
        lambda tree: {
            "name": "越界组织",
            "type": "other",
            "community": tree.comm_b1.code,
            "standing": "filed",
            "filing_body": tree.comm_b1.code,
        },
        {"community", "filing_body"},
    ),
    "federations": (
        Federation,
        "federation",
        lambda tree, side: make_federation(_side(tree, side)[0]),
        lambda tree: {"name": "越界联合会", "township": tree.town_b1.code},
        {"township"},
    ),
    "incubators": (
        IncubationCentre,
        "incubationcentre",
        lambda tree, side: make_incubator(_side(tree, side)[0]),
        lambda tree: {"name": "越界中心", "area": tree.town_b1.code},
        {"area"},
    ),
    "observation-points": (
        ObservationPoint,
        "observationpoint",
        lambda tree, side: make_observation_point(_side(tree, side)[1]),
        lambda tree: {"area": tree.comm_b1.code, "designated_year": 2022},
        {"area"},
    ),
    "contests": (
        Contest,
        "contest",
        lambda tree, side: make_contest(_side(tree, side)[0], year=next(_years)),
        lambda tree: {"name": "越界创投", "area": tree.town_b1.code, "year": 2024, "budget": "1"},
        {"area"},
    ),
    "contest-applications": (
        ContestApplication,
        "contestapplication",
        lambda tree, side: make_application(
            make_contest(_side(tree, side)[0], year=next(_years)), _org(tree, side)
        ),
        lambda tree: {
            "contest": make_contest(tree.county_b).pk,
            "organisation": make_org(tree.comm_b1).pk,
            "project_name": "越界项目",
            "requested_amount": "100",
        },
        {"contest", "organisation"},
    ),
    "brand-projects": (
        BrandProject,
        "brandproject",
        lambda tree, side: make_brand_project(_org(tree, side)),
        lambda tree: {"organisation": make_org(tree.comm_b1).pk, "name": "越界", "year": 2024},
        {"organisation"},
    ),
    "activity-reports": (
        ActivityReport,
        "activityreport",
        lambda tree, side: make_report(_org(tree, side)),
        lambda tree: {
            "organisation": make_org(tree.comm_b1).pk,
            "kind": "sports",
            "title": "越界",
            "held_on": "2099-01-01",
            "place": "广场",
            "expected_participants": 10,
        },
        {"organisation"},
    ),
    "evaluations": (
        Evaluation,
        "evaluation",
        lambda tree, side: make_evaluation(_org(tree, side)),
        lambda tree: {"organisation": make_org(tree.comm_b1).pk, "year": 2024, "score": 90},
        {"organisation"},
    ),
}


def build(tree, endpoint: str) -> dict:
    """One row of the endpoint's kind in county A (under 交通街道) and one in county B."""
    builder = ENDPOINTS[endpoint][2]
    return {side: builder(tree, side) for side in ("a", "b")}


@pytest.mark.parametrize("endpoint", list(ENDPOINTS))
@pytest.mark.parametrize(
    ("_case", "actor", "expected"),
    [
        ("superuser", "superuser", {"a", "b"}),
        ("city", "city_admin", {"a", "b"}),
        ("viewer", "viewer", {"a", "b"}),
        ("county", "county_admin", {"a"}),
        ("township", "township_admin", {"a"}),
        ("other_county", "other_county_admin", {"b"}),
        ("no_area", "nobody", set()),
    ],
)
def test_each_list_is_the_actors_subtree(api, tree, actors, endpoint, _case, actor, expected):
    rows = build(tree, endpoint)
    response = api(getattr(actors, actor)).get(f"/api/v1/{endpoint}/?page_size=100")

    assert response.status_code == 200
    pks = {row["id"] for row in response.json()["results"]}
    assert pks == {rows[side].pk for side in expected}


@pytest.mark.parametrize("endpoint", list(ENDPOINTS))
def test_anonymous_and_contractors_get_nothing(api, tree, actors, endpoint):
    build(tree, endpoint)
    anonymous = api().get(f"/api/v1/{endpoint}/")
    contractor = api(actors.contractor).get(f"/api/v1/{endpoint}/")

    assert (anonymous.status_code, contractor.status_code) == (401, 403)


@pytest.mark.parametrize("endpoint", list(ENDPOINTS))
def test_another_countys_row_is_not_found(api, tree, actors, endpoint):
    model = ENDPOINTS[endpoint][0]
    other = build(tree, endpoint)["b"]
    before = model.objects.filter(pk=other.pk).values().get()
    client = api(actors.county_admin)

    read = client.get(f"/api/v1/{endpoint}/{other.pk}/")
    change = client.patch(f"/api/v1/{endpoint}/{other.pk}/", {}, format="json")
    delete = client.delete(f"/api/v1/{endpoint}/{other.pk}/")

    assert (read.status_code, change.status_code, delete.status_code) == (404, 404, 404)
    assert model.objects.filter(pk=other.pk).values().get() == before


@pytest.mark.parametrize("endpoint", list(ENDPOINTS))
def test_creating_in_another_county_names_the_fields(api, tree, actors, endpoint):
    model, _admin, _builder, payload, fields = ENDPOINTS[endpoint]
    data = payload(tree)
    count = model.objects.count()

    response = api(actors.county_admin).post(f"/api/v1/{endpoint}/", data, format="json")

    assert response.status_code == 400
    assert set(response.json()) == fields
    assert model.objects.count() == count


@pytest.mark.parametrize("endpoint", list(ENDPOINTS))
def test_a_viewer_cannot_write(api, tree, actors, endpoint):
    model = ENDPOINTS[endpoint][0]
    own = build(tree, endpoint)["a"]

    response = api(actors.viewer).delete(f"/api/v1/{endpoint}/{own.pk}/")

    assert response.status_code == 403
    assert model.objects.filter(pk=own.pk).exists()


@pytest.mark.parametrize("endpoint", list(ENDPOINTS))
def test_an_administrator_deletes_in_its_county(api, tree, actors, endpoint):
    model, _admin, builder, _payload, _fields = ENDPOINTS[endpoint]
    row = builder(tree, "a")

    response = api(actors.county_admin).delete(f"/api/v1/{endpoint}/{row.pk}/")

    assert response.status_code == 204
    assert not model.objects.filter(pk=row.pk).exists()


def test_an_organisation_with_records_is_not_deleted(api, tree, actors):
    org = make_org(tree.comm_a1_urban)
    make_evaluation(org)

    response = api(actors.county_admin).delete(f"/api/v1/orgs/{org.pk}/")

    assert response.status_code == 400
    assert CommunityOrg.objects.filter(pk=org.pk).exists()


@pytest.mark.parametrize(
    ("_case", "query", "expected"),
    [
        ("area", "area=150602001001", {"reg_a", "filed_a"}),
        ("within_township", "within=150602001000", {"reg_a", "filed_a"}),
        ("within_county", "within=150602000000", {"reg_a", "filed_a", "dormant_a2"}),
        ("within_unknown", "within=150699000000", set()),
        ("type", "type=charity", {"filed_a"}),
        ("standing", "standing=registered", {"reg_a", "reg_b"}),
        ("status", "status=dormant", {"dormant_a2"}),
        ("brand", "brand=true", {"reg_b"}),
        ("not_brand", "brand=false", {"reg_a", "filed_a", "dormant_a2"}),
        ("party", "party_organisation=joint_branch", {"reg_a"}),
        ("served_group", "served_group=elderly", {"filed_a"}),
        ("search", "search=互助", {"filed_a"}),
    ],
)
def test_organisation_filters(api, tree, actors, _case, query, expected):
    made = {
        "reg_a": make_org(
            tree.comm_a1_urban, "甲", registered=True, party_organisation="joint_branch"
        ),
        "filed_a": make_org(tree.comm_a1_urban, "邻里互助会", org_type="charity"),
        "dormant_a2": make_org(tree.comm_a2, "丙", status="dormant"),
        "reg_b": make_org(tree.comm_b1, "丁", registered=True, brand_year=2023),
    }
    made["filed_a"].served_groups.set(
        CommunityOrg.served_groups.field.related_model.objects.filter(code="elderly")
    )
    names = {org.pk: key for key, org in made.items()}

    response = api(actors.superuser).get(f"/api/v1/orgs/?{query}&page_size=100")

    assert {names[row["id"]] for row in response.json()["results"]} == expected


def test_within_does_not_widen_the_scope(api, tree, actors):
    make_org(tree.comm_a1_urban)
    make_org(tree.comm_b1)

    response = api(actors.county_admin).get("/api/v1/orgs/?within=150600000000")

    assert response.json()["count"] == 1


# Query counts ------------------------------------------------------------------------------------


def _api_queries(api, user_pk: int, url: str) -> tuple[int, int]:
    client = api(User.objects.get(pk=user_pk))
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    return len(queries.captured_queries), len(response.json()["results"])


@pytest.mark.parametrize("endpoint", list(ENDPOINTS))
def test_list_queries_do_not_grow_with_rows(api, tree, actors, endpoint):
    builder = ENDPOINTS[endpoint][2]
    build(tree, endpoint)
    url = f"/api/v1/{endpoint}/?page_size=100"
    before, listed_before = _api_queries(api, actors.city_admin.pk, url)
    if endpoint == "federations":
        make_federation(tree.town_a2)
        make_federation(make_area("150603002000", "青春山街道", 3, tree.county_b))
    elif endpoint == "observation-points":
        for area in (tree.town_a1, tree.town_a2, tree.comm_a2):
            make_observation_point(area)
    else:
        for side in ("a", "b", "a"):
            builder(tree, side)

    after, listed_after = _api_queries(api, actors.city_admin.pk, url)

    assert listed_after == listed_before + (2 if endpoint == "federations" else 3)
    assert after == before


def test_organisation_list_query_count(api, tree, actors):
    for _number in range(4):
        org = make_org(tree.comm_a1_urban, federation=None)
        org.served_groups.set(CommunityOrg.served_groups.field.related_model.objects.all()[:2])

    queries, listed = _api_queries(api, actors.city_admin.pk, "/api/v1/orgs/?page_size=100")

    # savepoint, the user's area, permissions (own and groups'), count, page, groups, release
    assert (queries, listed) == (8, 4)


# Admin -------------------------------------------------------------------------------------------


def _admin_queries(client, user_pk: int, path: str) -> tuple[int, int]:
    client.force_login(User.objects.get(pk=user_pk))
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"/admin/orgs/{path}/")
    return len(queries.captured_queries), len(response.context["cl"].result_list)


@pytest.mark.parametrize("endpoint", list(ENDPOINTS))
def test_admin_changelist_is_scoped_and_its_queries_do_not_grow(client, tree, actors, endpoint):
    _model, admin_path, builder, _payload, _fields = ENDPOINTS[endpoint]
    build(tree, endpoint)
    before, listed_before = _admin_queries(client, actors.county_admin.pk, admin_path)
    if endpoint == "federations":
        make_federation(tree.town_a2)
        added = 1
    elif endpoint == "observation-points":
        make_observation_point(tree.town_a2)
        make_observation_point(tree.comm_a2)
        added = 2
    else:
        builder(tree, "a")
        builder(tree, "a")
        added = 2

    after, listed_after = _admin_queries(client, actors.county_admin.pk, admin_path)

    assert (listed_before, listed_after) == (1, 1 + added)
    assert after == before


@pytest.mark.parametrize("endpoint", list(ENDPOINTS))
@pytest.mark.parametrize("view", ["change", "delete", "history"])
def test_admin_pages_of_another_county_are_not_found(client, tree, actors, endpoint, view):
    _model, admin_path, _builder, _payload, _fields = ENDPOINTS[endpoint]
    other = build(tree, endpoint)["b"]
    client.force_login(actors.county_admin)

    response = client.get(f"/admin/orgs/{admin_path}/{other.pk}/{view}/")

    assert response.status_code == 404


def test_admin_area_filter_narrows_to_a_township(client, tree, actors):
    make_org(tree.comm_a1_urban, "甲")
    make_org(tree.comm_a2, "乙")
    client.force_login(actors.county_admin)

    response = client.get("/admin/orgs/communityorg/", {"within": tree.town_a2.code})

    assert [org.name for org in response.context["cl"].result_list] == ["乙"]


@pytest.mark.parametrize(
    ("_case", "query", "expected"),
    [
        ("type", {"org_type__exact": "charity"}, ["乙"]),
        ("standing", {"standing__exact": "registered"}, ["甲"]),
        ("status", {"status__exact": "dormant"}, ["丙"]),
        ("brand", {"brand": "yes"}, ["甲"]),
        ("party", {"party_organisation__exact": "instructor"}, ["丙"]),
    ],
)
def test_admin_filters(client, tree, actors, _case, query, expected):
    make_org(tree.comm_a1_urban, "甲", registered=True, brand_year=2024)
    make_org(tree.comm_a1_urban, "乙", org_type="charity")
    make_org(tree.comm_a2, "丙", status="dormant", party_organisation="instructor")
    client.force_login(actors.county_admin)

    response = client.get("/admin/orgs/communityorg/", query)

    assert [org.name for org in response.context["cl"].result_list] == expected


def test_admin_pickers_offer_only_the_actors_federations(client, tree, actors):
    own = make_federation(tree.town_a1)
    make_federation(tree.town_b1)
    client.force_login(actors.county_admin)

    response = client.get(
        "/admin/autocomplete/",
        {"term": "", "app_label": "orgs", "model_name": "communityorg", "field_name": "federation"},
    )

    assert [int(row["id"]) for row in response.json()["results"]] == [own.pk]


@pytest.mark.parametrize("endpoint", list(ENDPOINTS))
@pytest.mark.parametrize("actor", ["township_admin", "reviewer"])
def test_admin_pages_of_the_own_county_open(client, tree, actors, endpoint, actor):
    _model, admin_path, builder, _payload, _fields = ENDPOINTS[endpoint]
    own = builder(tree, "a")
    client.force_login(getattr(actors, actor))

    change = client.get(f"/admin/orgs/{admin_path}/{own.pk}/change/")
    add = client.get(f"/admin/orgs/{admin_path}/add/")

    # Reviewers only view: the change page is read-only and there is no add page.
    assert (change.status_code, add.status_code) == (
        (200, 200) if actor == "township_admin" else (200, 403)
    )


# Excel exports -----------------------------------------------------------------------------------


def _exported_names(response) -> list[str]:
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    name = rows[0].index("name")
    return sorted(row[name] for row in rows[1:])


@pytest.fixture
def two_counties(tree):
    return {
        "a": [make_org(tree.comm_a1_urban, "甲"), make_org(tree.comm_a2, "乙", registered=True)],
        "b": [make_org(tree.comm_b1, "丙"), make_org(tree.comm_b1, "丁", registered=True)],
    }


@pytest.mark.parametrize(("_case", "select_across"), [("selected", "0"), ("all", "1")])
def test_the_admin_export_leaves_out_another_county(
    client, actors, two_counties, _case, select_across
):
    client.force_login(actors.county_admin)
    every_pk = [org.pk for orgs in two_counties.values() for org in orgs]

    response = client.post(
        "/admin/orgs/communityorg/",
        {"action": "export_xlsx", "_selected_action": every_pk, "select_across": select_across},
    )

    assert response.status_code == 200
    assert _exported_names(response) == ["乙", "甲"]


@pytest.mark.parametrize(
    ("_case", "query", "expected"),
    [
        ("all", "", ["乙", "甲"]),
        ("within_other_county", "?within=150603000000", []),
        ("registered", "?standing=registered", ["乙"]),
    ],
)
def test_the_api_export_leaves_out_another_county(
    api, actors, two_counties, _case, query, expected
):
    response = api(actors.county_admin).get(f"/api/v1/orgs/export/{query}")

    assert response.status_code == 200
    assert _exported_names(response) == expected


def test_the_api_export_gives_an_account_without_area_no_rows(api, actors, two_counties):
    response = api(actors.nobody).get("/api/v1/orgs/export/")

    assert (response.status_code, _exported_names(response)) == (200, [])
