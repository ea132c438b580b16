"""The yearly evaluation (评估评议) of an organisation is recorded by its community or township
only: a county or city administrator reaches the organisation but is refused, and nothing is saved."""

from django.core.exceptions import ValidationError

import pytest

from orgs import services
from orgs.models import Evaluation
from stations.roles import Role
from tests.factories import make_user
from tests.orgs.factories import make_evaluation, make_org

pytestmark = pytest.mark.django_db

REFUSAL = "Only the organisation's community (巴音孟克社区) or its township evaluates it."


@pytest.fixture
def org(tree):
    return make_org(tree.comm_a1_urban, name="巴音孟克社区夕阳红志愿服务队")


def community_admin(tree):
    return make_user("bayin_admin", area=tree.comm_a1_urban, role=Role.ADMINISTRATOR)


@pytest.mark.parametrize(
    ("_case", "actor", "username"),
    [
        ("community", None, "bayin_admin"),
        ("township", "township_admin", "town_a1_admin"),
        ("superuser", "superuser", "root"),
    ],
)
def test_the_community_its_township_or_a_superuser_evaluates(
    tree, actors, org, _case, actor, username
):
    user = community_admin(tree) if actor is None else getattr(actors, actor)

    services.evaluation_save(
        actor=user, evaluation=Evaluation(organisation=org, year=2024, score=88)
    )

    assert list(
        Evaluation.objects.values_list("organisation_id", "year", "score", "evaluated_by__username")
    ) == [(org.pk, 2024, 88, username)]


@pytest.mark.parametrize(("_case", "actor"), [("county", "county_admin"), ("city", "city_admin")])
def test_a_higher_level_is_refused_by_the_service(tree, actors, org, _case, actor):
    with pytest.raises(ValidationError) as raised:
        services.evaluation_save(
            actor=getattr(actors, actor),
            evaluation=Evaluation(organisation=org, year=2024, score=88),
        )

    assert raised.value.message_dict == {"organisation": [REFUSAL]}
    assert raised.value.error_dict["organisation"][0].code == "not_evaluator"
    assert Evaluation.objects.count() == 0


def test_another_townships_administrator_is_refused(tree, actors):
    other = make_org(tree.comm_a2, name="宝日陶亥社区邻里互助会")

    with pytest.raises(ValidationError) as raised:
        services.evaluation_save(
            actor=actors.township_admin,
            evaluation=Evaluation(organisation=other, year=2024, score=70),
        )

    assert list(raised.value.message_dict) == ["organisation"]
    assert Evaluation.objects.count() == 0


def test_a_county_administrator_is_refused_by_the_api(api, actors, org):
    response = api(actors.county_admin).post(
        "/api/v1/evaluations/", {"organisation": org.pk, "year": 2024, "score": 90}, format="json"
    )

    assert (response.status_code, response.json()) == (400, {"organisation": [REFUSAL]})
    assert Evaluation.objects.count() == 0


def test_a_county_administrator_cannot_change_a_stored_evaluation(api, actors, org):
    evaluation = make_evaluation(org, year=2024, score=80, remarks="按时参加活动")
    before = Evaluation.objects.filter(pk=evaluation.pk).values().get()

    response = api(actors.county_admin).patch(
        f"/api/v1/evaluations/{evaluation.pk}/", {"score": 40}, format="json"
    )

    assert (response.status_code, response.json()) == (400, {"organisation": [REFUSAL]})
    assert Evaluation.objects.filter(pk=evaluation.pk).values().get() == before


def admin_form(org) -> dict:
    return {"organisation": org.pk, "year": 2024, "score": 75, "remarks": "积极"}


def test_the_admin_shows_the_refusal_on_the_form(client, actors, org):
    client.force_login(actors.county_admin)

    response = client.post("/admin/orgs/evaluation/add/", admin_form(org))

    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {"organisation": [REFUSAL]}
    assert Evaluation.objects.count() == 0


def test_the_township_records_an_evaluation_in_the_admin(client, actors, org):
    client.force_login(actors.township_admin)

    response = client.post("/admin/orgs/evaluation/add/", admin_form(org))

    assert response.status_code == 302
    assert list(Evaluation.objects.values_list("score", "evaluated_by__username")) == [
        (75, "town_a1_admin")
    ]
