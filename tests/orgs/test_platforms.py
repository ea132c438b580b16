"""Support platforms (federations, incubation centres, observation points), brand projects and
evaluations: levels, one per township or year, and the field each refusal names."""

import pytest

from orgs.models import BrandProject, Evaluation, Federation, IncubationCentre, ObservationPoint
from tests.orgs.factories import make_evaluation, make_federation, make_org

pytestmark = pytest.mark.django_db


def test_one_federation_per_township(api, tree, actors):
    make_federation(tree.town_a1)

    response = api(actors.county_admin).post(
        "/api/v1/federations/",
        {"name": "第二个联合会", "township": tree.town_a1.code},
        format="json",
    )

    assert response.status_code == 400
    assert response.json() == {"township": ["This township already has a federation."]}
    assert Federation.objects.count() == 1


def test_a_federation_belongs_to_a_township(api, tree, actors):
    response = api(actors.county_admin).post(
        "/api/v1/federations/", {"name": "区联合会", "township": tree.county_a.code}, format="json"
    )

    assert (response.status_code, response.json()) == (
        400,
        {"township": ["Choose a township / street, not a county."]},
    )
    assert Federation.objects.count() == 0


def test_a_federation_with_members_does_not_move(api, tree, actors):
    federation = make_federation(tree.town_a1)
    make_org(tree.comm_a1_urban, federation=federation)

    response = api(actors.county_admin).patch(
        f"/api/v1/federations/{federation.pk}/", {"township": tree.town_a2.code}, format="json"
    )

    assert (response.status_code, response.json()) == (
        400,
        {"township": ["The federation has members; it cannot move to another township."]},
    )
    assert Federation.objects.get().township == tree.town_a1


def test_the_federation_counts_its_members(api, tree, actors):
    federation = make_federation(tree.town_a1)
    make_org(tree.comm_a1_urban, federation=federation)
    make_org(tree.comm_a1_rural, federation=federation, status="dormant")

    body = api(actors.county_admin).get(f"/api/v1/federations/{federation.pk}/").json()
    members = api(actors.county_admin).get(f"/api/v1/orgs/?federation={federation.pk}").json()

    assert (body["member_total"], body["active_member_total"], members["count"]) == (2, 1, 2)


@pytest.mark.parametrize(
    ("_case", "area", "accepted"),
    [("county", "county_a", True), ("township", "town_a1", True), ("community", "comm_a2", False)],
)
def test_an_incubation_centre_is_at_county_or_township_level(
    api, tree, actors, _case, area, accepted
):
    response = api(actors.county_admin).post(
        "/api/v1/incubators/",
        {"name": "培育发展服务中心", "area": getattr(tree, area).code, "operator": "阳光社工"},
        format="json",
    )

    if accepted:
        assert (response.status_code, response.json()["incubated_total"]) == (201, 0)
        assert IncubationCentre.objects.get().area == getattr(tree, area)
    else:
        assert (response.status_code, response.json()) == (
            400,
            {"area": ["Choose a county or township / street, not a community / village."]},
        )
        assert IncubationCentre.objects.count() == 0


def test_an_observation_point_is_a_township_or_community(api, tree, actors):
    county = api(actors.county_admin).post(
        "/api/v1/observation-points/",
        {"area": tree.county_a.code, "designated_year": 2021},
        format="json",
    )
    community = api(actors.county_admin).post(
        "/api/v1/observation-points/",
        {"area": tree.comm_a2.code, "designated_year": 2021, "focus": "农村社区试点"},
        format="json",
    )

    assert (county.status_code, county.json()) == (
        400,
        {"area": ["Choose a township / street or community / village, not a county."]},
    )
    assert community.status_code == 201
    assert list(ObservationPoint.objects.values_list("area__code", "designated_year")) == [
        ("150602002001", 2021)
    ]


def test_brand_projects_are_unique_per_organisation(api, tree, actors):
    org = make_org(tree.comm_a1_urban, brand_year=2023)
    client = api(actors.county_admin)

    first = client.post(
        "/api/v1/brand-projects/",
        {"organisation": org.pk, "name": "邻里守望", "year": 2024},
        format="json",
    )
    again = client.post(
        "/api/v1/brand-projects/",
        {"organisation": org.pk, "name": "邻里守望", "year": 2025},
        format="json",
    )
    future = client.post(
        "/api/v1/brand-projects/",
        {"organisation": org.pk, "name": "未来项目", "year": 2099},
        format="json",
    )

    assert (first.status_code, first.json()["community"]) == (201, "150602001001")
    assert (again.status_code, again.json()) == (
        400,
        {"name": ["This organisation already has a project with this name."]},
    )
    assert (future.status_code, future.json()) == (400, {"year": ["The year is in the future."]})
    assert list(BrandProject.objects.values_list("name", "year")) == [("邻里守望", 2024)]


def test_one_evaluation_per_organisation_and_year_with_a_score_to_100(api, tree, actors):
    org = make_org(tree.comm_a1_urban)
    make_evaluation(org, year=2024, score=85)
    client = api(actors.township_admin)

    again = client.post(
        "/api/v1/evaluations/", {"organisation": org.pk, "year": 2024, "score": 90}, format="json"
    )
    too_high = client.post(
        "/api/v1/evaluations/", {"organisation": org.pk, "year": 2023, "score": 101}, format="json"
    )
    recorded = client.post(
        "/api/v1/evaluations/",
        {"organisation": org.pk, "year": 2023, "score": 77, "remarks": "服务居民积极"},
        format="json",
    )

    assert (again.status_code, again.json()) == (
        400,
        {"year": ["This organisation is already evaluated for this year."]},
    )
    assert (too_high.status_code, list(too_high.json())) == (400, ["score"])
    assert (recorded.status_code, recorded.json()["evaluated_by"]) == (201, "town_a1_admin")
    assert list(Evaluation.objects.order_by("year").values_list("year", "score")) == [
        (2023, 77),
        (2024, 85),
    ]


def test_the_admin_refuses_a_federation_above_township_level(client, tree, actors):
    client.force_login(actors.county_admin)

    response = client.post(
        "/admin/orgs/federation/add/",
        {
            "name": "区联合会",
            "township": tree.county_a.pk,
            "founded_on": "",
            "credit_code": "",
            "members-TOTAL_FORMS": "0",
            "members-INITIAL_FORMS": "0",
            "members-MIN_NUM_FORMS": "0",
            "members-MAX_NUM_FORMS": "0",
        },
    )

    assert response.context["adminform"].form.errors == {
        "township": ["Choose a township / street, not a county."]
    }
    assert Federation.objects.count() == 0
