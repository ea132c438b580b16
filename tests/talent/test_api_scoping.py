"""Every talent endpoint is scoped: a county reaches its own subtree, another county's rows are
404 for read, update and delete, no area means nothing; list query counts stay flat."""

import datetime
from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext

import pytest

from stations.models import User
from talent.models import (
    Certificate,
    ExamEntry,
    IncentiveGrant,
    IncentivePolicy,
    Registration,
    Training,
    TrainingAttendance,
    Worker,
)
from tests.talent.factories import (
    attend,
    make_certificate,
    make_registration,
    make_training,
    make_worker,
)

pytestmark = pytest.mark.django_db

# endpoint, model, own rows of county A (workforce attributes), the other county's row, a change
ENDPOINTS = [
    ("workers", Worker, ["worker_a", "worker_a2"], "worker_b", {"name": "改名"}),
    ("certificates", Certificate, ["certificate_a"], "certificate_b", {"number": "Z1"}),
    ("registrations", Registration, ["registration_a"], "registration_b", {"status": "cancelled"}),
    ("trainings", Training, ["training_a"], "training_b", {"topic": "改名"}),
    (
        "training-attendances",
        TrainingAttendance,
        ["attendance_a"],
        "attendance_b",
        {"hours": "1.0"},
    ),
    ("exam-entries", ExamEntry, ["exam_a"], "exam_b", {"passed": None}),
    ("incentive-policies", IncentivePolicy, ["policy_a"], "policy_b", {"name": "改名"}),
    ("incentive-grants", IncentiveGrant, ["grant_a"], "grant_b", {"amount": "1.00"}),
]
IDS = [endpoint[0] for endpoint in ENDPOINTS]


def ids(response) -> set[int]:
    return {row["id"] for row in response.json()["results"]}


@pytest.mark.parametrize(("endpoint", "model", "own", "other", "change"), ENDPOINTS, ids=IDS)
def test_a_county_lists_only_its_subtree(
    api, workforce, actors, endpoint, model, own, other, change
):
    response = api(actors.county_admin).get(f"/api/v1/{endpoint}/?page_size=100")
    assert response.status_code == 200
    assert ids(response) == {getattr(workforce, name).pk for name in own}


@pytest.mark.parametrize(("endpoint", "model", "own", "other", "change"), ENDPOINTS, ids=IDS)
def test_the_city_lists_both_counties(api, workforce, actors, endpoint, model, own, other, change):
    response = api(actors.city_admin).get(f"/api/v1/{endpoint}/?page_size=100")
    assert ids(response) >= {getattr(workforce, name).pk for name in [*own, other]}


@pytest.mark.parametrize(("endpoint", "model", "own", "other", "change"), ENDPOINTS, ids=IDS)
def test_a_user_without_an_area_sees_nothing(
    api, workforce, actors, endpoint, model, own, other, change
):
    response = api(actors.nobody).get(f"/api/v1/{endpoint}/")
    assert (response.status_code, response.json()["count"]) == (200, 0)


@pytest.mark.parametrize(("endpoint", "model", "own", "other", "change"), ENDPOINTS, ids=IDS)
def test_anonymous_is_refused(api, workforce, endpoint, model, own, other, change):
    assert api().get(f"/api/v1/{endpoint}/").status_code == 401


@pytest.mark.parametrize(("endpoint", "model", "own", "other", "change"), ENDPOINTS, ids=IDS)
def test_another_countys_row_is_not_found_and_unchanged(
    api, workforce, actors, endpoint, model, own, other, change
):
    row = getattr(workforce, other)
    before = model.objects.filter(pk=row.pk).values().get()
    client = api(actors.county_admin)
    url = f"/api/v1/{endpoint}/{row.pk}/"

    read, update, delete = (
        client.get(url),
        client.patch(url, change, format="json"),
        client.delete(url),
    )

    assert (read.status_code, update.status_code, delete.status_code) == (404, 404, 404)
    assert model.objects.filter(pk=row.pk).values().get() == before


@pytest.mark.parametrize(("endpoint", "model", "own", "other", "change"), ENDPOINTS, ids=IDS)
def test_an_unknown_pk_is_not_found(api, workforce, actors, endpoint, model, own, other, change):
    assert api(actors.superuser).get(f"/api/v1/{endpoint}/-1/").status_code == 404


@pytest.mark.parametrize(("endpoint", "model", "own", "other", "change"), ENDPOINTS, ids=IDS)
def test_an_administrator_changes_its_own_row(
    api, workforce, actors, endpoint, model, own, other, change
):
    row = getattr(workforce, own[0])
    response = api(actors.county_admin).patch(
        f"/api/v1/{endpoint}/{row.pk}/", change, format="json"
    )
    assert response.status_code == 200
    field, value = next(iter(change.items()))
    assert str(model.objects.filter(pk=row.pk).values_list(field, flat=True).get()) == str(value)


