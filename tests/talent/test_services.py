"""Registrations and continuing-education hours, attendance, exam entries, incentives, audit."""

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils import timezone

import pytest
from auditlog.models import LogEntry

from talent import services
from talent.models import (
    Certificate,
    ExamEntry,
    IncentiveGrant,
    Registration,
    Training,
    TrainingAttendance,
    Worker,
)
from tests.talent.factories import attend, make_certificate, make_registration, make_training

pytestmark = pytest.mark.django_db
D = datetime.date


def test_a_registration_lasts_three_years_by_default(workforce, actors):
    registration = services.registration_save(
        actor=actors.county_admin,
        registration=Registration(certificate=workforce.certificate_a, starts_on=D(2024, 3, 1)),
    )
    assert Registration.objects.get(pk=registration.pk).ends_on == D(2027, 2, 28)


@pytest.mark.parametrize(
    ("_case", "starts_on", "ends_on", "message"),
    [
        (
            "overlaps_the_first",
            D(2023, 3, 1),
            None,
            {"starts_on": ["This period overlaps another registration of the certificate."]},
        ),
        (
            "before_the_certificate",
            D(2020, 9, 11),
            D(2020, 12, 31),
            {"starts_on": ["A certificate is registered after it is obtained."]},
        ),
        (
            "longer_than_three_years",
            D(2024, 3, 1),
            D(2027, 3, 1),
            {"ends_on": ["A registration period lasts at most 3 years."]},
        ),
    ],
)
def test_a_bad_registration_period_is_refused(
    workforce, actors, _case, starts_on, ends_on, message
):
    with pytest.raises(ValidationError) as refused:
        services.registration_save(
            actor=actors.county_admin,
            registration=Registration(
                certificate=workforce.certificate_a, starts_on=starts_on, ends_on=ends_on
            ),
        )
    assert refused.value.message_dict == message
    assert Registration.objects.filter(certificate=workforce.certificate_a).count() == 1


def test_hours_count_in_the_registration_period_covering_the_training(api, tree, workforce, actors):
    # The first period is 2021-03-01 to 2024-02-29; the fixture's 16 hours are from 2023-05-10.
    attend(make_training(tree.county_a, held_on=D(2024, 2, 29), hours=6), workforce.worker_a)
    attend(make_training(tree.county_a, held_on=D(2024, 3, 1), hours=4), workforce.worker_a)
    attend(make_training(tree.county_a, held_on=D(2021, 2, 28), hours=8), workforce.worker_a)
    second = make_registration(workforce.certificate_a, D(2024, 3, 1))

    response = api(actors.county_admin).get(f"/api/v1/certificates/{workforce.certificate_a.pk}/")

    periods = {row["starts_on"]: row for row in response.json()["registrations"]}
    assert (periods["2021-03-01"]["continuing_hours"], periods["2021-03-01"]["required_hours"]) == (
        "22.0",
        "72",
    )
    assert periods["2024-03-01"]["continuing_hours"] == "4.0"
    assert periods["2021-03-01"]["state"] == "expired"
    assert periods["2024-03-01"]["id"] == second.pk


def test_the_registrations_endpoint_gives_hours_and_requirement(api, workforce, actors):
    response = api(actors.city_admin).get(f"/api/v1/registrations/{workforce.registration_b.pk}/")
    body = response.json()
    assert (body["continuing_hours"], body["required_hours"], body["ends_on"]) == (
        "8.0",
        "90",
        "2025-02-28",
    )


def test_attendance_hours_default_to_the_training(api, workforce, actors):
    response = api(actors.county_admin).post(
        "/api/v1/training-attendances/",
        {"training": workforce.training_a.pk, "worker": workforce.worker_a2.pk},
        format="json",
    )
    assert response.status_code == 201
    assert TrainingAttendance.objects.get(pk=response.json()["id"]).hours == Decimal("16.0")


def test_attendance_cannot_exceed_the_training(workforce, actors):
    with pytest.raises(ValidationError) as refused:
        services.attendance_save(
            actor=actors.county_admin,
            attendance=TrainingAttendance(
                training=workforce.training_a, worker=workforce.worker_a2, hours=Decimal(17)
            ),
        )
    assert refused.value.message_dict == {"hours": ["At most the training's 16 hours."]}
    assert TrainingAttendance.objects.filter(worker=workforce.worker_a2).count() == 0


def test_a_training_cannot_be_shortened_below_credited_hours(workforce, actors):
    training = Training.objects.get(pk=workforce.training_a.pk)
    training.hours = Decimal(8)
    with pytest.raises(ValidationError) as refused:
        services.training_save(actor=actors.county_admin, training=training)
    assert list(refused.value.message_dict) == ["hours"]
    assert Training.objects.get(pk=training.pk).hours == Decimal(16)


