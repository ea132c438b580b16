"""A real Celery worker process executes a task sent through Redis against the test database."""

import os
import subprocess
import sys
import uuid
from pathlib import Path

from django.conf import settings

import pytest
from celery.result import allow_join_result

from config.celery import app as celery_app
from stations.models import AreaPopulation
from stations.tasks import area_population_task
from tests.worker_process import WORKER_MARKS, shared_database_url

ROOT = Path(__file__).resolve().parent.parent
pytestmark = WORKER_MARKS


@pytest.mark.django_db(transaction=True)
def test_worker_process_runs_a_task_from_redis(tree):
    AreaPopulation.objects.create(area=tree.comm_a1_urban, year=2025, population=4000)
    AreaPopulation.objects.create(area=tree.comm_a2, year=2025, population=3000)
    queue = f"test-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "DATABASE_URL": shared_database_url(),
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
    }
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool=solo",
            "--queues",
            queue,
            "--without-gossip",
            "--without-mingle",
            "--loglevel=INFO",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    try:
        result = area_population_task.apply_async(args=[tree.county_a.code, 2025], queue=queue)
        # Celery's guard against joining inside a task is process-wide: an eager task still running
        # in another thread (a live server's refresh after a browser test) would trip it here.
        with allow_join_result():
            value = result.get(timeout=90)
    finally:
        celery_app.conf.task_always_eager = eager
        worker.terminate()
        output = worker.communicate(timeout=30)[0]

    assert value == {"code": "150602000000", "year": 2025, "population": 7000, "source": "children"}
    assert "succeeded" in output
    assert settings.CELERY_TASK_ALWAYS_EAGER is True  # the rest of the suite stays in-process
