"""Query-count guards: no list, export, report or admin changelist runs a query per row or area.

Every list endpoint of the API routers, each collection action, the compliance reader, the
dashboard and the admin changelists are measured twice, at two sizes, and must cost the same
number of queries: a query per row (an N+1) shows up as a difference.

- Lists and admin changelists: the same data set, a page of SMALL rows against a page of LARGE
  rows (the page size is the number of rows serialised or rendered), for a county administrator
  and for a superuser.
- Exports (xlsx) and other unpaginated collection actions: the same request before and after
  GROWTH more rows of the model are added in the county.
- The compliance run, the compliance reader, the dashboard and the area-keyed summaries: the
  county before and after it gains EXTRA_TOWNSHIPS townships (each with a community, a station,
  a worker and an organisation).

The data is the Ordos demo (every registry filled, with certificates, served groups,
attachments...), topped up where a list would have fewer than LARGE rows for the county
administrator, loaded once for the module inside a transaction rolled back at the end. Endpoints
are enumerated from the routers, so a new one is guarded without editing this file; a new
collection action fails `test_every_collection_action_is_guarded_or_excluded` until it is listed.
"""

import importlib
import itertools
from collections import Counter
from io import StringIO
from types import SimpleNamespace

from django.apps import apps as django_apps
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import IntegrityError, connection, models, transaction
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

import pytest
from rest_framework.request import Request
from rest_framework.test import APIClient, APIRequestFactory

from tests.hardening.api_registry import admin_models, api_endpoints

pytestmark = pytest.mark.django_db

User = get_user_model()

SMALL, LARGE = 2, 8
GROWTH = 6
EXTRA_TOWNSHIPS = 4
YEAR = 2025
COUNTY = "150602000000"  # 东胜区
COUNTY_USER = "dongsheng_admin"
WHO = ("county", "superuser")


ENDPOINTS = api_endpoints()

# Lists left out of the page test, each with the reason and where it is guarded instead.
NOT_A_PAGE = {
    "reports:compliance": "answers for ?area=&year=: test_reports_cost_the_same_for_more_areas",
}
LIST_ENDPOINTS = [e for e in ENDPOINTS if e.has_list and e.id not in NOT_A_PAGE]

# Collection actions (detail=False) and how each is guarded.
PAGED_ACTIONS = {
    "talent:trainings/attendable": {},
    "volunteers:points/balances": {},
}
EXPORT_ACTIONS = {
    "talent:workers/export",
    "orgs:orgs/export",
    "charity:charity-sources/export",
    "charity:needs/export",
    "charity:resources/export",
    "charity:linkage-projects/export",
}
AREA_ACTIONS = {
    "projects:contracts/completeness": {"county": COUNTY, "year": YEAR},
    "talent:exam-entries/summary": {"year": YEAR},
    "charity:funds/balance": {"area": COUNTY},
}
EXCLUDED_ACTIONS = {
    "talent:workers/lookup": "POST of one ID number, answers one worker",
}

# The big tables whose changelists must be measured (the others are measured when they have
# LARGE rows in the county's reach).
BIG_ADMIN_TABLES = [
    "stations.adminarea",
    "stations.station",
    "talent.worker",
    "orgs.communityorg",
    "volunteers.volunteer",
    "volunteers.servicerecord",
    "charity.ledgerentry",
    "projects.contract",
    "projects.report",
]
ADMIN_MODELS = admin_models()


# --- the data -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """The demo, topped up so that every list has LARGE rows in the county; rolled back after."""
    with django_db_blocker.unblock(), transaction.atomic():
        # A transactional test before this module flushes the rows of data migrations.
        served_groups = importlib.import_module("orgs.migrations.0002_served_groups")
        served_groups.add_served_groups(django_apps, None)
        call_command("load_demo", stdout=StringIO())
        from stations.models import AdminArea

        world = SimpleNamespace(
            superuser=User.objects.get(username="admin"),
            county_user=User.objects.get(username=COUNTY_USER),
            county=AdminArea.objects.get(code=COUNTY),
        )
        world.users = {"county": world.county_user, "superuser": world.superuser}
        _complete_the_world(world)
        for endpoint in LIST_ENDPOINTS:
            _top_up(endpoint, world)
        for model in ADMIN_MODELS:
            _top_up_admin(model, world)
        connection.check_constraints()
        yield world
        transaction.set_rollback(True)


