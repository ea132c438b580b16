"""A county a person is only linked to sees the rows the person's other counties keep about them
(grants under their policies, attendance at their trainings) but does not change them."""

from decimal import Decimal

import pytest

from talent.models import IncentiveGrant, TrainingAttendance
from talent.services import worker_link

pytestmark = pytest.mark.django_db

GRANTS = "/api/v1/incentive-grants/"
ATTENDANCES = "/api/v1/training-attendances/"
GRANT_KEPT_ELSEWHERE = {
    "detail": ["This grant is kept by the bureau of its policy's area; only it can change it."]
}


@pytest.fixture
def linked(tree, workforce, actors):
    """赵敏, kept by 康巴什区 (B), linked to 东胜区 (A)'s 交通街道."""
    worker_link(actor=actors.county_admin, worker=workforce.worker_b, area=tree.town_a1)
    return workforce


def test_the_linked_county_sees_but_does_not_change_another_county_s_grant(api, linked, actors):
    client = api(actors.county_admin)
    url = f"{GRANTS}{linked.grant_b.pk}/"

    read = client.get(url)
    changed = client.patch(url, {"amount": "99999", "is_paid": True}, format="json")
    deleted = client.delete(url)

    assert read.status_code == 200
    assert (changed.status_code, changed.json()) == (400, GRANT_KEPT_ELSEWHERE)
    assert (deleted.status_code, deleted.json()) == (400, GRANT_KEPT_ELSEWHERE)
    stored = IncentiveGrant.objects.get(pk=linked.grant_b.pk)
    assert (stored.amount, stored.is_paid) == (Decimal("3000.00"), False)


def test_the_keeping_county_still_changes_its_grant(api, linked, actors):
    response = api(actors.other_county_admin).patch(
        f"{GRANTS}{linked.grant_b.pk}/", {"amount": "3500"}, format="json"
    )

    assert response.status_code == 200
    assert IncentiveGrant.objects.get(pk=linked.grant_b.pk).amount == Decimal("3500.00")


def test_the_worker_s_county_still_changes_a_city_grant(api, linked, actors):
    response = api(actors.county_admin).patch(
        f"{GRANTS}{linked.grant_a.pk}/", {"amount": "5200"}, format="json"
    )

    assert response.status_code == 200
    assert IncentiveGrant.objects.get(pk=linked.grant_a.pk).amount == Decimal("5200.00")


def test_the_linked_county_grants_under_its_own_policy_and_keeps_that_grant(api, linked, actors):
    client = api(actors.county_admin)
    created = client.post(
        GRANTS,
        {"policy": linked.policy_a.pk, "worker": linked.worker_b.pk, "amount": "800"},
        format="json",
    )
    assert created.status_code == 201
    url = f"{GRANTS}{created.json()['id']}/"

    changed = client.patch(url, {"amount": "900"}, format="json")
    # The bureau keeping the person does not change a grant under another county's policy.
    by_keeper = api(actors.other_county_admin).patch(url, {"amount": "1"}, format="json")

    assert changed.status_code == 200
    assert (by_keeper.status_code, by_keeper.json()) == (400, GRANT_KEPT_ELSEWHERE)
    assert IncentiveGrant.objects.get(pk=created.json()["id"]).amount == Decimal("900.00")


def test_the_linked_county_does_not_change_attendance_at_another_county_s_training(
    api, linked, actors
):
    client = api(actors.county_admin)
    url = f"{ATTENDANCES}{linked.attendance_b.pk}/"

    read = client.get(url)
    moved = client.patch(url, {"training": linked.training_a.pk}, format="json")
    deleted = client.delete(url)

    assert read.status_code == 200
    assert moved.status_code == 400
    assert moved.json() == {"training": ["No such record within your reach."]}
    assert (deleted.status_code, deleted.json()) == (400, moved.json())
    stored = TrainingAttendance.objects.get(pk=linked.attendance_b.pk)
    assert (stored.training_id, stored.worker_id) == (linked.training_b.pk, linked.worker_b.pk)


def test_the_training_s_county_still_deletes_the_attendance(api, linked, actors):
    response = api(actors.other_county_admin).delete(f"{ATTENDANCES}{linked.attendance_b.pk}/")

    assert response.status_code == 204
    assert not TrainingAttendance.objects.filter(pk=linked.attendance_b.pk).exists()


def _change_form(tree, worker, **changes) -> dict:
    return {
        "name": worker.name,
        "id_number": worker.id_number,
        "phone": worker.phone,
        "education": worker.education,
        "major": worker.major,
        "post": worker.post,
        "employer_kind": "",
        "employer_name": "",
        "is_active": "on",
        "certificates-TOTAL_FORMS": 0,
        "certificates-INITIAL_FORMS": 0,
        "certificates-MIN_NUM_FORMS": 0,
        "certificates-MAX_NUM_FORMS": 1000,
        **changes,
    }


def test_the_admin_tells_the_linked_county_who_keeps_the_person(client, tree, linked, actors):
    worker_b = linked.worker_b
    client.force_login(actors.county_admin)

    response = client.post(
        f"/admin/talent/worker/{worker_b.pk}/change/",
        _change_form(tree, worker_b, name="改名", area=tree.town_a1.pk),
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.non_field_errors() == [
        "This person's record is kept by 康巴什区's civil-affairs bureau; only it can change "
        "the person's details."
    ]
    stored = type(worker_b).objects.get(pk=worker_b.pk)
    assert (stored.name, stored.area_id) == ("赵敏", tree.comm_b1.pk)


def test_the_keeping_bureau_changes_the_linked_person_in_the_admin(client, tree, linked, actors):
    worker_b = linked.worker_b
    client.force_login(actors.other_county_admin)

    response = client.post(
        f"/admin/talent/worker/{worker_b.pk}/change/",
        _change_form(tree, worker_b, name="赵敏敏", area=tree.comm_b1.pk),
    )

    assert response.status_code == 302
    assert type(worker_b).objects.get(pk=worker_b.pk).name == "赵敏敏"
