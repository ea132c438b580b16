"""Continuing-education hours against the requirement, per registration period."""

import datetime
from decimal import Decimal

import pytest

from talent.models import Certificate, Registration
from talent.selectors import registrations_with_hours
from tests.talent.factories import (
    attend,
    make_certificate,
    make_registration,
    make_training,
    make_worker,
)

pytestmark = pytest.mark.django_db

PERIOD_START = datetime.date(2021, 3, 1)


def registration_with_hours(area, level, hours: int) -> Registration:
    """A period starting PERIOD_START with `hours` of training in it (and 40 more outside it)."""
    worker = make_worker(area)
    certificate = make_certificate(worker, level, obtained_on=datetime.date(2020, 9, 12))
    registration = make_registration(certificate, PERIOD_START)
    attend(make_training(area, held_on=datetime.date(2022, 5, 10), hours=hours), worker)
    attend(make_training(area, held_on=datetime.date(2020, 12, 1), hours=40), worker)
    return registration


@pytest.mark.parametrize(
    ("_case", "level", "hours", "met", "short"),
    [
        ("assistant_exactly_the_requirement", Certificate.Level.ASSISTANT, 72, True, "0.0"),
        ("assistant_one_hour_less", Certificate.Level.ASSISTANT, 71, False, "1.0"),
        ("intermediate_exactly_the_requirement", Certificate.Level.INTERMEDIATE, 90, True, "0.0"),
        ("intermediate_one_hour_less", Certificate.Level.INTERMEDIATE, 89, False, "1.0"),
        ("assistant_above_the_requirement", Certificate.Level.ASSISTANT, 100, True, "0.0"),
    ],
)
def test_hours_are_met_from_exactly_the_requirement(
    api, tree, actors, _case, level, hours, met, short
):
    registration = registration_with_hours(tree.comm_a1_urban, level, hours)

    annotated = registrations_with_hours().get(pk=registration.pk)
    body = api(actors.county_admin).get(f"/api/v1/registrations/{registration.pk}/").json()

    assert (annotated.education_hours_met, annotated.education_hours_short) == (
        met,
        Decimal(short),
    )
    assert (body["continuing_hours"], body["education_hours_met"]) == (f"{hours}.0", met)
    assert body["education_hours_short"] == short


def test_the_requirement_follows_the_setting(api, tree, actors, settings):
    settings.TALENT_CONTINUING_EDUCATION_HOURS = {"assistant": 60}
    registration = registration_with_hours(tree.comm_a1_urban, Certificate.Level.ASSISTANT, 60)

    body = api(actors.county_admin).get(f"/api/v1/registrations/{registration.pk}/").json()

    assert (body["required_hours"], body["education_hours_met"]) == ("60", True)
    assert body["education_hours_short"] == "0.0"


def test_the_certificate_lists_each_periods_result(api, tree, actors):
    registration = registration_with_hours(tree.comm_a1_urban, Certificate.Level.ASSISTANT, 71)

    body = (
        api(actors.county_admin).get(f"/api/v1/certificates/{registration.certificate_id}/").json()
    )

    assert [
        (period["id"], period["education_hours_met"], period["education_hours_short"])
        for period in body["registrations"]
    ] == [(registration.pk, False, "1.0")]


def test_the_api_filters_periods_short_of_hours(api, tree, actors):
    short = registration_with_hours(tree.comm_a1_urban, Certificate.Level.ASSISTANT, 71)
    met = registration_with_hours(tree.comm_a2, Certificate.Level.ASSISTANT, 72)
    client = api(actors.county_admin)

    short_ids = [
        row["id"]
        for row in client.get("/api/v1/registrations/?education_hours_met=false").json()["results"]
    ]
    met_ids = [
        row["id"]
        for row in client.get("/api/v1/registrations/?education_hours_met=true").json()["results"]
    ]

    assert (short_ids, met_ids) == ([short.pk], [met.pk])


def test_the_admin_filter_lists_certificates_short_of_hours(client, tree, actors):
    short = registration_with_hours(tree.comm_a1_urban, Certificate.Level.ASSISTANT, 71)
    registration_with_hours(tree.comm_a2, Certificate.Level.ASSISTANT, 72)
    cancelled = registration_with_hours(tree.comm_a2, Certificate.Level.ASSISTANT, 10)
    Registration.objects.filter(pk=cancelled.pk).update(status=Registration.Status.CANCELLED)
    client.force_login(actors.county_admin)

    response = client.get("/admin/talent/certificate/?hours=short")
    unfiltered = client.get("/admin/talent/certificate/")

    assert response.status_code == 200
    assert [c.pk for c in response.context["cl"].result_list] == [short.certificate_id]
    assert len(unfiltered.context["cl"].result_list) == 3
