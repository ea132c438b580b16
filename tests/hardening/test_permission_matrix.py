"""The permission matrix: every role × every API endpoint and admin page × method × object.

The world is the Ordos demo (every registry filled), loaded once for the module inside a
transaction that is rolled back at the end. For each role the expected answer is derived from
two independent facts, not from the code under test: the permissions the role's group holds
(stations.roles.ROLE_RULES) and the subtree of the user's area (plus, for a contractor account,
its own contractor). Whatever a role may not reach is 404 (out of scope) or 403 (no
permission), and nothing changes.

Endpoints and admin pages are enumerated from the routers and the admin site, so one that lands
later is covered without editing this file; one whose model has no row in the demo fails
`test_the_world_has_rows_for_every_endpoint` until the demo gains some.
"""

import importlib
from io import StringIO
from types import SimpleNamespace

from django.apps import apps as django_apps
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection, transaction
from django.db.models import Q
from django.test import Client
from django.urls import reverse

import pytest
from rest_framework.test import APIClient, APIRequestFactory

from stations.access import actor_root_path
from stations.api_policies import EXACT_COUNT_LIMIT
from tests.hardening.api_registry import admin_models, api_endpoints

User = get_user_model()

# Demo accounts (stations.demo) by the role they stand for.
ROLES = {
    "city_admin": "ordos_admin",
    "county_admin": "dongsheng_admin",
    "township_admin": "jiaotong_admin",
    "reviewer": "dongsheng_reviewer",
    "viewer": "ordos_viewer",
    "contractor": "sunshine_contractor",
    "anonymous": None,
}
# Contractor-owned rows: the path from the model to its contractor ("" is the contractor itself).
CONTRACTOR_FIELDS = {
    "projects.contractor": "",
    "projects.contract": "contractor",
    "projects.report": "contract__contractor",
    "projects.reportattachment": "report__contract__contractor",
}


ENDPOINTS = api_endpoints()
# The compliance reader answers for an area and a year, not for rows of its own.
QUERY_ENDPOINTS = {"reports:compliance"}


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """The demo, loaded once; everything the module's tests write is rolled back."""
    with django_db_blocker.unblock(), transaction.atomic():
        # A transactional test before this module flushes the rows of data migrations.
        served_groups = importlib.import_module("orgs.migrations.0002_served_groups")
        served_groups.add_served_groups(django_apps, None)
        call_command("load_demo", stdout=StringIO())
        superuser = User.objects.get(username="admin")
        _complete_the_world(superuser)
        # Check the deferred foreign keys of the whole demo once, here: otherwise PostgreSQL
        # re-checks every one of them at the end of each test (Django's TestCase teardown).
        connection.check_constraints()
        users = {
            role: User.objects.get(username=name) if name else None for role, name in ROLES.items()
        }
        yield SimpleNamespace(superuser=superuser, users=users)
        transaction.set_rollback(True)


def _complete_the_world(superuser) -> None:
    """What the demo does not make: a proof of service in two counties and compliance runs."""
    import datetime

    from reports.services import compliance_run_queue
    from stations.models import AdminArea
    from volunteers.models import ServiceRecord
    from volunteers.services import proof_issue

    for county in ("150602000000", "150603000000"):
        area = AdminArea.objects.get(code=county)
        record = (
            ServiceRecord.objects.filter(
                is_verified=True, volunteer__area__path__startswith=area.path
            )
            .select_related("volunteer", "activity")
            .order_by("pk")
            .first()
        )
        proof_issue(
            actor=superuser,
            volunteer=record.volunteer,
            period_start=datetime.date(2025, 1, 1),
            period_end=datetime.date(2025, 12, 31),
            # The recording organisation issues the proof (volunteers.services.proof_issuer).
            team=record.activity.organiser_team,
            station=record.activity.organiser_station,
            organisation=record.activity.organiser_org,
        )
        compliance_run_queue(area=area, year=2025, requested_by=superuser)


def _base_queryset(endpoint, superuser):
    """What the viewset lists for a superuser: its own narrowing (e.g. a report kind), no scope."""
    request = APIRequestFactory().get("/")
    request.user = superuser
    view = endpoint.viewset()
    view.request, view.action, view.format_kwarg, view.kwargs = request, "list", None, {}
    return view.get_queryset()