def _complete_the_world(world) -> None:
    """What the demo does not make: a proof of service and a computed compliance run."""
    import datetime

    from reports.models import ComplianceRun
    from reports.services import compliance_run_execute
    from volunteers.models import ServiceRecord
    from volunteers.services import proof_issue

    record = (
        ServiceRecord.objects.filter(
            is_verified=True, volunteer__area__path__startswith=world.county.path
        )
        .select_related("volunteer", "activity")
        .order_by("pk")
        .first()
    )
    proof_issue(
        actor=world.superuser,
        volunteer=record.volunteer,
        period_start=datetime.date(YEAR, 1, 1),
        period_end=datetime.date(YEAR, 12, 31),
        # The recording organisation issues the proof (volunteers.services.proof_issuer).
        team=record.activity.organiser_team,
        station=record.activity.organiser_station,
        organisation=record.activity.organiser_org,
    )
    run = ComplianceRun.objects.create(area=world.county, year=YEAR, requested_by=world.superuser)
    compliance_run_execute(run_id=run.pk)


def _viewset_queryset(viewset, user):
    """What the viewset lists for `user` (its scope and narrowing), read without a request."""
    request = Request(APIRequestFactory().get("/"))
    request.user = user
    view = viewset()
    view.request, view.action, view.format_kwarg, view.kwargs = request, "list", None, {}
    return view.get_queryset()


_serials = itertools.count(1)


def _clone(obj, *, unique_by_changes: bool = False, **changes):
    """A copy of `obj` with its unique fields made unique again (written directly, like factories).

    With `unique_by_changes`, a constraint over a changed field is left to the change (a report
    copied to another contract keeps its period).
    """
    model = type(obj)
    serial = next(_serials)
    values = {
        field.attname: getattr(obj, field.attname)
        for field in model._meta.concrete_fields
        if not field.primary_key
    }
    values.update(changes)
    fields = {field.name: field for field in model._meta.concrete_fields}
    for field in model._meta.concrete_fields:
        if field.primary_key or not field.unique or field.attname in changes:
            continue
        if values[field.attname] in (None, ""):
            continue
        if isinstance(field, models.OneToOneField):
            values[field.attname] = _clone(getattr(obj, field.name)).pk
        elif isinstance(field, models.CharField):
            values[field.attname] = _unique_text(values[field.attname], field, serial)
        else:
            raise NotImplementedError(f"{model._meta.label}.{field.name}: unique, not cloned")
    for constraint in model._meta.constraints:
        if not isinstance(constraint, models.UniqueConstraint) or not constraint.fields:
            continue
        together = [fields[name] for name in constraint.fields]
        if unique_by_changes and any(field.attname in changes for field in together):
            continue
        # A choice (a report's kind, say) is part of what the row is: keep it.
        texts = [
            field for field in together if isinstance(field, models.CharField) and not field.choices
        ]
        dates = [field for field in together if isinstance(field, models.DateField)]
        years = [field for field in together if field.name == "year"]
        if texts:
            values[texts[0].attname] = _unique_text(values[texts[0].attname], texts[0], serial)
        elif years:
            values["year"] = values["year"] - serial
        elif dates:
            import datetime

            values[dates[0].attname] += datetime.timedelta(days=31 * serial)
        else:
            raise NotImplementedError(f"{model._meta.label}: {constraint.name} not cloned")
    return model._default_manager.create(**values)


def _unique_text(value: str, field, serial: int) -> str:
    suffix = f"{serial:05d}"
    return (value or "x")[: field.max_length - len(suffix)] + suffix


