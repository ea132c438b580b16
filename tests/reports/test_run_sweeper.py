"""The sweeper of compliance runs lost with their worker: a run queued or running without
progress for COMPLIANCE_RUN_STALE_AFTER is failed with its reason, everything else is left alone,
and readers keep answering from the last complete snapshot."""

import datetime
from decimal import Decimal

from django.utils import timezone

import pytest
from django_celery_beat.models import PeriodicTask

from reports.models import ComplianceRun, ComplianceSnapshot, Target, TargetThreshold
from reports.selectors import compliance_report, snapshot_current
from reports.services import (
    compliance_run_execute,
    compliance_runs_sweep,
)
from reports.tasks import compliance_runs_sweep_task
from stations.models import AreaPopulation

pytestmark = pytest.mark.django_db

Status = ComplianceRun.Status
HOUR = datetime.timedelta(hours=1)
SWEPT = (
    "No progress for 120 minutes: the worker computing this run was lost. "
    "The previous snapshot stays current; the next run computes the figures again."
)


@pytest.fixture
def computed(tree) -> ComplianceRun:
    """The city's complete run of 2025 (population judged against a target), a day old."""
    AreaPopulation.objects.create(area=tree.comm_a1_urban, year=2025, population=4000)
    target = Target.objects.create(
        metric="population",
        area=tree.city,
        level=None,
        year=2025,
        source_document="测试文件",
        source_clause="第一条",
    )
    TargetThreshold.objects.create(target=target, value=Decimal(5000), valid_from=timezone.now())
    run = ComplianceRun.objects.create(area=tree.city, year=2025)
    compliance_run_execute(run_id=run.pk)
    day_ago = timezone.now() - 24 * HOUR
    ComplianceRun.objects.filter(pk=run.pk).update(
        requested_at=day_ago, started_at=day_ago, progress_at=day_ago, finished_at=day_ago
    )
    return ComplianceRun.objects.get(pk=run.pk)


def make_run(area, *, status: str, requested=None, started=None, progress=None, **fields):
    run = ComplianceRun.objects.create(area=area, year=2025, status=status, **fields)
    # requested_at is auto_now_add: set afterwards.
    ComplianceRun.objects.filter(pk=run.pk).update(
        requested_at=requested or timezone.now(), started_at=started, progress_at=progress
    )
    return run


def rows() -> dict[int, tuple]:
    return {
        run["pk"]: (run["status"], run["error"], run["finished_at"])
        for run in ComplianceRun.objects.values("pk", "status", "error", "finished_at")
    }


@pytest.fixture
def runs(tree, computed):
    """Every kind of run next to the complete one, as seen at `now`."""
    now = timezone.now()
    return {
        "now": now,
        "complete": computed,
        "lost running": make_run(
            tree.city, status=Status.RUNNING, requested=now - 3 * HOUR, started=now - 3 * HOUR,
            progress=now - 3 * HOUR, parts_total=10, parts_done=4,
        ),
        "lost before its first progress (no progress_at)": make_run(
            tree.county_a, status=Status.RUNNING, requested=now - 3 * HOUR, started=now - 3 * HOUR
        ),
        "lost in the queue": make_run(tree.county_b, status=Status.QUEUED, requested=now - 3 * HOUR),
        "long but progressing": make_run(
            tree.city, status=Status.RUNNING, requested=now - 5 * HOUR, started=now - 5 * HOUR,
            progress=now - datetime.timedelta(minutes=10),
        ),
        "exactly at the cutoff": make_run(
            tree.county_a, status=Status.RUNNING, requested=now - 2 * HOUR,
            started=now - 2 * HOUR, progress=now - 2 * HOUR,
        ),
        "just queued": make_run(tree.county_b, status=Status.QUEUED, requested=now),
        "failed long ago": make_run(
            tree.city, status=Status.FAILED, requested=now - 48 * HOUR,
            started=now - 48 * HOUR, error="OperationalError: lost",
        ),
    }  # fmt: skip


LOST = [
    "lost running",
    "lost before its first progress (no progress_at)",
    "lost in the queue",
]


def test_runs_without_progress_are_failed_with_the_reason(runs):
    # given the runs, and what the others look like before the sweep
    before = rows()
    now = runs["now"]

    # when the sweeper runs
    swept = compliance_runs_sweep(now=now)

    # then the three lost runs are failed with the reason at `now`; every other row is unchanged
    after = rows()
    assert swept == 3
    lost = {runs[name].pk for name in LOST}
    assert {name: after[runs[name].pk] for name in LOST} == dict.fromkeys(
        LOST, ("failed", SWEPT, now)
    )
    assert {pk: row for pk, row in after.items() if pk not in lost} == {
        pk: row for pk, row in before.items() if pk not in lost
    }
    assert ComplianceRun.objects.get(pk=runs["lost running"].pk).parts_done == 4


