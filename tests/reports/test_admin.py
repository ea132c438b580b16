"""The reports admin: targets and their threshold versions, runs, snapshots and exports are
scoped to the user's subtree (404 outside it), and computed results are read-only."""

from decimal import Decimal
from io import StringIO

from django.core.management import call_command
from django.utils import timezone

import pytest

from reports.models import ComplianceRun, ComplianceSnapshot, ReportExport, Target, TargetThreshold

pytestmark = pytest.mark.django_db


def make_target(area, metric="talent_total", value=10):
    target = Target.objects.create(metric=metric, area=area, year=2025, source_document="方案")
    TargetThreshold.objects.create(
        target=target, value=Decimal(value), valid_from=timezone.now() - timezone.timedelta(days=1)
    )
    return target


def target_form(area, **fields) -> dict:
    return {
        "metric": "talent_total",
        "comparison": "gte",
        "area": area.pk,
        "level": "",
        "year": 2025,
        "source_document": "方案",
        "source_clause": "",
        "preset": "",
        "is_active": "on",
        "thresholds-TOTAL_FORMS": 0,
        "thresholds-INITIAL_FORMS": 0,
        "thresholds-MIN_NUM_FORMS": 0,
        "thresholds-MAX_NUM_FORMS": 1000,
        **fields,
    }


@pytest.fixture
def targets(tree):
    return {
        "city": make_target(tree.city),
        "county_a": make_target(tree.county_a),
        "county_b": make_target(tree.county_b),
    }


def test_the_target_list_shows_only_the_subtree(client, actors, targets):
    client.force_login(actors.county_admin)

    response = client.get("/admin/reports/target/")

    assert response.status_code == 200
    assert [t.pk for t in response.context["cl"].result_list] == [targets["county_a"].pk]


@pytest.mark.parametrize(
    ("_case", "which", "status"),
    [("own_county", "county_a", 200), ("other_county", "county_b", 404), ("above", "city", 404)],
)
def test_a_target_outside_the_subtree_is_not_found(client, actors, targets, _case, which, status):
    client.force_login(actors.county_admin)

    response = client.get(f"/admin/reports/target/{targets[which].pk}/change/")

    assert response.status_code == status


def test_a_target_for_another_county_cannot_be_added(client, tree, actors):
    client.force_login(actors.county_admin)

    response = client.post("/admin/reports/target/add/", target_form(tree.county_b))

    assert response.status_code == 200
    assert "area" in response.context["adminform"].form.errors
    assert Target.objects.count() == 0


def test_threshold_versions_are_added_never_rewritten(client, tree, actors, targets):
    target = targets["county_a"]
    old = target.thresholds.get()
    client.force_login(actors.county_admin)

    response = client.post(
        f"/admin/reports/target/{target.pk}/change/",
        target_form(
            tree.county_a,
            **{
                "thresholds-TOTAL_FORMS": 2,
                "thresholds-INITIAL_FORMS": 1,
                "thresholds-0-id": old.pk,
                "thresholds-0-target": target.pk,
                "thresholds-0-value": "99",
                "thresholds-0-valid_from_0": "2025-01-01",
                "thresholds-0-valid_from_1": "00:00:00",
                "thresholds-1-target": target.pk,
                "thresholds-1-value": "12",
                "thresholds-1-valid_from_0": "2025-06-01",
                "thresholds-1-valid_from_1": "00:00:00",
            },
        ),
    )

    assert response.status_code == 302
    versions = list(target.thresholds.order_by("pk").values_list("value", "created_by__username"))
    assert versions == [(Decimal(10), None), (Decimal(12), "county_a_admin")]


def test_a_run_added_in_the_admin_is_queued_and_computed(
    client, tree, actors, django_capture_on_commit_callbacks
):
    client.force_login(actors.county_admin)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/admin/reports/compliancerun/add/", {"area": tree.county_a.pk, "year": 2025}
        )

    assert response.status_code == 302
    run = ComplianceRun.objects.get()
    assert (run.area_id, run.year, run.requested_by_id, run.status) == (
        tree.county_a.pk,
        2025,
        actors.county_admin.pk,
        "complete",
    )