# --- creating rows that point at another county's rows ------------------------------------------


@pytest.mark.parametrize(
    ("_case", "endpoint", "data", "field"),
    [
        (
            "certificate_for_other_worker",
            "certificates",
            {
                "worker": "worker_b",
                "level": "assistant",
                "number": "N1",
                "obtained_on": "2020-09-12",
            },
            "worker",
        ),
        (
            "registration_of_other_certificate",
            "registrations",
            {"certificate": "certificate_b", "starts_on": "2025-03-01"},
            "certificate",
        ),
        (
            "training_in_other_county",
            "trainings",
            {
                "topic": "t",
                "organiser": "o",
                "held_on": "2024-01-01",
                "hours": "4",
                "area": "150603000000",
            },
            "area",
        ),
        (
            "attendance_of_other_worker",
            "training-attendances",
            {"training": "training_a", "worker": "worker_b"},
            "worker",
        ),
        (
            "attendance_at_other_training",
            "training-attendances",
            {"training": "training_b", "worker": "worker_a2"},
            "training",
        ),
        (
            "exam_entry_of_other_worker",
            "exam-entries",
            {"worker": "worker_b", "year": 2025, "level": "assistant"},
            "worker",
        ),
        (
            "policy_in_other_county",
            "incentive-policies",
            {"name": "p", "area": "150603000000", "kind": "award"},
            "area",
        ),
        (
            "grant_under_other_policy",
            "incentive-grants",
            {"policy": "policy_b", "worker": "worker_a2", "amount": "100"},
            "policy",
        ),
        (
            "grant_to_other_worker",
            "incentive-grants",
            {"policy": "policy_a", "worker": "worker_b", "amount": "100"},
            "worker",
        ),
    ],
)
def test_writes_naming_another_countys_rows_are_a_400_on_that_field(
    api, workforce, actors, _case, endpoint, data, field
):
    data = {
        key: getattr(workforce, value).pk
        if isinstance(value, str) and hasattr(workforce, value)
        else value
        for key, value in data.items()
    }
    counts = {model: model.objects.count() for _e, model, *_rest in ENDPOINTS}

    response = api(actors.county_admin).post(f"/api/v1/{endpoint}/", data, format="json")

    assert response.status_code == 400
    assert list(response.json()) == [field]
    assert {model: model.objects.count() for _e, model, *_rest in ENDPOINTS} == counts


# --- query counts ---------------------------------------------------------------------------------


def _more_workers(tree, workforce, number):
    worker = make_worker(tree.comm_a2, name=f"新人{number}")
    certificate = make_certificate(worker, Certificate.Level.INTERMEDIATE)
    make_registration(certificate, datetime.date(2021, 1, 1))
    make_registration(certificate, datetime.date(2024, 1, 1))


def _more_registrations(tree, workforce, number):
    make_registration(workforce.certificate_a, datetime.date(2030 + 3 * number, 1, 1))


def _more_trainings(tree, workforce, number):
    attend(
        make_training(tree.county_a, held_on=datetime.date(2024, 1, 1 + number)), workforce.worker_a
    )


def _more_exam_entries(tree, workforce, number):
    ExamEntry.objects.create(worker=workforce.worker_a, year=2010 + number, level="assistant")


def _more_policies(tree, workforce, number):
    policy = IncentivePolicy.objects.create(area=tree.county_a, name=f"政策{number}", kind="award")
    IncentiveGrant.objects.create(
        policy=policy,
        worker=workforce.worker_a,
        amount=Decimal(100),
        granted_on=datetime.date(2024, 1, 1),
    )


GROWERS = {
    "workers": _more_workers,
    "certificates": _more_workers,
    "registrations": _more_registrations,
    "trainings": _more_trainings,
    "training-attendances": _more_trainings,
    "exam-entries": _more_exam_entries,
    "incentive-policies": _more_policies,
    "incentive-grants": _more_policies,
}


@pytest.mark.parametrize("endpoint", list(GROWERS))
def test_list_query_count_does_not_grow_with_rows(api, tree, workforce, actors, endpoint):
    def fetch():
        client = api(User.objects.get(pk=actors.county_admin.pk))
        with CaptureQueriesContext(connection) as queries:
            response = client.get(f"/api/v1/{endpoint}/?page_size=100")
        return response.json()["count"], len(queries.captured_queries)

    rows_before, queries_before = fetch()
    for number in range(4):
        GROWERS[endpoint](tree, workforce, number)
    rows_after, queries_after = fetch()

    assert rows_after >= rows_before + 4
    assert queries_after == queries_before


@pytest.mark.parametrize(("endpoint", "model", "own", "other", "change"), ENDPOINTS, ids=IDS)
def test_contractors_have_no_access(api, workforce, actors, endpoint, model, own, other, change):
    assert api(actors.contractor).get(f"/api/v1/{endpoint}/").status_code == 403