def test_readers_answer_from_the_last_complete_snapshot(api, tree, actors, runs):
    # given what the API answers while the lost run hangs
    client = api(actors.county_admin)
    query = {"area": tree.county_a.code, "year": 2025}
    answer_before = client.get("/api/v1/compliance/", query).json()

    # when the sweeper fails the lost runs
    compliance_runs_sweep(now=runs["now"])

    # then the complete run's snapshot is still the current one, and the API answers the same
    snapshot = ComplianceSnapshot.objects.get(run=runs["complete"])
    assert snapshot_current(area=tree.county_a, year=2025) == snapshot
    assert ComplianceSnapshot.objects.filter(is_current=True).count() == 1
    response = client.get("/api/v1/compliance/", query)
    assert (response.status_code, response.json()) == (200, answer_before)
    assert response.json()["targets"][0]["value"] == 4000


def test_a_second_sweep_changes_nothing(runs):
    compliance_runs_sweep(now=runs["now"])
    after_first = list(ComplianceRun.objects.order_by("pk").values())

    # (beat firing twice, or the task redelivered)
    swept_again = compliance_runs_sweep(now=runs["now"])

    assert swept_again == 0
    assert list(ComplianceRun.objects.order_by("pk").values()) == after_first


def test_the_cutoff_is_the_setting(settings, tree):
    # given a cutoff of 30 minutes, and runs silent for 40 and for 20 minutes
    settings.COMPLIANCE_RUN_STALE_AFTER = datetime.timedelta(minutes=30)
    now = timezone.now()
    silent = make_run(tree.city, status=Status.RUNNING, progress=now - 40 * HOUR / 60)
    busy = make_run(tree.city, status=Status.RUNNING, progress=now - 20 * HOUR / 60)

    swept = compliance_runs_sweep(now=now)

    assert (swept, ComplianceRun.objects.get(pk=busy.pk).status) == (1, "running")
    assert ComplianceRun.objects.get(pk=silent.pk).error.startswith("No progress for 30 minutes")


def test_a_swept_run_whose_message_comes_back_is_computed_again(tree, runs):
    # given a swept run
    compliance_runs_sweep(now=runs["now"])
    lost = runs["lost running"]

    # when the broker redelivers its message after all
    rerun = compliance_run_execute(run_id=lost.pk)

    # then it completes and its snapshot becomes the current one
    assert (rerun.status, rerun.error) == ("complete", "")
    assert snapshot_current(area=tree.city, year=2025).run_id == lost.pk


def test_a_swept_run_no_longer_swallows_the_changes_of_its_root(
    api, tree, actors, computed, django_capture_on_commit_callbacks
):
    # given a partial run of the city lost in the queue three hours ago: a recorded change is
    # added to it (it "will start and see the change") and nothing else is queued
    lost = make_run(
        tree.city,
        status=Status.QUEUED,
        requested=timezone.now() - 3 * HOUR,
        changed_paths=[tree.comm_a1_urban.path],
    )
    client = api(actors.city_admin)

    def record_population(area, population: int) -> None:
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                "/api/v1/populations/",
                {"area": area.code, "year": 2025, "population": population},
                format="json",
            )
        assert response.status_code == 201

    record_population(tree.comm_b1, 12000)
    assert ComplianceRun.objects.count() == 2
    assert ComplianceRun.objects.get(pk=lost.pk).changed_paths == [
        tree.comm_a1_urban.path,
        tree.comm_b1.path,
    ]

    # when the sweeper has failed it and another change is recorded
    compliance_runs_sweep()
    record_population(tree.comm_a2, 3210)

    # then that change is computed by a fresh run, and readers see it
    fresh = ComplianceRun.objects.exclude(pk__in=[computed.pk, lost.pk]).get()
    assert (fresh.status, fresh.changed_paths) == ("complete", [tree.comm_a2.path])
    assert ComplianceRun.objects.get(pk=lost.pk).status == "failed"
    report = compliance_report(area=tree.town_a2, year=2025)
    assert report["targets"][0]["value"] == 3210


def make_lost_and_live_runs(tree) -> tuple[ComplianceRun, ComplianceRun]:
    now = timezone.now()
    return (
        make_run(tree.city, status=Status.RUNNING, started=now - 3 * HOUR, progress=now - 3 * HOUR),
        make_run(tree.city, status=Status.RUNNING, started=now - 3 * HOUR, progress=now),
    )


def test_the_task_sweeps_and_is_scheduled_every_ten_minutes(tree):
    lost, live = make_lost_and_live_runs(tree)
    assert compliance_runs_sweep_task.apply().get() == 1
    assert ComplianceRun.objects.get(pk=lost.pk).status == "failed"
    assert ComplianceRun.objects.get(pk=live.pk).status == "running"
    schedule = PeriodicTask.objects.get(name="compliance-runs-sweep")
    assert (
        schedule.task,
        schedule.enabled,
        schedule.interval.every,
        schedule.interval.period,
    ) == ("reports.tasks.compliance_runs_sweep_task", True, 10, "minutes")