def _top_up(endpoint, world) -> None:
    """Copies rows until the county administrator lists LARGE of them."""
    reachable = _viewset_queryset(endpoint.viewset, world.county_user)
    missing = LARGE - reachable.count()
    if missing <= 0:
        return
    source = reachable.order_by("pk").first()
    changes = {}
    if source is None:
        # Nothing in the county: copy a row from elsewhere into it (direct `area` only).
        source = _viewset_queryset(endpoint.viewset, world.superuser).order_by("pk").first()
        changes = {"area_id": world.county.pk}
    if source is None:
        return  # test_every_list_endpoint_has_large_rows_for_the_county names it
    try:
        with transaction.atomic():
            for _number in range(missing):
                _clone(source, **changes)
    except (NotImplementedError, IntegrityError):
        pass  # as above: the demo needs more rows of it, or the list a reason in NOT_A_PAGE


def _top_up_admin(model, world) -> None:
    """Copies rows until the county administrator's changelist has LARGE, where a copy is simple.

    A table whose rows cannot be copied that way (unique links to other rows) stays short and
    its changelist test is skipped; the big tables must not be among them.
    """
    reachable = _changelist_queryset(model, world.county_user)
    missing = LARGE - reachable.count()
    source = reachable.order_by("pk").first()
    if missing <= 0 or source is None:
        return
    try:
        with transaction.atomic():
            for _number in range(missing):
                _clone(source)
    except (NotImplementedError, IntegrityError):
        pass


# --- measuring ------------------------------------------------------------------------------


def _api_client(user) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_authenticate(user=user)
    return client


def _measure(client, url: str, params: dict | None = None, *, method: str = "get"):
    """(status, rows listed, queries) of the request, after one warm-up (permission caches)."""
    getattr(client, method)(url, params or {})
    with CaptureQueriesContext(connection) as context:
        response = getattr(client, method)(url, params or {})
    rows = None
    changelist = (response.context or {}).get("cl") if response.context else None
    if changelist is not None:
        rows = len(changelist.result_list)
    elif response.get("Content-Type", "").startswith("application/json"):
        body = response.json()
        if isinstance(body, dict) and "results" in body:
            rows = len(body["results"])
    return SimpleNamespace(
        status=response.status_code,
        rows=rows,
        queries=len(context),
        sql=[query["sql"] for query in context.captured_queries],
        response=response,
    )


def _repeated(small, large) -> list[str]:
    """The statements the larger request ran more often: the N+1, for the failure message."""
    grown = Counter(large.sql) - Counter(small.sql)
    return [f"{count}× {sql[:300]}" for sql, count in grown.most_common(5)]


def assert_same_cost(small, large, label: str) -> None:
    assert (label, large.queries) == (label, small.queries), _repeated(small, large)


# --- API lists ------------------------------------------------------------------------------


def test_every_list_endpoint_has_large_rows_for_the_county(world):
    # A list with fewer rows would be measured on too few: give the demo more rows of it.
    short = {
        endpoint.id: count
        for endpoint in LIST_ENDPOINTS
        if (count := _viewset_queryset(endpoint.viewset, world.county_user).count()) < LARGE
    }
    assert short == {}


def test_every_collection_action_is_guarded_or_excluded():
    guarded = set(PAGED_ACTIONS) | EXPORT_ACTIONS | set(AREA_ACTIONS) | set(EXCLUDED_ACTIONS)
    found = {f"{e.id}/{path}" for e in ENDPOINTS for path in e.collection_actions}
    assert (found - guarded, guarded - found) == (set(), set())
    assert all(reason for reason in EXCLUDED_ACTIONS.values())
    # Every router entry is a list measured by page, or left out with a reason.
    unpaged = {e.id for e in ENDPOINTS if not e.has_list} | set(NOT_A_PAGE)
    assert unpaged == set(NOT_A_PAGE)
    assert all(reason for reason in NOT_A_PAGE.values())


