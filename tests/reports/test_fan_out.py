"""A run over a city or province is split into one Celery part per child area (a chord) and
combined into one snapshot with exactly the figures of the run computed whole (eager tasks
here; the real-worker fault tests live with the worker tests)."""

import datetime
from decimal import Decimal
from io import StringIO

from django.core.management import call_command
from django.utils import timezone

import pytest

from reports import metric_defs
from reports.engine import Metric
from reports.models import AreaResult, ComplianceRun, ComplianceSnapshot, Target, TargetThreshold
from reports.services import compliance_run_parts, compliance_run_queue
from stations.models import AreaPopulation
from tests.factories import make_station
from tests.orgs.factories import make_federation, make_orgs
from tests.talent.factories import make_certificate, make_worker

pytestmark = pytest.mark.django_db


@pytest.fixture
def records(tree):
    make_station(tree.town_a1)
    make_station(tree.town_b1)
    make_federation(tree.town_a2)
    make_orgs(tree.comm_a1_urban, 12)
    make_orgs(tree.comm_a2, 4)
    make_orgs(tree.comm_b1, 7)
    make_orgs(tree.comm_a1_rural, 2)
    for area in (tree.comm_a1_urban, tree.town_a2, tree.comm_b1, tree.comm_b1):
        make_worker(area)
    make_certificate(make_worker(tree.comm_b1), obtained_on=datetime.date(2024, 6, 1))
    AreaPopulation.objects.create(area=tree.city, year=2025, population=10000)
    AreaPopulation.objects.create(area=tree.county_a, year=2025, population=3000)
    AreaPopulation.objects.create(area=tree.comm_b1, year=2025, population=2000)
    target = Target.objects.create(
        metric="talent_total", area=tree.city, year=2025, source_document="方案"
    )
    TargetThreshold.objects.create(target=target, value=Decimal(5), valid_from=timezone.now())
    return tree


def current(area) -> dict[str, tuple]:
    snapshot = ComplianceSnapshot.objects.get(area=area, year=2025, is_current=True)
    return {
        row.area.code: (row.values, [{**r, "target": None} for r in row.results])
        for row in AreaResult.objects.filter(snapshot=snapshot).select_related("area")
    }


def test_the_split_run_has_the_figures_of_the_whole_run(
    records, django_capture_on_commit_callbacks
):
    call_command("compute_compliance", "--year", "2025", stdout=StringIO())
    whole = current(records.city)

    with django_capture_on_commit_callbacks(execute=True):
        run = compliance_run_queue(area=records.city, year=2025)

    run.refresh_from_db()
    assert (run.status, run.parts_total, run.parts_done) == ("complete", 3, 3)
    split = current(records.city)
    assert ComplianceSnapshot.objects.get(is_current=True).run_id == run.pk
    assert split == whole
    # Spot checks by hand: the city's own population figure, 5 active workers.
    assert split["150600000000"][0]["talent_per_mille"] == [5, 10000, 0.5]
    assert split["150600000000"][0]["urban_community_orgs_min"] == [4, 3, 4]
    assert split["150600000000"][1][0]["met"] is True


def test_a_city_with_two_counties_is_split_per_county(records):
    run = ComplianceRun.objects.create(area=records.city, year=2025)
    county = ComplianceRun.objects.create(area=records.county_a, year=2025)

    assert compliance_run_parts(run) == [records.county_a.path, records.county_b.path]
    assert compliance_run_parts(county) == []


def test_records_on_the_city_itself_run_it_whole(records, django_capture_on_commit_callbacks):
    make_worker(records.city)

    with django_capture_on_commit_callbacks(execute=True):
        run = compliance_run_queue(area=records.city, year=2025)

    run.refresh_from_db()
    assert (run.status, run.parts_total) == ("complete", len(metric_defs.metrics()) + 1)
    assert current(records.city)["150600000000"][0]["talent_total"] == [6, None, 6]


def test_a_failed_part_fails_the_run_and_keeps_the_old_snapshot(
    records, monkeypatch, django_capture_on_commit_callbacks
):
    call_command("compute_compliance", "--year", "2025", stdout=StringIO())
    old = ComplianceSnapshot.objects.get(is_current=True)

    def broken(tree, year):
        if tree.root_path == records.county_b.path:
            raise RuntimeError("database went away")
        return {path: (Decimal(1), None) for path in tree.rows}

    failing = Metric(key="failing", name="failing", unit="", combine="sum", compute=broken)
    monkeypatch.setattr(metric_defs, "REGISTRY", [*metric_defs.REGISTRY, failing])

    with (
        pytest.raises(RuntimeError, match="database went away"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        run = compliance_run_queue(area=records.city, year=2025)

    run = ComplianceRun.objects.order_by("-pk").first()
    assert run.status == "failed"
    assert run.error == f"{records.county_b.path}: RuntimeError: database went away"
    assert ComplianceSnapshot.objects.get(is_current=True) == old