def test_a_certificate_dated_in_the_future_is_refused(workforce, actors):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    with pytest.raises(ValidationError) as refused:
        services.certificate_save(
            actor=actors.county_admin,
            certificate=Certificate(
                worker=workforce.worker_a2, level="assistant", number="X1", obtained_on=tomorrow
            ),
        )
    assert refused.value.message_dict == {"obtained_on": ["The date lies in the future."]}
    assert not Certificate.objects.filter(number="X1").exists()


def test_a_duplicate_certificate_number_is_refused(api, workforce, actors):
    response = api(actors.city_admin).post(
        "/api/v1/certificates/",
        {
            "worker": workforce.worker_a2.pk,
            "level": "assistant",
            "number": workforce.certificate_b.number.lower(),
            "obtained_on": "2022-09-10",
        },
        format="json",
    )
    assert response.status_code == 400
    assert response.json() == {"__all__": ["This certificate number is already recorded."]}
    assert Certificate.objects.filter(worker=workforce.worker_a2).count() == 0


def test_an_exam_entry_far_in_the_future_is_refused(workforce, actors):
    year = timezone.localdate().year + 2
    with pytest.raises(ValidationError) as refused:
        services.exam_entry_save(
            actor=actors.county_admin,
            entry=ExamEntry(worker=workforce.worker_a2, year=year, level="assistant"),
        )
    assert list(refused.value.message_dict) == ["year"]
    assert ExamEntry.objects.filter(worker=workforce.worker_a2).count() == 1


def test_a_grant_takes_the_policys_amount_for_the_highest_level(tree, workforce, actors):
    make_certificate(workforce.worker_a2, Certificate.Level.ASSISTANT, obtained_on=D(2019, 9, 10))
    make_certificate(
        workforce.worker_a2, Certificate.Level.INTERMEDIATE, obtained_on=D(2023, 9, 10)
    )

    grant = services.grant_save(
        actor=actors.city_admin,
        grant=IncentiveGrant(
            policy=workforce.policy_city, worker=workforce.worker_a2, granted_on=D(2024, 1, 2)
        ),
    )

    stored = IncentiveGrant.objects.get(pk=grant.pk)
    assert (stored.level, stored.amount, stored.is_paid) == ("intermediate", Decimal(10000), False)


def test_a_grant_for_a_level_without_an_amount_needs_one(workforce, actors):
    with pytest.raises(ValidationError) as refused:
        services.grant_save(
            actor=actors.county_admin,
            grant=IncentiveGrant(policy=workforce.policy_a, worker=workforce.worker_a2),
        )
    assert refused.value.message_dict == {
        "amount": ["The policy names no amount for this level; give the amount."]
    }
    assert IncentiveGrant.objects.filter(worker=workforce.worker_a2).count() == 0


def test_a_grant_to_a_worker_outside_the_policys_area_is_refused(workforce, actors):
    with pytest.raises(ValidationError) as refused:
        services.grant_save(
            actor=actors.city_admin,
            grant=IncentiveGrant(policy=workforce.policy_b, worker=workforce.worker_a2, amount=1),
        )
    assert refused.value.message_dict == {
        "worker": ["This person works outside the area of the policy."]
    }
    assert IncentiveGrant.objects.filter(worker=workforce.worker_a2).count() == 0


def test_a_paid_grant_cannot_be_deleted(api, workforce, actors):
    IncentiveGrant.objects.filter(pk=workforce.grant_a.pk).update(
        is_paid=True, paid_on=D(2022, 2, 1)
    )
    response = api(actors.city_admin).delete(f"/api/v1/incentive-grants/{workforce.grant_a.pk}/")
    assert response.status_code == 400
    assert IncentiveGrant.objects.filter(pk=workforce.grant_a.pk).exists()


def test_the_audit_trail_masks_id_numbers_and_phones(tree, actors):
    worker = services.worker_save(
        actor=actors.county_admin,
        worker=Worker(
            name="审计",
            id_number="150602198501010018",
            phone="13812345678",
            education="college",
            major="other",
            post="other",
            area=tree.town_a1,
        ),
    )
    entry = LogEntry.objects.get_for_object(worker).get(action=LogEntry.Action.CREATE)
    assert entry.changes_dict["id_number"] == ["None", "1506**********0018"]
    assert entry.changes_dict["phone"] == ["None", "138****5678"]
    assert entry.object_repr == "审计"
