"""Whoever records service hours certifies them: a record is verified by the account that
recorded it or another account of the same office, never by another organisation; the verifier
is stored."""

from decimal import Decimal

from django.core.exceptions import ValidationError

import pytest

from stations.models import User
from stations.roles import Role
from tests.factories import make_user
from tests.volunteers.factories import make_activity, make_record, make_volunteer
from volunteers import services
from volunteers.models import PointsEntry, ServiceRecord, ServiceRecordCorrection

pytestmark = pytest.mark.django_db

REFUSED = (
    "Hours are certified by the organisation that recorded them: {recorder} or another account "
    "of the same office verifies this record."
)


def recorded(tree, recorder) -> ServiceRecord:
    """2 hours at an activity in 巴音孟克社区 (交通街道, county A), recorded by `recorder`."""
    volunteer = make_volunteer(tree.comm_a1_urban, name="刘洋")
    return services.record_create(
        actor=recorder,
        record=ServiceRecord(
            volunteer=volunteer, activity=make_activity(tree.comm_a1_urban), hours=Decimal(2)
        ),
    )


def untouched(record) -> tuple:
    stored = ServiceRecord.objects.get(pk=record.pk)
    return (
        stored.is_verified,
        stored.verified_by_id,
        ServiceRecordCorrection.objects.filter(record=record).count(),
        PointsEntry.objects.count(),
    )


@pytest.mark.parametrize(
    ("_case", "recorder", "verifier"),
    [
        ("the township office verifies the county's record", "county_admin", "township_admin"),
        ("the county verifies the township office's record", "township_admin", "county_admin"),
        ("a contractor's account of the same area", "county_admin", "contractor"),
    ],
)
def test_another_organisation_cannot_verify(tree, actors, _case, recorder, verifier):
    record = recorded(tree, getattr(actors, recorder))

    with pytest.raises(ValidationError) as raised:
        services.record_verify(actor=getattr(actors, verifier), record=record)

    assert raised.value.message_dict == {
        "record": [REFUSED.format(recorder=getattr(actors, recorder).username)]
    }
    assert [error.code for error in raised.value.error_dict["record"]] == [
        "verified_by_another_organisation"
    ]
    assert untouched(record) == (False, None, 0, 0)


@pytest.mark.parametrize("_case", ["the recorder", "a colleague of the same office"])
def test_the_recording_office_verifies_and_is_stored(tree, actors, _case):
    record = recorded(tree, actors.county_admin)
    verifier = actors.county_admin
    if _case != "the recorder":
        verifier = make_user("county_a_admin2", area=tree.county_a, role=Role.ADMINISTRATOR)

    services.record_verify(actor=verifier, record=record)

    stored = ServiceRecord.objects.get(pk=record.pk)
    assert (stored.is_verified, stored.recorded_by, stored.verified_by) == (
        True,
        actors.county_admin,
        verifier,
    )
    assert list(
        ServiceRecordCorrection.objects.filter(record=record).values_list("kind", "changed_by")
    ) == [("verify", verifier.pk)]
    assert PointsEntry.objects.get().amount == 20


def test_a_record_without_a_recorder_on_file_is_verified_by_whoever_reaches_it(tree, actors):
    # Recorded from the command line (no account).
    record = make_record(make_volunteer(tree.comm_a1_urban), make_activity(tree.comm_a1_urban))

    services.record_verify(actor=actors.township_admin, record=record)

    assert ServiceRecord.objects.get(pk=record.pk).verified_by == actors.township_admin


def test_recording_and_verifying_at_once_is_the_recorders_certification(tree, actors):
    volunteer = make_volunteer(tree.comm_a1_urban)
    record = services.record_create(
        actor=actors.township_admin,
        record=ServiceRecord(
            volunteer=volunteer, activity=make_activity(tree.comm_a1_urban), hours=Decimal(1)
        ),
        verify=True,
    )

    stored = ServiceRecord.objects.get(pk=record.pk)
    assert (stored.recorded_by, stored.verified_by) == (
        actors.township_admin,
        actors.township_admin,
    )


def test_the_api_refuses_another_organisations_verification(tree, actors, api):
    record = recorded(tree, actors.county_admin)

    refused = api(actors.township_admin).post(f"/api/v1/service-records/{record.pk}/verify/")
    accepted = api(actors.county_admin).post(f"/api/v1/service-records/{record.pk}/verify/")

    assert (refused.status_code, refused.json()) == (
        400,
        {"record": [REFUSED.format(recorder="county_a_admin")]},
    )
    assert accepted.status_code == 200
    assert (accepted.json()["recorded_by"], accepted.json()["verified_by"]) == (
        "county_a_admin",
        "county_a_admin",
    )


def test_the_admin_bulk_verification_says_why_a_record_was_left(client, tree, actors):
    record = recorded(tree, actors.county_admin)
    client.force_login(User.objects.get(pk=actors.township_admin.pk))

    response = client.post(
        "/admin/volunteers/servicerecord/",
        {"action": "verify_selected", "_selected_action": [record.pk]},
        follow=True,
    )

    assert [str(message) for message in response.context["messages"]] == [
        "0 records changed, 1 left as they were.",
        REFUSED.format(recorder="county_a_admin"),
    ]
    assert untouched(record) == (False, None, 0, 0)
