"""A Celery worker process killed (SIGKILL) in the middle of a compliance run.

A real worker (prefork, one pool process) takes the run from Redis and stops after its first
metric (tests/hardening/paused_worker.py). The test kills that pool process, as the kernel's OOM
killer or a lost node would, and checks that readers kept the last complete snapshot throughout
and that the run was delivered again and completed, with exactly one snapshot of its own.
"""

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from config.celery import app as celery_app
from reports.models import ComplianceRun, ComplianceSnapshot
from reports.services import compliance_run_execute
from reports.tasks import compliance_run_execute_task
from tests.worker_process import WORKER_MARKS, shared_database_url

ROOT = Path(__file__).resolve().parents[2]
pytestmark = WORKER_MARKS


def _read(path: Path) -> str:
    return path.read_text() if path.exists() else ""


def _wait_for(predicate, *, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    pytest.fail(f"timed out waiting for {what}")
    return None


def _computed_at(api, actor, area) -> str:
    response = api(actor).get("/api/v1/compliance/", {"area": area.code, "year": 2025})
    assert response.status_code == 200
    return response.json()["computed_at"]


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_run_leaves_the_last_snapshot_and_the_run_is_redelivered(
    tree, actors, api, tmp_path
):
    # given a complete snapshot of the city, which readers see
    previous_run = ComplianceRun.objects.create(area=tree.city, year=2025)
    compliance_run_execute(run_id=previous_run.pk)
    previous = ComplianceSnapshot.objects.get(run=previous_run)
    seen_before = _computed_at(api, actors.county_admin, tree.county_a)

    # and a worker whose pool process stops a new run of the city after its first metric
    gate, pid_file = tmp_path / "gate", tmp_path / "pid"
    gate.touch()
    queue = f"test-{uuid.uuid4().hex[:8]}"
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "tests.hardening.paused_worker",
            "worker",
            "--pool=prefork",
            "--concurrency=1",
            "--queues",
            queue,
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "--loglevel=INFO",
        ],
        cwd=ROOT,
        env={
            **os.environ,
            "DATABASE_URL": shared_database_url(),
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
            "COMPLIANCE_PAUSE_GATE": str(gate),
            "COMPLIANCE_PAUSE_PID": str(pid_file),
        },
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    try:
        run = ComplianceRun.objects.create(area=tree.city, year=2025)
        compliance_run_execute_task.apply_async(args=[run.pk], queue=queue)
        first_pid = int(_wait_for(lambda: _read(pid_file), timeout=120, what="the run to start"))

        # while the run is half way, readers see the previous snapshot
        run.refresh_from_db()
        assert (run.status, run.parts_done) == (ComplianceRun.Status.RUNNING, 1)
        assert _computed_at(api, actors.county_admin, tree.county_a) == seen_before

        # when the pool process holding the run is killed, and the next one may proceed
        pid_file.unlink()
        os.kill(first_pid, signal.SIGKILL)
        assert _computed_at(api, actors.county_admin, tree.county_a) == seen_before
        gate.unlink()

        # then the run is delivered again, to a new pool process, and completes
        second_pid = int(_wait_for(lambda: _read(pid_file), timeout=120, what="the redelivery"))
        _wait_for(
            lambda: ComplianceRun.objects.filter(
                pk=run.pk, status=ComplianceRun.Status.COMPLETE
            ).exists(),
            timeout=120,
            what="the redelivered run to complete",
        )
    finally:
        celery_app.conf.task_always_eager = eager
        worker.terminate()
        output = worker.communicate(timeout=60)[0]

    assert second_pid != first_pid
    assert "WorkerLostError" in output or "signal 9" in output
    run.refresh_from_db()
    assert (run.status, run.parts_done, run.error) == ("complete", run.parts_total, "")
    snapshot = ComplianceSnapshot.objects.get(run=run)
    assert set(ComplianceSnapshot.objects.filter(year=2025, is_current=True)) == {snapshot}
    assert ComplianceSnapshot.objects.filter(pk=previous.pk, is_current=False).count() == 1
    assert _computed_at(api, actors.county_admin, tree.county_a) == snapshot.computed_at.isoformat()
