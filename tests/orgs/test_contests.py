"""Venture-philanthropy contests: applications from the contest's area, the budget cap (with the
row lock that keeps two approvals from both fitting), and decisions that stay decided."""

import threading
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import connection

import pytest

from orgs import services
from orgs.models import CommunityOrg, Contest, ContestApplication
from tests.orgs.factories import make_application, make_contest, make_org

pytestmark = pytest.mark.django_db


@pytest.fixture
def contest(tree):
    return make_contest(tree.county_a, budget="100000")


def statuses(contest) -> list[tuple[str, Decimal | None]]:
    return list(contest.applications.order_by("pk").values_list("status", "funded_amount"))


def test_funding_stops_at_the_budget(tree, actors, contest):
    first = make_application(contest, make_org(tree.comm_a1_urban), requested="60000")
    second = make_application(contest, make_org(tree.comm_a2), requested="50000")
    third = make_application(contest, make_org(tree.comm_a1_rural), requested="40000")

    services.application_fund(actor=actors.county_admin, application=first, amount=Decimal("60000"))
    with pytest.raises(ValidationError) as raised:
        services.application_fund(
            actor=actors.county_admin, application=second, amount=Decimal("50000")
        )
    services.application_fund(actor=actors.county_admin, application=third, amount=Decimal("40000"))

    assert raised.value.message_dict == {
        "funded_amount": [
            "Funding 50000.00 yuan would exceed the contest budget of 100000.00 yuan: "
            "60000.00 yuan is already funded, 40000.00 yuan is left."
        ]
    }
    assert statuses(contest) == [
        ("funded", Decimal("60000.00")),
        ("submitted", None),
        ("funded", Decimal("40000.00")),
    ]


def test_funding_more_than_requested_is_refused(tree, actors, contest):
    application = make_application(contest, make_org(tree.comm_a1_urban), requested="10000")

    with pytest.raises(ValidationError) as raised:
        services.application_fund(
            actor=actors.county_admin, application=application, amount=Decimal("10000.01")
        )

    assert raised.value.message_dict == {
        "funded_amount": ["The amount is more than the 10000.00 yuan requested."]
    }
    assert statuses(contest) == [("submitted", None)]


def test_a_decided_application_stays_decided(tree, actors, contest):
    application = make_application(
        contest, make_org(tree.comm_a1_urban), requested="10000", project_name="助老项目"
    )
    services.application_reject(actor=actors.county_admin, application=application)

    with pytest.raises(ValidationError) as fund:
        services.application_fund(
            actor=actors.county_admin, application=application, amount=Decimal("100")
        )
    application.project_name = "改名"
    with pytest.raises(ValidationError) as edit:
        services.application_save(actor=actors.county_admin, application=application)

    assert fund.value.message_dict == {"status": ["This application is already decided."]}
    assert edit.value.message_dict == {
        "status": ["This application is already decided; it cannot be changed."]
    }
    stored = ContestApplication.objects.get(pk=application.pk)
    assert (stored.status, stored.project_name, stored.decided_by) == (
        "rejected",
        "助老项目",
        actors.county_admin,
    )


def test_the_budget_cannot_drop_below_what_is_funded(tree, actors, contest):
    application = make_application(contest, make_org(tree.comm_a1_urban), requested="60000")
    services.application_fund(
        actor=actors.county_admin, application=application, amount=Decimal("60000")
    )
    contest.budget = Decimal("59999")

    with pytest.raises(ValidationError) as raised:
        services.contest_save(actor=actors.county_admin, contest=contest)

    assert raised.value.message_dict == {
        "budget": ["60000.00 yuan is already funded; the budget cannot be lower."]
    }
    assert Contest.objects.get(pk=contest.pk).budget == Decimal("100000.00")


def test_only_active_organisations_of_the_area_apply(tree, actors):
    township_contest = make_contest(tree.town_a1)
    outside = ContestApplication(
        contest=township_contest,
        organisation=make_org(tree.comm_a2),
        project_name="项目",
        requested_amount=Decimal("1000"),
    )
    dormant = ContestApplication(
        contest=township_contest,
        organisation=make_org(tree.comm_a1_urban, status=CommunityOrg.Status.DORMANT),
        project_name="项目",
        requested_amount=Decimal("1000"),
    )

    with pytest.raises(ValidationError) as outside_error:
        services.application_save(actor=actors.county_admin, application=outside)
    with pytest.raises(ValidationError) as dormant_error:
        services.application_save(actor=actors.county_admin, application=dormant)

    assert outside_error.value.message_dict == {
        "organisation": ["The organisation is not in the area holding the contest."]
    }
    assert dormant_error.value.message_dict == {
        "organisation": ["Only an active organisation can apply."]
    }
    assert ContestApplication.objects.count() == 0


def test_a_contest_is_held_by_a_township_or_above(tree, actors):
    contest = Contest(area=tree.comm_a2, year=2025, name="社区创投", budget=Decimal("1000"))

    with pytest.raises(ValidationError) as raised:
        services.contest_save(actor=actors.county_admin, contest=contest)

    assert raised.value.message_dict == {
        "area": ["A contest is held by a township or a higher level, not by a community."]
    }