def _reachable(queryset, endpoint, user):
    """The rows `user` may reach, by the rule stated independently of the viewsets."""
    if user is None:
        return queryset.none()
    root = actor_root_path(user)
    if root is None:
        return queryset.none()
    if endpoint.area_field:
        # A row may be reached through several areas (a worker's own and those linked to them).
        fields = endpoint.area_field
        fields = fields if isinstance(fields, tuple) else (fields,)
        rows = queryset.model._base_manager
        reached = Q()
        for field in fields:
            reached |= Q(pk__in=rows.filter(**{f"{field}__path__startswith": root}).values("pk"))
        queryset = queryset.filter(reached)
    else:
        queryset = queryset.filter(path__startswith=root)
    if user.contractor_id is not None:
        label = endpoint.model._meta.label_lower
        if label not in CONTRACTOR_FIELDS:
            return queryset
        field = CONTRACTOR_FIELDS[label]
        queryset = queryset.filter(**{f"{field}_id" if field else "pk": user.contractor_id})
    return queryset


def _key(obj, endpoint):
    return getattr(obj, endpoint.lookup)


def _perm(user, endpoint, action: str) -> bool:
    if user is None:
        return False
    meta = endpoint.model._meta
    return user.has_perm(f"{meta.app_label}.{action}_{meta.model_name}")


def _row(model, pk):
    return model.objects.filter(pk=pk).values().first()


def _client(user) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    if user is not None:
        client.force_authenticate(user=user)
    return client


def _denied(user, allowed: bool) -> set[int]:
    """The answers of a refusal: unauthenticated, no permission, or not found."""
    if user is None:
        return {401, 403}
    return {404} if allowed else {403}


def test_the_world_has_rows_for_every_endpoint(world):
    empty = [
        endpoint.id
        for endpoint in ENDPOINTS
        if endpoint.id not in QUERY_ENDPOINTS
        and not _base_queryset(endpoint, world.superuser).exists()
    ]
    assert empty == []


