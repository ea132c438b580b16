"""Logins: the API token flow, throttling, revocation, the admin lock-out and its language."""

import re

from django.core.cache import cache
from django.test import Client

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


def test_admin_login_in_chinese_by_default(db):
    # No Accept-Language, no cookie: the settings' LANGUAGE_CODE decides.
    response = Client().get("/admin/login/")
    page = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="zh-hans"' in page
    assert "<title>登录 | 社会工作服务站管理平台</title>" in page
    assert "Username" not in page


def _language_switch(page: str) -> dict[str, str]:
    form = re.search(
        r'<form action="(?P<action>[^"]+)" method="post" class="language-switch"', page
    )
    token = re.search(r'name="csrfmiddlewaretoken" value="(?P<token>[^"]+)"', page[form.end() :])
    following = re.search(r'name="next" type="hidden" value="(?P<next>[^"]+)"', page[form.end() :])
    return {"action": form["action"], "csrf": token["token"], "next": following["next"]}


def test_the_language_switch_turns_the_admin_english(actors):
    client = Client(enforce_csrf_checks=True)
    client.force_login(actors.county_admin)
    before = client.get("/admin/")
    switch = _language_switch(before.content.decode())

    switched = client.post(
        switch["action"],
        {"language": "en", "next": switch["next"], "csrfmiddlewaretoken": switch["csrf"]},
    )
    after = client.get("/admin/")

    assert before.status_code == 200
    assert "<title>系统管理 | 社会工作服务站管理平台</title>" in before.content.decode()
    assert switch["action"] == "/i18n/setlang/"
    assert switched.status_code == 302
    assert switched["Location"] == "/admin/"
    assert client.cookies["django_language"].value == "en"
    assert after.status_code == 200
    page = after.content.decode()
    assert '<html lang="en"' in page
    assert "<title>Administration | Social-work stations platform</title>" in page
    assert "系统管理" not in page