@pytest.mark.parametrize("who", WHO)
@pytest.mark.parametrize("endpoint", LIST_ENDPOINTS, ids=[e.id for e in LIST_ENDPOINTS])
def test_list_costs_the_same_for_more_rows(world, db, endpoint, who):
    client = _api_client(world.users[who])
    url = f"/api/v1/{endpoint.prefix}/"

    small = _measure(client, url, {"page_size": SMALL})
    large = _measure(client, url, {"page_size": LARGE})

    assert (small.status, small.rows, large.status, large.rows) == (200, SMALL, 200, LARGE)
    assert_same_cost(small, large, endpoint.id)


def test_the_guard_fails_on_a_missing_select_related(world, db, monkeypatch):
    # The compliance runs list names each run's area: without the join, a query per row.
    from reports.api import ComplianceRunViewSet

    client = _api_client(world.county_user)
    url = "/api/v1/compliance/runs/"
    monkeypatch.setattr(ComplianceRunViewSet, "scoped_queryset", lambda view: view.queryset.all())

    small = _measure(client, url, {"page_size": SMALL})
    large = _measure(client, url, {"page_size": LARGE})

    assert large.queries - small.queries == LARGE - SMALL
    with pytest.raises(AssertionError):
        assert_same_cost(small, large, "compliance runs without select_related")


@pytest.mark.parametrize("who", WHO)
@pytest.mark.parametrize("action", sorted(PAGED_ACTIONS))
def test_paged_action_costs_the_same_for_more_rows(world, db, action, who):
    client = _api_client(world.users[who])
    path = action.split(":")[1]
    url = f"/api/v1/{path}/"

    small = _measure(client, url, {"page_size": SMALL, **PAGED_ACTIONS[action]})
    large = _measure(client, url, {"page_size": LARGE, **PAGED_ACTIONS[action]})

    assert (small.status, small.rows, large.status, large.rows) == (200, SMALL, 200, LARGE)
    assert_same_cost(small, large, action)


def _endpoint_of(action: str):
    endpoint_id, _slash, _path = action.rpartition("/")
    return next(endpoint for endpoint in ENDPOINTS if endpoint.id == endpoint_id)


@pytest.mark.parametrize("who", WHO)
@pytest.mark.parametrize("action", sorted(EXPORT_ACTIONS))
def test_export_costs_the_same_for_more_rows(world, db, action, who):
    client = _api_client(world.users[who])
    endpoint = _endpoint_of(action)
    url = f"/api/v1/{action.split(':')[1]}/"
    source = _viewset_queryset(endpoint.viewset, world.county_user).order_by("pk").first()
    # The rows of one area (`?within=`) keep the files small; the copies land in that area.
    area_field = endpoint.viewset.area_field
    if isinstance(area_field, tuple):
        area_field = area_field[0]  # a row reached through any of several areas: its own
    within = {f"{area_field}__path__startswith": _area_of(source, area_field).path}
    in_area = _viewset_queryset(endpoint.viewset, world.county_user).filter(**within)
    params = {"within": _area_of(source, area_field).code}
    rows_before = in_area.count()

    small = _measure(client, url, params)
    for _number in range(GROWTH):
        _clone(source)
    large = _measure(client, url, params)

    assert (small.status, large.status, in_area.count()) == (200, 200, rows_before + GROWTH)
    assert_same_cost(small, large, action)


def _area_of(row, area_field: str):
    for name in area_field.split("__"):
        row = getattr(row, name)
    return row


# --- reports, dashboard and area-keyed summaries --------------------------------------------