@pytest.mark.parametrize("role", list(ROLES))
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=[endpoint.id for endpoint in ENDPOINTS])
def test_api_answers_exactly_what_the_role_may_reach(world, db, endpoint, role):
    if endpoint.id in QUERY_ENDPOINTS:
        pytest.skip("covered by test_compliance_reader_is_scoped")
    user = world.users[role]
    client = _client(user)
    base = _base_queryset(endpoint, world.superuser)
    reachable = _reachable(base, endpoint, user)
    inside = reachable.order_by("pk").first()
    outside = base.exclude(pk__in=reachable.values("pk")).order_by("pk").first()
    url = f"/api/v1/{endpoint.prefix}/"
    can_view = _perm(user, endpoint, "view")
    outcomes: dict[str, object] = {}

    # list: only reachable rows, and all of them counted
    response = client.get(url, {"page_size": 500})
    if can_view:
        body = response.json()
        key = "code" if endpoint.lookup == "code" else "id"
        listed = {row[key] for row in body["results"]} if "results" in body else None
        outcomes["list"] = (
            response.status_code,
            listed is None or listed <= set(reachable.values_list(endpoint.lookup, flat=True)),
            # Over EXACT_COUNT_LIMIT rows the count is the planner's estimate (flagged).
            body.get("count") == reachable.count()
            if not body.get("count_is_estimate")
            else reachable.count() > EXACT_COUNT_LIMIT,
        )
        assert outcomes["list"] == (200, True, True)
    else:
        assert response.status_code in _denied(user, False)

    # retrieve: the reachable row is read, the other one is not found
    if inside is not None and "retrieve" in endpoint.actions:
        response = client.get(f"{url}{_key(inside, endpoint)}/")
        assert response.status_code == (200 if can_view else min(_denied(user, False)))
    if outside is not None and "retrieve" in endpoint.actions:
        response = client.get(f"{url}{_key(outside, endpoint)}/")
        assert response.status_code in _denied(user, can_view)
    guessed = (
        "999999999999"
        if endpoint.lookup == "code"
        else (base.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
    )
    if "retrieve" in endpoint.actions:
        assert client.get(f"{url}{guessed}/").status_code in _denied(user, can_view)

    # writes to the unreachable row, or without the permission, change nothing
    for action, method, permission in (
        ("partial_update", "patch", "change"),
        ("destroy", "delete", "delete"),
    ):
        if action not in endpoint.actions:
            continue
        allowed = _perm(user, endpoint, permission)
        if outside is not None:
            before = _row(endpoint.model, outside.pk)
            response = getattr(client, method)(
                f"{url}{_key(outside, endpoint)}/", {}, format="json"
            )
            assert (response.status_code in _denied(user, allowed and can_view), action) == (
                True,
                action,
            )
            assert _row(endpoint.model, outside.pk) == before
        if inside is not None and not allowed:
            before = _row(endpoint.model, inside.pk)
            response = getattr(client, method)(f"{url}{_key(inside, endpoint)}/", {}, format="json")
            assert response.status_code in (
                _denied(user, False) | ({404} if not can_view else set())
            )
            assert _row(endpoint.model, inside.pk) == before

    # custom actions on the unreachable row: refused, nothing changes
    for extra in endpoint.detail_actions:
        if outside is None or "{" in extra.url_path or "(" in extra.url_path:
            continue
        before = _row(endpoint.model, outside.pk)
        for method in sorted(extra.mapping):
            response = getattr(client, method)(
                f"{url}{_key(outside, endpoint)}/{extra.url_path}/", {}
            )
            assert (extra.url_path, method, response.status_code in {401, 403, 404, 405}) == (
                extra.url_path,
                method,
                True,
            )
        assert _row(endpoint.model, outside.pk) == before

    # create: refused without the permission, a field-named 400 (never a 500) with it
    if "create" in endpoint.actions:
        count = endpoint.model.objects.count()
        response = client.post(url, {}, format="json")
        if _perm(user, endpoint, "add"):
            assert response.status_code == 400
            assert isinstance(response.json(), dict)
        else:
            assert response.status_code in _denied(user, False)
        assert endpoint.model.objects.count() == count


@pytest.mark.parametrize("role", list(ROLES))
def test_compliance_reader_is_scoped(world, db, role):
    from stations.models import AdminArea

    user = world.users[role]
    client = _client(user)
    root = actor_root_path(user) if user else None
    other = AdminArea.objects.exclude(path__startswith=root or "/nothing/").order_by("path").first()
    if other is not None and root is not None and root != "":
        response = client.get("/api/v1/compliance/", {"area": other.code, "year": 2025})
        assert response.status_code in _denied(user, _perm_compliance(user))
    if user is None:
        assert client.get(
            "/api/v1/compliance/", {"area": "150600000000", "year": 2025}
        ).status_code in {401, 403}


def _perm_compliance(user) -> bool:
    return user is not None and user.has_perm("reports.view_compliancerun")


ADMIN_MODELS = admin_models()


def _admin_area_field(model_admin) -> str | None:
    return getattr(model_admin, "area_field", "area")


@pytest.mark.parametrize("role", [role for role in ROLES if role != "anonymous"])
@pytest.mark.parametrize("model", ADMIN_MODELS, ids=[model._meta.label for model in ADMIN_MODELS])
def test_admin_pages_answer_exactly_what_the_role_may_reach(world, db, model, role):
    user = world.users[role]
    model_admin = admin.site._registry[model]
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    meta = model._meta
    can_view = user.has_perm(f"{meta.app_label}.view_{meta.model_name}") or user.has_perm(
        f"{meta.app_label}.change_{meta.model_name}"
    )
    changelist = reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")

    response = client.get(changelist)

    if not can_view or not user.is_staff:
        assert response.status_code in {302, 403}
        return
    assert response.status_code == 200
    rule = SimpleNamespace(model=model, area_field=getattr(model_admin, "area_field", "area"))
    reachable = _reachable(model._default_manager.all(), rule, user)
    unreachable = (
        model._default_manager.exclude(pk__in=reachable.values("pk")).order_by("pk").first()
    )
    if unreachable is not None:
        before = _row(model, unreachable.pk)
        change = reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[unreachable.pk])
        assert client.get(change).status_code == 404
        assert client.post(change, {}).status_code in {403, 404}
        assert _row(model, unreachable.pk) == before
    inside = reachable.order_by("pk").first()
    if inside is not None:
        change = reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[inside.pk])
        assert client.get(change).status_code == 200
