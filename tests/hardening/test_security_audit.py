"""The audit trail covers logins, failed logins and permission changes; tokens can be revoked.

- Logins (admin, portal, API token) are in django-axes' access log, failed ones in its failure
  log (kept after a successful login resets the lock-out counter). Both hold usernames and
  addresses of every area, so only superusers read them in the admin.
- Permission changes (groups, user permissions, the account's area) are in the audit log with
  the actor, through django-auditlog's registration of the User model.
- A token revoked by its holder (DELETE /api/v1/auth/token/), by a superuser in the admin or by
  deactivating the account answers 401 from then on.
"""

from django.contrib.auth.models import Group, Permission
from django.test import Client

import pytest
from auditlog.models import LogEntry
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from stations.models import User
from stations.roles import Role

pytestmark = pytest.mark.django_db

PASSWORD = "Passw0rd!long"


def _staff_client(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


# --- logins and failed logins ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("_case", "url", "form"),
    [
        ("admin", "/admin/login/", {"username": "county_a_admin", "password": PASSWORD}),
        ("portal", "/portal/login/", {"username": "contractor_a", "password": PASSWORD}),
    ],
)
def test_a_login_is_in_the_access_log(actors, _case, url, form):
    response = Client(REMOTE_ADDR="10.1.2.3").post(url, form)

    assert response.status_code == 302
    logged = AccessLog.objects.get()
    assert (logged.username, logged.ip_address) == (form["username"], "10.1.2.3")


def test_a_token_login_is_in_the_access_log(actors):
    response = APIClient(REMOTE_ADDR="10.1.2.4").post(
        "/api/v1/auth/token/", {"username": "county_a_admin", "password": PASSWORD}
    )

    assert response.status_code == 200
    assert response.json() == {"token": Token.objects.get(user=actors.county_admin).key}
    logged = AccessLog.objects.get()
    assert (logged.username, logged.ip_address) == ("county_a_admin", "10.1.2.4")
    assert User.objects.get(pk=actors.county_admin.pk).last_login is not None


def test_failed_logins_stay_in_the_failure_log_after_a_successful_one(actors):
    # given two failed admin logins and one failed token login, then a success
    client = Client(REMOTE_ADDR="10.1.2.5")
    for _attempt in range(2):
        client.post("/admin/login/", {"username": "county_a_admin", "password": "wrong"})
    APIClient(REMOTE_ADDR="10.1.2.5").post(
        "/api/v1/auth/token/", {"username": "county_a_admin", "password": "wrong"}
    )
    assert AccessAttempt.objects.get().failures_since_start == 3

    client.post("/admin/login/", {"username": "county_a_admin", "password": PASSWORD})

    # then the lock-out counter is reset, but the three failures are still on record
    assert AccessAttempt.objects.count() == 0
    assert (
        list(AccessFailureLog.objects.values_list("username", "ip_address"))
        == [("county_a_admin", "10.1.2.5")] * 3
    )


@pytest.mark.parametrize("model", ["accesslog", "accessfailurelog", "accessattempt"])
def test_only_superusers_read_the_login_records_in_the_admin(actors, model):
    Client(REMOTE_ADDR="10.1.2.6").post(
        "/admin/login/", {"username": "county_b_admin", "password": "wrong"}
    )
    Client(REMOTE_ADDR="10.1.2.6").post(
        "/admin/login/", {"username": "city_viewer", "password": PASSWORD}
    )
    url = f"/admin/axes/{model}/"

    as_superuser = _staff_client(actors.superuser).get(url)
    as_city_admin = _staff_client(actors.city_admin).get(url)

    assert as_superuser.status_code == 200
    expected = "city_viewer" if model == "accesslog" else "county_b_admin"
    assert expected in as_superuser.content.decode()
    assert as_city_admin.status_code == 403


# --- permission changes ------------------------------------------------------------------------


def test_group_and_permission_changes_are_in_the_audit_log_with_their_actor(actors):
    # given a viewer, made a reviewer and given one extra permission by the city administrator
    viewer = actors.viewer
    before = LogEntry.objects.get_for_object(viewer).count()
    client = _staff_client(actors.superuser)
    permission = Permission.objects.get(codename="view_personal_data")
    response = client.post(
        f"/admin/stations/user/{viewer.pk}/change/",
        {
            **_user_form(viewer),
            "groups": [Group.objects.get(name=Role.REVIEWER).pk],
            "user_permissions": [permission.pk],
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]

    # then each change of groups and permissions is a log entry by the superuser
    entries = LogEntry.objects.get_for_object(viewer).order_by("pk")[before:]
    changes = {}
    for entry in entries:
        assert entry.actor == actors.superuser
        changes.update(entry.changes_dict)
    assert set(changes["groups"]["objects"]) >= {Role.REVIEWER}
    assert changes["groups"]["type"] == "m2m"
    assert changes["user_permissions"]["type"] == "m2m"
    assert User.objects.get(pk=viewer.pk).has_perm("stations.view_personal_data")


def test_moving_an_account_to_another_area_is_in_the_audit_log(tree, actors):
    user = actors.county_admin
    client = _staff_client(actors.superuser)

    response = client.post(
        f"/admin/stations/user/{user.pk}/change/",
        {**_user_form(user), "admin_area": tree.county_b.pk},
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    moves = [
        entry
        for entry in LogEntry.objects.get_for_object(user).filter(action=LogEntry.Action.UPDATE)
        if "admin_area" in entry.changes_dict
    ]
    assert len(moves) == 1
    assert moves[0].actor == actors.superuser
    assert moves[0].changes_dict["admin_area"] == [str(tree.county_a.pk), str(tree.county_b.pk)]


def _user_form(user) -> dict:
    """The admin's change form of `user` as it stands (the fields the admin page posts)."""
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(User.objects.get(is_superuser=True))
    form = client.get(f"/admin/stations/user/{user.pk}/change/").context["adminform"].form
    data = {}
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        if name in ("password",):
            continue
        if isinstance(value, list | tuple) or hasattr(value, "all"):
            data[name] = [getattr(v, "pk", v) for v in value]
        elif value is None:
            data[name] = ""
        elif isinstance(value, bool):
            if value:
                data[name] = "on"
        else:
            data[name] = getattr(value, "pk", value)
    return data


# --- tokens can be revoked -----------------------------------------------------------------------


def _token_status(key: str) -> int:
    return APIClient().get("/api/v1/areas/", HTTP_AUTHORIZATION=f"Token {key}").status_code


def test_a_token_revoked_by_its_holder_answers_401(actors):
    key = Token.objects.create(user=actors.county_admin).key
    assert _token_status(key) == 200

    revoked = APIClient().delete("/api/v1/auth/token/", HTTP_AUTHORIZATION=f"Token {key}")

    assert revoked.status_code == 204
    assert _token_status(key) == 401
    assert Token.objects.count() == 0


def test_a_superuser_revokes_a_token_in_the_admin(actors):
    key = Token.objects.create(user=actors.county_admin).key
    client = _staff_client(actors.superuser)

    response = client.post(
        f"/admin/authtoken/tokenproxy/{actors.county_admin.pk}/delete/", {"post": "yes"}
    )

    assert response.status_code == 302
    assert _token_status(key) == 401
    # and nobody else reaches the tokens page
    assert _staff_client(actors.city_admin).get("/admin/authtoken/tokenproxy/").status_code == 403


def test_deactivating_an_account_revokes_its_tokens(actors):
    key = Token.objects.create(user=actors.county_admin).key
    User.objects.filter(pk=actors.county_admin.pk).update(is_active=False)

    assert _token_status(key) == 401