def _add_townships(world, count: int) -> None:
    """`count` more townships in the county, each with a community, a station, a worker, an org."""
    from stations.models import AdminArea
    from tests.factories import make_area, make_station
    from tests.orgs.factories import make_org
    from tests.talent.factories import make_worker

    taken = AdminArea.objects.filter(parent=world.county).count()
    for number in range(count):
        code = f"{COUNTY[:6]}{900 - number:03d}000"
        township = make_area(code, f"新设街道{number}", AdminArea.Level.TOWNSHIP, world.county)
        community = make_area(
            f"{code[:9]}001",
            f"新设社区{number}",
            AdminArea.Level.COMMUNITY,
            township,
            urban_rural="urban",
            urban_rural_code="111",
            urban_rural_source="nbs",
        )
        make_station(township)
        make_worker(township)
        make_org(community)
    assert AdminArea.objects.filter(parent=world.county).count() == taken + count


def _compliance_run(world):
    from reports.models import ComplianceRun
    from reports.services import compliance_run_execute

    run = ComplianceRun.objects.create(area=world.county, year=YEAR, requested_by=world.superuser)
    with CaptureQueriesContext(connection) as context:
        run = compliance_run_execute(run_id=run.pk)
    assert run.status == ComplianceRun.Status.COMPLETE, run.error
    return SimpleNamespace(queries=len(context), sql=[q["sql"] for q in context.captured_queries])


def _report_pages(world, who) -> dict:
    """The query cost of each report reader for the county."""
    api = _api_client(world.users[who])
    browser = Client(HTTP_ACCEPT_LANGUAGE="en")
    browser.force_login(world.users[who])
    measured = {
        "compliance": _measure(api, "/api/v1/compliance/", {"area": COUNTY, "year": YEAR}),
        "dashboard": _measure(browser, reverse("dashboard"), {"area": COUNTY, "year": YEAR}),
    }
    for action, params in AREA_ACTIONS.items():
        measured[action] = _measure(api, f"/api/v1/{action.split(':')[1]}/", params)
    return measured


def test_compliance_run_costs_the_same_for_more_areas(world, db):
    small = _compliance_run(world)
    _add_townships(world, EXTRA_TOWNSHIPS)
    large = _compliance_run(world)

    assert_same_cost(small, large, "compliance run")


@pytest.mark.parametrize("who", WHO)
def test_reports_cost_the_same_for_more_areas(world, db, who):
    small = _report_pages(world, who)
    _add_townships(world, EXTRA_TOWNSHIPS)
    _compliance_run(world)
    large = _report_pages(world, who)

    assert {name: m.status for name, m in small.items()} == dict.fromkeys(small, 200)
    assert {name: m.status for name, m in large.items()} == dict.fromkeys(large, 200)
    for name in small:
        assert_same_cost(small[name], large[name], name)


def test_report_export_costs_the_same_for_more_areas(world, db):
    from reports.exports import report_export_build, report_export_request

    def build(file_format):
        export = report_export_request(
            actor=world.county_user, area=world.county, year=YEAR, file_format=file_format
        )
        with CaptureQueriesContext(connection) as context:
            export = report_export_build(export_id=export.pk)
        return export, SimpleNamespace(
            queries=len(context), sql=[q["sql"] for q in context.captured_queries]
        )

    small = {file_format: build(file_format) for file_format in ("xlsx", "pdf")}
    _add_townships(world, EXTRA_TOWNSHIPS)
    _compliance_run(world)
    large = {file_format: build(file_format) for file_format in ("xlsx", "pdf")}

    for file_format in small:
        export_small, cost_small = small[file_format]
        export_large, cost_large = large[file_format]
        assert (export_small.status, export_large.status) == ("ready", "ready")
        assert_same_cost(cost_small, cost_large, f"report export {file_format}")


# --- admin changelists ----------------------------------------------------------------------


def _changelist_queryset(model, user):
    request = RequestFactory().get("/")
    request.user = user
    return admin.site._registry[model].get_queryset(request)


def _changelist_rows(model, user) -> int:
    return _changelist_queryset(model, user).count()


def test_big_admin_tables_have_large_rows_for_the_county(world):
    by_label = {model._meta.label_lower: model for model in ADMIN_MODELS}
    short = {
        label: count
        for label in BIG_ADMIN_TABLES
        if (count := _changelist_rows(by_label[label], world.county_user)) < LARGE
    }
    assert short == {}


