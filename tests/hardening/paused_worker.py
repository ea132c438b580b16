"""A Celery app for fault tests: compliance runs stop half way until a gate file is removed.

`celery -A tests.hardening.paused_worker worker` behaves as the project's worker, except that
in each pool process the second metric of a compliance run writes the process id to
$COMPLIANCE_PAUSE_PID and waits while $COMPLIANCE_PAUSE_GATE exists. A test can then kill the
process that holds the run at a known point.
"""

import dataclasses
import os
import time
from pathlib import Path

from celery.signals import worker_process_init

from config.celery import app

__all__ = ["app"]


@worker_process_init.connect
def _pause_compliance_runs(**kwargs) -> None:
    from reports import services

    original = services.metrics

    def paused(compute):
        def compute_then_wait(tree, year):
            result = compute(tree, year)
            Path(os.environ["COMPLIANCE_PAUSE_PID"]).write_text(str(os.getpid()))
            gate = Path(os.environ["COMPLIANCE_PAUSE_GATE"])
            while gate.exists():
                time.sleep(0.1)
            return result

        return compute_then_wait

    def metrics_with_a_pause():
        chosen = original()
        second = chosen[1]
        return [chosen[0], dataclasses.replace(second, compute=paused(second.compute)), *chosen[2:]]

    services.metrics = metrics_with_a_pause
