"""Filtering by area finds the people who serve it: kept there or linked to it. 赵敏 is kept by
康巴什区 (康城社区) and linked to 交通街道 of 东胜区; 王芳 is kept in 交通街道's 巴音孟克社区 and
李强 in 公园街道."""

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

import pytest

from talent.models import IncentiveGrant
from talent.services import grant_save, worker_link
from tests.talent.factories import make_worker

pytestmark = pytest.mark.django_db


@pytest.fixture
def linked(tree, workforce, actors):
    worker_link(actor=actors.county_admin, worker=workforce.worker_b, area=tree.town_a1)
    return workforce


def names(response) -> list[str]:
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == len(body["results"])  # each person once
    return sorted(row["name"] for row in body["results"])


@pytest.mark.parametrize(
    ("_case", "actor", "query", "expected"),
    [
        ("county_within_linked_township", "county_admin", "within=150602001000", ["王芳", "赵敏"]),
        ("county_within_other_township", "county_admin", "within=150602002000", ["李强"]),
        (
            "county_within_own_county",
            "county_admin",
            "within=150602000000",
            ["李强", "王芳", "赵敏"],
        ),
        # 赵敏 is reached through the link and kept in 康巴什区: listed there too, nobody else.
        ("county_within_keeping_county", "county_admin", "within=150603000000", ["赵敏"]),
        ("city_within_county", "city_admin", "within=150602000000", ["李强", "王芳", "赵敏"]),
        (
            "keeping_county_within_linked_area",
            "other_county_admin",
            "within=150602001000",
            ["赵敏"],
        ),
        ("city_area_linked", "city_admin", "area=150602001000", ["赵敏"]),
        ("city_area_own", "city_admin", "area=150603001001", ["赵敏"]),
        ("city_area_of_nobody", "city_admin", "area=150602002001", []),
        ("township_area_linked", "township_admin", "area=150602001000", ["赵敏"]),
    ],
)
def test_worker_api_filters_list_linked_people_under_the_linked_area(
    api, actors, linked, _case, actor, query, expected
):
    assert names(api(getattr(actors, actor)).get(f"/api/v1/workers/?{query}")) == expected


def test_an_unlinked_person_is_not_listed_under_the_other_county(api, actors, workforce):
    response = api(actors.city_admin).get("/api/v1/workers/?within=150602001000")
    assert names(response) == ["王芳"]


@pytest.mark.parametrize(
    ("_case", "code", "expected"),
    [
        ("linked_township", "150602001000", ["王芳", "赵敏"]),
        ("other_township", "150602002000", ["李强"]),
    ],
)
def test_the_admin_within_filter_lists_linked_people(client, actors, linked, _case, code, expected):
    client.force_login(actors.county_admin)

    response = client.get("/admin/talent/worker/", {"within": code})

    assert response.status_code == 200
    assert sorted(w.name for w in response.context["cl"].result_list) == expected


def grant(policy, worker) -> IncentiveGrant:
    return IncentiveGrant(
        policy=policy,
        worker=worker,
        amount=Decimal(2000),
        granted_on=datetime.date(2025, 3, 1),
    )


def test_a_county_policy_covers_a_person_linked_to_the_county(actors, linked):
    saved = grant_save(actor=actors.county_admin, grant=grant(linked.policy_a, linked.worker_b))

    assert IncentiveGrant.objects.filter(policy=linked.policy_a).get().pk == saved.pk
    assert IncentiveGrant.objects.get(pk=saved.pk).worker_id == linked.worker_b.pk


def test_a_county_policy_does_not_cover_a_person_not_linked_to_it(actors, workforce):
    with pytest.raises(ValidationError) as refused:
        grant_save(actor=actors.city_admin, grant=grant(workforce.policy_a, workforce.worker_b))

    assert refused.value.message_dict == {
        "worker": ["This person works outside the area of the policy."]
    }
    assert IncentiveGrant.objects.filter(policy=workforce.policy_a).count() == 0


def test_the_linked_county_reaches_and_filters_the_grants_of_the_person(api, actors, linked):
    made = grant_save(actor=actors.county_admin, grant=grant(linked.policy_a, linked.worker_b))
    client = api(actors.county_admin)

    everything = client.get("/api/v1/incentive-grants/").json()
    township = client.get("/api/v1/incentive-grants/?within=150602001000").json()
    other = client.get("/api/v1/incentive-grants/?within=150602002000").json()

    assert sorted(row["id"] for row in everything["results"]) == sorted(
        [linked.grant_a.pk, linked.grant_b.pk, made.pk]
    )
    assert sorted(row["id"] for row in township["results"]) == sorted(
        [linked.grant_a.pk, linked.grant_b.pk, made.pk]
    )
    assert other["results"] == []
    # The keeping county sees the award its person got from the linked county.
    keeping = api(actors.other_county_admin).get("/api/v1/incentive-grants/").json()
    assert sorted(row["id"] for row in keeping["results"]) == sorted([linked.grant_b.pk, made.pk])


def test_the_admin_grant_filter_lists_grants_of_linked_people(client, actors, linked):
    client.force_login(actors.county_admin)

    response = client.get("/admin/talent/incentivegrant/", {"within": "150602001000"})

    assert response.status_code == 200
    assert sorted(g.pk for g in response.context["cl"].result_list) == sorted(
        [linked.grant_a.pk, linked.grant_b.pk]
    )


@pytest.mark.parametrize("query", ["within=150602001000", "area=150602001000"])
def test_the_filtered_list_costs_the_same_with_more_linked_people(api, tree, actors, query):
    def add(count: int) -> None:
        for index in range(count):
            worker = make_worker(tree.comm_b1, name=f"人{index}")
            worker_link(actor=actors.city_admin, worker=worker, area=tree.town_a1)
            worker_link(actor=actors.city_admin, worker=worker, area=tree.comm_a1_urban)

    def cost() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as queries:
            response = api(actors.county_admin).get(f"/api/v1/workers/?{query}")
        return len(queries), response.json()["count"]

    add(2)
    cost()  # the first request also loads the permissions
    few = cost()
    add(10)
    many = cost()

    assert (few[1], many[1]) == (2, 12)
    assert few[0] == many[0]