def test_one_contest_per_area_and_year(tree, actors, contest):
    again = Contest(area=tree.county_a, year=2025, name="第二个", budget=Decimal("1"))

    with pytest.raises(ValidationError) as raised:
        services.contest_save(actor=actors.county_admin, contest=again)

    assert raised.value.message_dict == {
        "year": ["This area already holds a contest in this year."]
    }
    assert Contest.objects.count() == 1


# API ---------------------------------------------------------------------------------------------


def test_the_api_funds_until_the_budget_and_explains_the_refusal(api, tree, actors, contest):
    first = make_application(contest, make_org(tree.comm_a1_urban), requested="70000")
    second = make_application(contest, make_org(tree.comm_a2), requested="40000")
    client = api(actors.county_admin)

    funded = client.post(
        f"/api/v1/contest-applications/{first.pk}/fund/", {"funded_amount": "70000"}, format="json"
    )
    refused = client.post(
        f"/api/v1/contest-applications/{second.pk}/fund/",
        {"funded_amount": "40000"},
        format="json",
    )
    listed = client.get(f"/api/v1/contests/{contest.pk}/")

    assert (funded.status_code, funded.json()["status"]) == (200, "funded")
    assert refused.status_code == 400
    assert refused.json() == {
        "funded_amount": [
            "Funding 40000.00 yuan would exceed the contest budget of 100000.00 yuan: "
            "70000.00 yuan is already funded, 30000.00 yuan is left."
        ]
    }
    assert {k: listed.json()[k] for k in ("funded_total", "remaining", "application_total")} == {
        "funded_total": "70000.00",
        "remaining": "30000.00",
        "application_total": 2,
    }
    assert statuses(contest) == [("funded", Decimal("70000.00")), ("submitted", None)]


def test_a_reviewer_cannot_fund(api, tree, actors, contest):
    application = make_application(contest, make_org(tree.comm_a1_urban))

    response = api(actors.reviewer).post(
        f"/api/v1/contest-applications/{application.pk}/fund/",
        {"funded_amount": "100"},
        format="json",
    )

    assert response.status_code == 403
    assert statuses(contest) == [("submitted", None)]


def test_the_api_rejects_and_the_rejection_cannot_be_edited(api, tree, actors, contest):
    application = make_application(contest, make_org(tree.comm_a1_urban))
    client = api(actors.county_admin)

    rejected = client.post(f"/api/v1/contest-applications/{application.pk}/reject/")
    edited = client.patch(
        f"/api/v1/contest-applications/{application.pk}/", {"score": "90"}, format="json"
    )

    assert (rejected.status_code, rejected.json()["decided_by"]) == (200, "county_a_admin")
    assert edited.status_code == 400
    assert ContestApplication.objects.get(pk=application.pk).score is None


def test_the_api_scores_an_undecided_application(api, tree, actors, contest):
    application = make_application(contest, make_org(tree.comm_a1_urban))

    response = api(actors.county_admin).patch(
        f"/api/v1/contest-applications/{application.pk}/", {"score": "88.5"}, format="json"
    )
    too_high = api(actors.county_admin).patch(
        f"/api/v1/contest-applications/{application.pk}/", {"score": "100.5"}, format="json"
    )

    assert (response.status_code, response.json()["score"]) == (200, "88.50")
    assert (too_high.status_code, list(too_high.json())) == (400, ["score"])
    assert ContestApplication.objects.get(pk=application.pk).score == Decimal("88.50")


def test_the_admin_funds_the_selected_at_the_requested_amount(client, tree, actors, contest):
    first = make_application(contest, make_org(tree.comm_a1_urban), requested="80000", score=90)
    second = make_application(contest, make_org(tree.comm_a2), requested="30000", score=80)
    client.force_login(actors.county_admin)

    client.post(
        "/admin/orgs/contestapplication/",
        {"action": "fund_requested", "_selected_action": [first.pk, second.pk]},
    )

    # The higher score is funded first; the second no longer fits and stays undecided.
    assert statuses(contest) == [("funded", Decimal("80000.00")), ("submitted", None)]


# Concurrency -------------------------------------------------------------------------------------


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite has no row locks; it serialises all writes"
)
# Not serialized_rollback: the role groups come back after every flush (post_migrate), and
# reloading the serialized ones then collides with them on their names (auth_group_name_key),
# when a plain transactional test has run before this one.
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_approvals_cannot_both_fit(tree, actors):
    contest = make_contest(tree.county_a, budget="100000")
    first = make_application(contest, make_org(tree.comm_a1_urban), requested="60000")
    second = make_application(contest, make_org(tree.comm_a2), requested="60000")
    start = threading.Barrier(2)
    outcomes: list[str] = []

    def approve(application):
        try:
            start.wait()
            services.application_fund(
                actor=actors.county_admin, application=application, amount=Decimal("60000")
            )
            outcomes.append("funded")
        except ValidationError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=approve, args=(app,)) for app in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["funded", "refused"]
    assert contest.applications.filter(status="funded").count() == 1