def test_a_run_for_another_county_cannot_be_added(client, tree, actors):
    client.force_login(actors.county_admin)

    response = client.post(
        "/admin/reports/compliancerun/add/", {"area": tree.county_b.pk, "year": 2025}
    )

    assert response.status_code == 200
    assert "area" in response.context["adminform"].form.errors
    assert ComplianceRun.objects.count() == 0


@pytest.fixture
def runs(tree):
    call_command(
        "compute_compliance", "--year", "2025", "--area", tree.county_a.code, stdout=StringIO()
    )
    call_command(
        "compute_compliance", "--year", "2025", "--area", tree.county_b.code, stdout=StringIO()
    )
    return {
        "county_a": ComplianceRun.objects.get(area=tree.county_a),
        "county_b": ComplianceRun.objects.get(area=tree.county_b),
    }


def test_a_computed_run_is_read_only(client, tree, actors, runs):
    run = runs["county_a"]
    client.force_login(actors.county_admin)

    page = client.get(f"/admin/reports/compliancerun/{run.pk}/change/")
    posted = client.post(
        f"/admin/reports/compliancerun/{run.pk}/change/", {"area": tree.county_a.pk, "year": 2020}
    )

    assert page.status_code == 200
    assert page.context["has_change_permission"] is False
    assert posted.status_code == 403
    assert ComplianceRun.objects.get(pk=run.pk).year == 2025


@pytest.mark.parametrize(
    ("_case", "model"), [("runs", "compliancerun"), ("snapshots", "compliancesnapshot")]
)
def test_runs_and_snapshots_of_another_county_are_not_found(client, actors, runs, _case, model):
    client.force_login(actors.county_admin)
    objects = {
        "compliancerun": runs["county_b"],
        "compliancesnapshot": ComplianceSnapshot.objects.get(run=runs["county_b"]),
    }

    listing = client.get(f"/admin/reports/{model}/")
    other = client.get(f"/admin/reports/{model}/{objects[model].pk}/change/")

    assert [obj.area.code for obj in listing.context["cl"].result_list] == ["150602000000"]
    assert other.status_code == 404


def test_snapshots_cannot_be_added_or_changed(client, tree, actors, runs):
    snapshot = ComplianceSnapshot.objects.get(run=runs["county_a"])
    client.force_login(actors.county_admin)

    added = client.get("/admin/reports/compliancesnapshot/add/")
    page = client.get(f"/admin/reports/compliancesnapshot/{snapshot.pk}/change/")
    posted = client.post(
        f"/admin/reports/compliancesnapshot/{snapshot.pk}/change/",
        {"area": tree.county_a.pk, "year": 2020, "is_current": ""},
    )

    assert added.status_code == 403
    assert (page.status_code, page.context["has_change_permission"]) == (200, False)
    assert posted.status_code == 403
    stored = ComplianceSnapshot.objects.get(pk=snapshot.pk)
    assert (stored.year, stored.is_current) == (2025, True)


def test_exports_are_listed_in_scope_and_read_only(client, tree, actors):
    own = ReportExport.objects.create(
        area=tree.county_a, year=2025, format="xlsx", requested_by=actors.city_admin
    )
    other = ReportExport.objects.create(
        area=tree.county_b, year=2025, format="pdf", requested_by=actors.city_admin
    )
    client.force_login(actors.county_admin)

    listing = client.get("/admin/reports/reportexport/")
    page = client.get(f"/admin/reports/reportexport/{own.pk}/change/")
    hidden = client.get(f"/admin/reports/reportexport/{other.pk}/change/")
    added = client.get("/admin/reports/reportexport/add/")

    assert [export.pk for export in listing.context["cl"].result_list] == [own.pk]
    assert (page.status_code, page.context["has_change_permission"]) == (200, False)
    assert hidden.status_code == 404
    assert added.status_code == 403


def test_a_user_without_an_area_sees_no_targets(client, actors, targets):
    client.force_login(actors.nobody)

    response = client.get("/admin/reports/target/")

    assert list(response.context["cl"].result_list) == []
