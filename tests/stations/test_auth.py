"""Logins: the API token flow, throttling, revocation and the admin lock-out."""

from django.core.cache import cache
from django.utils import translation

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db
PASSWORD = "Passw0rd!long"


def test_token_flow_obtain_use_and_revoke(actors):
    client = APIClient()

    obtained = client.post(
        "/api/v1/auth/token/", {"username": "county_a_admin", "password": PASSWORD}
    )
    token = obtained.json()["token"]
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    listed = client.get("/api/v1/areas/")
    revoked = client.delete("/api/v1/auth/token/")
    after = client.get("/api/v1/areas/")

    assert obtained.status_code == 200
    assert listed.json()["count"] == 6
    assert revoked.status_code == 204
    assert after.status_code == 401
    assert not Token.objects.filter(key=token).exists()


def test_wrong_password_gets_no_token(actors):
    response = APIClient().post(
        "/api/v1/auth/token/", {"username": "county_a_admin", "password": "wrong"}
    )
    assert response.status_code == 400
    assert Token.objects.count() == 0


def test_token_endpoint_is_throttled(actors, settings):
    client = APIClient()
    statuses = [
        client.post("/api/v1/auth/token/", {"username": "nobody", "password": "x"}).status_code
        for _attempt in range(11)
    ]
    assert statuses == [400] * 10 + [429]


def test_repeated_failures_lock_the_account_out_even_with_the_right_password(actors, settings):
    client = APIClient(REMOTE_ADDR="10.0.0.9")
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        client.post("/api/v1/auth/token/", {"username": "county_a_admin", "password": "bad"})
    cache.clear()  # only the throttle forgets; the lock-out is kept in the database

    response = client.post(
        "/api/v1/auth/token/", {"username": "county_a_admin", "password": PASSWORD}
    )

    # Django's authenticate() turns the lock-out into a failed login: no token.
    assert response.status_code == 400
    assert Token.objects.count() == 0


def test_admin_login_locks_out_after_repeated_failures(client, actors, settings):
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        client.post("/admin/login/", {"username": "county_a_admin", "password": "bad"})

    response = client.post(
        "/admin/login/?next=/admin/", {"username": "county_a_admin", "password": PASSWORD}
    )

    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_admin_login_in_chinese_by_default(client, db):
    with translation.override("zh-hans"):
        response = client.get("/admin/login/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 200
    assert "用户名" in response.content.decode()
