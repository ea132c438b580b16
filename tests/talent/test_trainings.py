"""Trainings organised above the actor's area: read and attended by the actor's own workers."""

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError

import pytest

from talent import services
from talent.models import TrainingAttendance
from tests.talent.factories import attend, make_training, make_worker

pytestmark = pytest.mark.django_db


@pytest.fixture
def city_training(tree, workforce):
    """A city training already attended by county B's worker."""
    training = make_training(
        tree.city, held_on=datetime.date(2023, 7, 1), hours=12, topic="市级培训"
    )
    attend(training, workforce.worker_b)
    return training


def ids(response) -> list[int]:
    return sorted(row["id"] for row in response.json()["results"])


@pytest.mark.parametrize(
    ("_case", "actor", "expected"),
    [
        ("county_sees_its_own_and_the_citys", "county_admin", ["city", "training_a"]),
        ("township_sees_its_countys_and_the_citys", "township_admin", ["city", "training_a"]),
        ("other_county_sees_its_own_and_the_citys", "other_county_admin", ["city", "training_b"]),
        ("the_city_sees_its_subtree", "city_admin", ["city", "training_a", "training_b"]),
    ],
)
def test_attendable_trainings_include_those_organised_above(
    api, workforce, city_training, actors, _case, actor, expected
):
    trainings = {
        "city": city_training.pk,
        "training_a": workforce.training_a.pk,
        "training_b": workforce.training_b.pk,
    }

    response = api(getattr(actors, actor)).get("/api/v1/trainings/attendable/")

    assert response.status_code == 200
    assert ids(response) == sorted(trainings[name] for name in expected)


def test_attendable_trainings_count_only_attendees_in_reach(api, workforce, city_training, actors):
    attend(city_training, workforce.worker_a)

    county = api(actors.county_admin).get("/api/v1/trainings/attendable/").json()["results"]
    city = api(actors.city_admin).get("/api/v1/trainings/attendable/").json()["results"]

    assert {row["id"]: row["attendee_count"] for row in county}[city_training.pk] == 1
    assert {row["id"]: row["attendee_count"] for row in city}[city_training.pk] == 2


def test_a_county_records_its_worker_at_a_city_training(api, workforce, city_training, actors):
    response = api(actors.county_admin).post(
        "/api/v1/training-attendances/",
        {"training": city_training.pk, "worker": workforce.worker_a.pk},
        format="json",
    )

    assert response.status_code == 201
    attendance = TrainingAttendance.objects.get(training=city_training, worker=workforce.worker_a)
    assert (response.json()["id"], attendance.hours) == (attendance.pk, Decimal(12))


def test_a_township_records_its_worker_at_a_city_training_through_the_service(
    workforce, city_training, actors
):
    attendance = services.attendance_save(
        actor=actors.township_admin,
        attendance=TrainingAttendance(training=city_training, worker=workforce.worker_a),
    )

    assert TrainingAttendance.objects.get(pk=attendance.pk).hours == Decimal(12)


@pytest.mark.parametrize(
    ("_case", "training", "worker", "field"),
    [
        ("another_countys_training", "training_b", "worker_a", "training"),
        ("another_countys_worker_at_the_city_training", "city", "worker_b2", "worker"),
    ],
)
def test_attendance_outside_the_rule_is_refused(
    api, tree, workforce, city_training, actors, _case, training, worker, field
):
    trainings = {"city": city_training, "training_b": workforce.training_b}
    workers = {"worker_a": workforce.worker_a, "worker_b2": make_worker(tree.comm_b1)}
    before = TrainingAttendance.objects.count()

    response = api(actors.county_admin).post(
        "/api/v1/training-attendances/",
        {"training": trainings[training].pk, "worker": workers[worker].pk},
        format="json",
    )

    assert response.status_code == 400
    assert list(response.json()) == [field]
    assert TrainingAttendance.objects.count() == before


def test_the_service_refuses_a_sibling_countys_training(workforce, actors):
    with pytest.raises(ValidationError) as refused:
        services.attendance_save(
            actor=actors.county_admin,
            attendance=TrainingAttendance(training=workforce.training_b, worker=workforce.worker_a),
        )

    assert list(refused.value.message_dict) == ["training"]
    assert TrainingAttendance.objects.filter(worker=workforce.worker_a).count() == 1


@pytest.mark.parametrize(
    ("_case", "method", "data"),
    [("read", "get", None), ("change", "patch", {"topic": "改名"}), ("delete", "delete", None)],
)
def test_the_city_training_itself_stays_the_citys(
    api, workforce, city_training, actors, _case, method, data
):
    client = api(actors.county_admin)

    response = getattr(client, method)(
        f"/api/v1/trainings/{city_training.pk}/", data, format="json"
    )

    assert response.status_code == 404
    city_training.refresh_from_db()
    assert (city_training.topic, city_training.attendances.count()) == ("市级培训", 1)


def test_the_county_lists_its_attendance_at_the_city_training_only(
    api, workforce, city_training, actors
):
    attend(city_training, workforce.worker_a)

    response = api(actors.county_admin).get(
        f"/api/v1/training-attendances/?training={city_training.pk}"
    )

    assert [row["worker"] for row in response.json()["results"]] == [workforce.worker_a.pk]