@pytest.mark.parametrize("who", WHO)
@pytest.mark.parametrize(
    "model", ADMIN_MODELS, ids=[model._meta.label_lower for model in ADMIN_MODELS]
)
def test_admin_changelist_costs_the_same_for_more_rows(world, db, model, who, monkeypatch):
    user = world.users[who]
    meta = model._meta
    if not user.has_perm(f"{meta.app_label}.view_{meta.model_name}"):
        pytest.skip("the county administrator may not view this table")
    if _changelist_rows(model, user) < LARGE:
        assert meta.label_lower not in BIG_ADMIN_TABLES
        pytest.skip(f"fewer than {LARGE} rows in reach")
    model_admin = admin.site._registry[model]
    browser = Client(HTTP_ACCEPT_LANGUAGE="en")
    browser.force_login(user)
    url = reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")

    monkeypatch.setattr(model_admin, "list_per_page", SMALL)
    small = _measure(browser, url)
    monkeypatch.setattr(model_admin, "list_per_page", LARGE)
    large = _measure(browser, url)

    assert (small.status, small.rows, large.status, large.rows) == (200, SMALL, 200, LARGE)
    assert_same_cost(small, large, meta.label_lower)


# --- the contractors' portal ----------------------------------------------------------------


def _grow_contracts(contractor_id: int) -> None:
    """GROWTH more contracts of the contractor, each with a copy of the first one's reports."""
    from projects.models import Contract, Report

    source = Contract.objects.filter(contractor_id=contractor_id).order_by("pk").first()
    reports = list(Report.objects.filter(contract=source))
    for _number in range(GROWTH):
        contract = _clone(source)
        for report in reports:
            _clone(report, unique_by_changes=True, contract_id=contract.pk)


def _grow_reports(reports) -> None:
    """GROWTH more reports like the first of `reports` (other periods)."""
    source = reports.order_by("pk").first()
    for _number in range(GROWTH):
        _clone(source)


def _portal_page(world, page: str):
    """(user, url, params, rows in the page's context, how to add rows) of a portal page."""
    from projects.models import Report

    contractor = User.objects.get(username="sunshine_contractor")
    contract = (
        contractor.contractor.contracts.order_by("pk").first() if contractor.contractor_id else None
    )
    latest = Report.objects.filter(contract=contract).order_by("-due_date").first()
    submitted = Report.objects.filter(contract__area=world.county, status=Report.Status.SUBMITTED)
    return {
        "home": (
            contractor,
            reverse("portal:home"),
            {},
            lambda context: len(context["contracts"]),
            lambda: _grow_contracts(contractor.contractor_id),
        ),
        "calendar": (
            contractor,
            reverse("portal:calendar"),
            {"month": f"{latest.due_date:%Y-%m}"},
            # The month's contracts: each copy brings the first contract's reports of the month.
            lambda context: len(context["per_contract"]),
            lambda: _grow_contracts(contractor.contractor_id),
        ),
        "contract": (
            contractor,
            reverse("portal:contract", args=[contract.pk]),
            {},
            lambda context: len(context["reports"]),
            lambda: _grow_reports(Report.objects.filter(contract=contract)),
        ),
        "review-list": (
            world.county_user,
            reverse("portal:review-list"),
            {},
            lambda context: len(context["reports"]),
            lambda: _grow_reports(submitted),
        ),
    }[page]


@pytest.mark.parametrize("page", ["home", "calendar", "contract", "review-list"])
def test_portal_page_costs_the_same_for_more_rows(world, db, page):
    user, url, params, rows, grow = _portal_page(world, page)
    browser = Client(HTTP_ACCEPT_LANGUAGE="en")
    browser.force_login(user)

    small = _measure(browser, url, params)
    grow()
    large = _measure(browser, url, params)

    assert (small.status, large.status) == (200, 200)
    assert rows(large.response.context) == rows(small.response.context) + GROWTH
    assert_same_cost(small, large, f"portal {page}")
