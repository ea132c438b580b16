"""The compliance API: shape, children, scope, runs and their progress."""

from decimal import Decimal
from io import StringIO

from django.core.management import call_command
from django.utils import timezone

import pytest

from reports.metric_defs import metric_by_key
from reports.models import ComplianceRun, Target, TargetThreshold
from stations.models import AreaPopulation

pytestmark = pytest.mark.django_db


@pytest.fixture
def computed(tree):
    AreaPopulation.objects.create(area=tree.comm_a1_urban, year=2025, population=4000)
    AreaPopulation.objects.create(area=tree.comm_b1, year=2025, population=12000)
    target = Target.objects.create(
        metric="population",
        area=tree.city,
        level=None,
        year=2025,
        source_document="测试文件",
        source_clause="第一条",
    )
    TargetThreshold.objects.create(target=target, value=Decimal(5000), valid_from=timezone.now())
    call_command(
        "compute_compliance", "--year", "2025", "--area", tree.city.code, stdout=StringIO()
    )
    return target


def test_compliance_shape_for_a_county_with_its_children(api, tree, actors, computed):
    response = api(actors.county_admin).get(
        "/api/v1/compliance/", {"area": tree.county_a.code, "year": 2025}
    )
    body = response.json()

    assert response.status_code == 200
    assert body["area"] == {"code": "150602000000", "name": "东胜区", "level": 2}
    assert body["year"] == 2025
    # The judged metrics come first; every other metric follows with no threshold.
    assert body["targets"][0] == {
        "key": "population",
        "name": "Resident population",
        "value": 4000,
        "threshold": 5000,
        "comparison": "gte",
        "unit": "persons",
        "met": False,
        "numerator": 4000,
        "denominator": None,
        "source": "测试文件 第一条",
    }
    assert [item["key"] for item in body["targets"][1:]] == [
        key for key in metric_by_key() if key != "population"
    ]
    assert {(item["threshold"], item["met"]) for item in body["targets"][1:]} == {(None, None)}
    assert [child["area"]["code"] for child in body["children"]] == [
        "150602001000",
        "150602002000",
    ]
    assert body["children"][1]["targets"][0]["value"] is None
    assert body["children"][1]["targets"][0]["met"] is None


def test_compliance_of_another_county_is_not_found(api, tree, actors, computed):
    response = api(actors.county_admin).get(
        "/api/v1/compliance/", {"area": tree.county_b.code, "year": 2025}
    )
    assert response.status_code == 404


def test_compliance_of_a_year_not_computed_is_not_found(api, tree, actors, computed):
    response = api(actors.city_admin).get(
        "/api/v1/compliance/", {"area": tree.city.code, "year": 2024}
    )
    assert response.status_code == 404


def test_compliance_needs_area_and_year(api, actors):
    response = api(actors.city_admin).get("/api/v1/compliance/", {"area": "15"})
    assert response.status_code == 400
    assert set(response.json()) == {"area", "year"}


def test_compliance_query_count_is_constant(api, tree, actors, computed, django_assert_num_queries):
    client = api(actors.city_admin)
    client.get("/api/v1/compliance/", {"area": tree.city.code, "year": 2025})
    # savepoint, scoped area, snapshot, children, area rows, release: the results carry a copy
    # of their targets, so the targets are not read
    with django_assert_num_queries(6):
        client.get("/api/v1/compliance/", {"area": tree.county_a.code, "year": 2025})


def test_a_run_started_through_the_api_completes_and_reports_progress(
    api, tree, actors, django_capture_on_commit_callbacks
):
    client = api(actors.county_admin)

    with django_capture_on_commit_callbacks(execute=True):
        started = client.post(
            "/api/v1/compliance/runs/", {"area": tree.county_a.code, "year": 2025}, format="json"
        )
    followed = client.get(f"/api/v1/compliance/runs/{started.json()['id']}/")

    assert started.status_code == 202
    assert followed.json()["status"] == "complete"
    assert followed.json()["progress"] == 1.0


def test_a_run_for_another_county_is_refused(api, tree, actors):
    response = api(actors.county_admin).post(
        "/api/v1/compliance/runs/", {"area": tree.county_b.code, "year": 2025}, format="json"
    )
    assert response.status_code == 400
    assert ComplianceRun.objects.count() == 0


def test_viewers_read_but_cannot_start_runs(api, tree, actors, computed):
    client = api(actors.viewer)
    read = client.get("/api/v1/compliance/", {"area": tree.city.code, "year": 2025})
    start = client.post("/api/v1/compliance/runs/", {"area": tree.city.code, "year": 2025})
    assert (read.status_code, start.status_code) == (200, 403)


def test_a_changed_threshold_does_not_rewrite_a_computed_snapshot(api, tree, actors, computed):
    TargetThreshold.objects.create(target=computed, value=Decimal(3000), valid_from=timezone.now())
    client = api(actors.city_admin)
    before = client.get("/api/v1/compliance/", {"area": tree.county_a.code, "year": 2025})
    call_command(
        "compute_compliance", "--year", "2025", "--area", tree.city.code, stdout=StringIO()
    )
    after = client.get("/api/v1/compliance/", {"area": tree.county_a.code, "year": 2025})

    assert before.json()["targets"][0]["threshold"] == 5000
    assert after.json()["targets"][0]["threshold"] == 3000
    assert after.json()["targets"][0]["met"] is True
