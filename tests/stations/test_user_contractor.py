"""A contractor account and its organisation go together: the contractor role needs an
organisation, an organisation needs the contractor role, in the service and the admin forms."""

from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError

import pytest

from stations import services
from stations.models import User
from stations.roles import Role

pytestmark = pytest.mark.django_db
PASSWORD = "Xq7!pLm2#vRt9"
ROLE_MISSING = "A user tied to a contractor organisation must have the contractor role."
ORGANISATION_MISSING = "A user in the contractor role must be tied to a contractor organisation."


def _group(role: str) -> int:
    return Group.objects.get(name=role).pk


def _add(client, **fields):
    data = {
        "username": "new_contractor",
        "password1": PASSWORD,
        "password2": PASSWORD,
        **fields,
    }
    return client.post("/admin/stations/user/add/", data)


def _change(client, user, **fields):
    data = {
        "username": user.username,
        "admin_area": user.admin_area_id,
        "is_active": "on",
        **fields,
    }
    return client.post(f"/admin/stations/user/{user.pk}/change/", data)


def test_adding_a_contractor_role_without_an_organisation_is_refused(client, tree, actors):
    client.force_login(actors.county_admin)
    response = _add(client, admin_area=tree.county_a.pk, groups=[_group(Role.CONTRACTOR)])

    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {"contractor": [ORGANISATION_MISSING]}
    assert not User.objects.filter(username="new_contractor").exists()


def test_adding_an_organisation_without_the_contractor_role_is_refused(client, tree, actors):
    client.force_login(actors.county_admin)
    response = _add(
        client,
        admin_area=tree.county_a.pk,
        contractor=actors.contractor_org.pk,
        groups=[_group(Role.REVIEWER)],
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {"groups": [ROLE_MISSING]}
    assert not User.objects.filter(username="new_contractor").exists()


def test_a_contractor_account_with_its_organisation_is_added(client, tree, actors):
    client.force_login(actors.county_admin)
    response = _add(
        client,
        admin_area=tree.county_a.pk,
        contractor=actors.contractor_org.pk,
        groups=[_group(Role.CONTRACTOR)],
    )

    user = User.objects.get(username="new_contractor")
    assert response.status_code == 302
    assert user.contractor_id == actors.contractor_org.pk
    assert list(user.groups.values_list("name", flat=True)) == [Role.CONTRACTOR]


def test_taking_the_role_from_a_contractor_account_is_refused(client, tree, actors):
    client.force_login(actors.county_admin)
    target = actors.contractor
    response = _change(
        client, target, contractor=target.contractor_id, groups=[_group(Role.VIEWER)]
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {"groups": [ROLE_MISSING]}
    assert list(target.groups.values_list("name", flat=True)) == [Role.CONTRACTOR]


def test_taking_the_organisation_from_a_contractor_account_is_refused(client, tree, actors):
    client.force_login(actors.county_admin)
    target = actors.contractor
    response = _change(client, target, contractor="", groups=[_group(Role.CONTRACTOR)])

    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {"contractor": [ORGANISATION_MISSING]}
    assert User.objects.get(pk=target.pk).contractor_id == actors.contractor_org.pk


@pytest.mark.parametrize(
    ("_case", "roles", "with_contractor", "field", "code"),
    [
        ("role, no organisation", [Role.CONTRACTOR], False, "contractor", "contractor_missing"),
        ("organisation, other role", [Role.REVIEWER], True, "groups", "contractor_role_missing"),
        ("organisation, no role", [], True, "groups", "contractor_role_missing"),
    ],
)
def test_the_service_refuses_a_mismatch(_case, roles, with_contractor, field, code, tree, actors):
    user = User(
        username="svc_user",
        admin_area=tree.county_a,
        contractor=actors.contractor_org if with_contractor else None,
    )
    with pytest.raises(ValidationError) as refused:
        services.user_save(actor=actors.county_admin, user=user, roles=roles)
    codes = {
        field: [error.code for error in errors]
        for field, errors in refused.value.error_dict.items()
    }
    assert codes == {field: [code]}
    assert not User.objects.filter(username="svc_user").exists()


def test_the_service_reads_the_stored_roles_when_none_are_given(tree, actors):
    # The contractor account keeps its role; clearing its organisation alone is refused.
    user = User.objects.get(pk=actors.contractor.pk)
    user.contractor = None
    with pytest.raises(ValidationError) as refused:
        services.user_save(actor=actors.county_admin, user=user)
    assert refused.value.message_dict == {"contractor": [ORGANISATION_MISSING]}
    assert User.objects.get(pk=user.pk).contractor_id == actors.contractor_org.pk
