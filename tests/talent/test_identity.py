"""Resident ID numbers: validation through the service and the API; birth date and gender."""

import datetime

from django.core.exceptions import ValidationError

import pytest

from stations.validators import id_number_check_character
from talent import services
from talent.models import Worker
from tests.talent.factories import make_id_number

pytestmark = pytest.mark.django_db

VALID = make_id_number(datetime.date(1990, 2, 28), serial=123)
WRONG_CHECK = VALID[:17] + ("0" if VALID[17] != "0" else "1")
IMPOSSIBLE_DATE = "15060219900230123" + id_number_check_character("15060219900230123")
BAD_IDS = [
    ("wrong_check_digit", WRONG_CHECK, "The check digit of this resident ID number is wrong."),
    (
        "impossible_date",
        IMPOSSIBLE_DATE,
        "The birth date in this resident ID number does not exist.",
    ),
    ("too_short", VALID[:17], "A resident ID number has 18 characters."),
    ("too_long", VALID + "1", "A resident ID number has 18 characters."),
    (
        "letters",
        "15060219900228A23X",
        "A resident ID number is 17 digits followed by a digit or X.",
    ),
]


def new_worker(tree, id_number: str) -> Worker:
    return Worker(
        name="刘洋",
        id_number=id_number,
        phone="13812345678",
        education=Worker.Education.COLLEGE,
        major=Worker.Major.SOCIAL_WORK,
        post=Worker.Post.STATION_STAFF,
        area=tree.town_a1,
    )


def payload(tree, id_number: str) -> dict:
    return {
        "name": "刘洋",
        "id_number": id_number,
        "phone": "13812345678",
        "education": "college",
        "major": "social_work",
        "post": "station_staff",
        "area": tree.town_a1.code,
    }


def test_a_valid_number_is_saved_with_birth_date_and_gender(tree, actors):
    worker = services.worker_save(actor=actors.county_admin, worker=new_worker(tree, VALID))

    stored = Worker.objects.get(pk=worker.pk)
    assert (stored.id_number, stored.birth_date, stored.gender) == (
        VALID,
        datetime.date(1990, 2, 28),
        Worker.Gender.MALE,
    )


@pytest.mark.parametrize(
    ("_case", "serial", "gender"),
    [("odd_is_male", 1, "male"), ("even_is_female", 2, "female"), ("zero_is_female", 0, "female")],
)
def test_gender_follows_the_17th_digit(tree, actors, _case, serial, gender):
    id_number = make_id_number(datetime.date(1975, 12, 31), serial=serial)
    worker = services.worker_save(actor=actors.county_admin, worker=new_worker(tree, id_number))
    assert (worker.gender, worker.birth_date) == (gender, datetime.date(1975, 12, 31))


def test_a_lower_case_check_character_and_spaces_are_normalised(tree, actors):
    first17 = "15060219850101000"
    assert id_number_check_character(first17) == "X"
    typed = f" {first17[:6]} {first17[6:]}x "

    worker = services.worker_save(actor=actors.county_admin, worker=new_worker(tree, typed))

    assert Worker.objects.get(pk=worker.pk).id_number == first17 + "X"


@pytest.mark.parametrize(("_case", "id_number", "message"), BAD_IDS)
def test_a_bad_number_is_refused_by_the_service(tree, actors, _case, id_number, message):
    with pytest.raises(ValidationError) as refused:
        services.worker_save(actor=actors.county_admin, worker=new_worker(tree, id_number))

    assert refused.value.message_dict == {"id_number": [message]}
    assert Worker.objects.count() == 0


@pytest.mark.parametrize(("_case", "id_number", "message"), BAD_IDS)
def test_a_bad_number_is_a_400_naming_the_field_in_the_api(
    api, tree, actors, _case, id_number, message
):
    response = api(actors.county_admin).post(
        "/api/v1/workers/", payload(tree, id_number), format="json"
    )

    assert response.status_code == 400
    assert response.json() == {"id_number": [message]}
    assert Worker.objects.count() == 0


def test_the_api_derives_birth_date_and_gender(api, tree, actors):
    id_number = make_id_number(datetime.date(2000, 2, 29), serial=58)

    response = api(actors.county_admin).post(
        "/api/v1/workers/", payload(tree, id_number), format="json"
    )

    assert response.status_code == 201
    body = response.json()
    assert (body["birth_date"], body["gender"], body["id_number"]) == (
        "2000-02-29",
        "female",
        id_number,
    )
    stored = Worker.objects.get(pk=body["id"])
    assert (stored.birth_date, stored.gender) == (datetime.date(2000, 2, 29), "female")


def test_a_bad_phone_is_refused(api, tree, actors):
    data = {**payload(tree, VALID), "phone": "12345"}
    response = api(actors.county_admin).post("/api/v1/workers/", data, format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["phone"]
    assert Worker.objects.count() == 0


@pytest.mark.parametrize(("_case", "id_number", "message"), BAD_IDS)
def test_the_model_field_validates_the_number(tree, _case, id_number, message):
    worker = new_worker(tree, id_number)
    worker.birth_date, worker.gender = datetime.date(1990, 2, 28), Worker.Gender.MALE

    with pytest.raises(ValidationError) as refused:
        worker.full_clean(validate_constraints=False)

    assert message in refused.value.message_dict["id_number"]
    assert Worker.objects.count() == 0
