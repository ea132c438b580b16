"""Every Celery task of the project, run a second time with the same arguments, changes nothing.

A broker redelivers a message whose worker died before acknowledging it (`acks_late`), and beat
can fire twice: each task must then leave every row as the first run left it. The registry check
fails when a task is added without a case here.
"""

import datetime
import importlib
from pathlib import Path
from types import SimpleNamespace

from django.apps import apps
from django.core import mail
from django.utils import timezone

import pytest

from config.celery import app as celery_app
from projects.models import Contract, Report, ReportTransition
from reports.models import ComplianceRun, ReportExport
from reports.services import compliance_part_compute, compliance_run_execute
from stations.models import AdminArea
from tests.projects.conftest import make_contract

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
PROJECT_APPS = ["stations", "projects", "talent", "orgs", "volunteers", "charity", "reports"]
# Rows written by the platform (and the audit log); sessions and Celery beat's own bookkeeping
# are not the tasks' business.
FINGERPRINTED_APPS = [*PROJECT_APPS, "auditlog"]


def _project_task_names() -> set[str]:
    """Every task defined in the project's apps: import each module that declares one."""
    for path in sorted(ROOT.glob("*/**/*.py")):
        if ".venv" in path.parts or "tests" in path.parts or path.parts[-2] == "migrations":
            continue
        text = path.read_text(encoding="utf-8")
        if "@shared_task" in text or "@app.task" in text:
            importlib.import_module(".".join(path.relative_to(ROOT).with_suffix("").parts))
    return {name for name in celery_app.tasks if name.split(".")[0] in PROJECT_APPS}


def _fingerprint() -> dict[str, list[dict]]:
    return {
        model._meta.label: list(model.objects.order_by("pk").values())
        for model in apps.get_models()
        if model._meta.app_label in FINGERPRINTED_APPS
    }


@pytest.fixture
def world(tree, actors):
    """A contract with a returned briefing and one due soon, a computed snapshot, queued work."""
    _project_task_names()  # registers every task, whichever test runs first
    actors.contractor.email = "contractor@example.cn"
    actors.contractor.save()
    contract = make_contract(
        actor=actors.county_admin,
        area=tree.county_a,
        contractor=actors.contractor_org,
        status=Contract.Status.ACTIVE,
    )
    briefing = Report.objects.get(
        contract=contract, kind=Report.Kind.MONTHLY, period=datetime.date(2025, 1, 1)
    )
    Report.objects.filter(pk=briefing.pk).update(
        status=Report.Status.RETURNED, return_reason="请补充活动照片"
    )
    # the transition the workflow would have written, and whose id it queues the e-mail with
    returned = ReportTransition.objects.create(
        report=briefing,
        from_status=Report.Status.SUBMITTED,
        to_status=Report.Status.RETURNED,
        reason="请补充活动照片",
        actor=actors.reviewer,
    )
    due_soon = Report.objects.filter(contract=contract, kind=Report.Kind.MONTHLY).order_by(
        "period"
    )[1]
    today = timezone.localdate()
    # Exactly one reminder is due, whatever today's date: the others were sent already.
    Report.objects.exclude(pk=due_soon.pk).update(due_soon_notified_on=today)
    Report.objects.filter(pk=due_soon.pk).update(due_date=today + datetime.timedelta(days=1))
    # A contract whose due dates were never generated (the daily job catches up on it).
    behind = make_contract(
        actor=actors.city_admin, area=tree.county_b, number="KBS-2025-001", status="signed"
    )
    Contract.objects.filter(pk=behind.pk).update(status=Contract.Status.ACTIVE)
    computed = ComplianceRun.objects.create(area=tree.city, year=2025)
    compliance_run_execute(run_id=computed.pk)
    # Last night's run: tonight's is still to do.
    ComplianceRun.objects.filter(pk=computed.pk).update(
        requested_at=timezone.now() - datetime.timedelta(days=1)
    )
    queued_run = ComplianceRun.objects.create(area=tree.county_a, year=2025)
    split_run = ComplianceRun.objects.create(area=tree.city, year=2025)
    # A split run half way: its parts computed by workers, the combine still to come.
    parted_run = ComplianceRun.objects.create(
        area=tree.city, year=2025, status=ComplianceRun.Status.RUNNING, parts_total=3
    )
    child_paths = [tree.county_a.path, tree.county_b.path]
    parts = [compliance_part_compute(run_id=parted_run.pk, path=path) for path in child_paths]
    # A run whose worker machine was lost three hours ago: the sweeper fails it.
    three_hours_ago = timezone.now() - datetime.timedelta(hours=3)
    lost_run = ComplianceRun.objects.create(
        area=tree.county_b, year=2025, status=ComplianceRun.Status.RUNNING, parts_total=3
    )
    ComplianceRun.objects.filter(pk=lost_run.pk).update(
        requested_at=three_hours_ago, started_at=three_hours_ago, progress_at=three_hours_ago
    )
    export = ReportExport.objects.create(
        area=tree.county_a, year=2025, format="xlsx", requested_by=actors.county_admin
    )
    return SimpleNamespace(
        tree=tree,
        contract=behind,
        briefing=briefing,
        returned=returned,
        queued_run=queued_run,
        split_run=split_run,
        parted_run=parted_run,
        parts=parts,
        lost_run=lost_run,
        export=export,
    )


# task name -> its arguments in the world (ids and ISO strings, as a broker carries them)
CASES = {
    "stations.tasks.area_population_task": lambda w: [w.tree.county_a.code, 2025],
    "projects.tasks.report_schedule_task": lambda w: [w.contract.pk],
    "projects.tasks.report_schedule_all_task": lambda w: [],
    "projects.tasks.report_notify_task": lambda w: [w.briefing.pk, "return", w.returned.pk],
    "projects.tasks.report_due_soon_notify_task": lambda w: [],
    "reports.tasks.compliance_run_execute_task": lambda w: [w.queued_run.pk],
    "reports.tasks.compliance_nightly_task": lambda w: [],
    "reports.tasks.report_export_build_task": lambda w: [w.export.pk],
    "reports.tasks.compliance_refresh_task": lambda w: [],
    "reports.tasks.compliance_run_split_task": lambda w: [w.split_run.pk],
    "reports.tasks.compliance_part_task": lambda w: [w.parted_run.pk, w.tree.county_a.path],
    "reports.tasks.compliance_parts_combine_task": lambda w: [w.parts, w.parted_run.pk],
    "reports.tasks.compliance_runs_sweep_task": lambda w: [],
}


def test_every_task_of_the_project_has_an_idempotency_case():
    assert _project_task_names() == set(CASES)


@pytest.mark.parametrize("name", sorted(CASES))
def test_running_a_task_twice_changes_nothing_the_second_time(
    name, world, django_capture_on_commit_callbacks
):
    # given the world, and the task run once (with whatever it queues on commit)
    task = celery_app.tasks[name]
    args = CASES[name](world)
    with django_capture_on_commit_callbacks(execute=True):
        first = task.apply(args=args)
    assert first.successful(), first.traceback
    after_first = _fingerprint()
    sent_first = len(mail.outbox)

    # when it runs again with the same arguments
    with django_capture_on_commit_callbacks(execute=True) as queued:
        second = task.apply(args=args)

    # then no row changed, nothing new was queued, and no e-mail was sent again (a notification
    # marks its transition, the due-soon reminder its report)
    assert second.successful(), second.traceback
    after_second = _fingerprint()
    assert after_second == after_first
    assert len(queued) == 0
    assert len(mail.outbox) == sent_first


def test_the_world_gives_every_task_work_to_do(world, django_capture_on_commit_callbacks):
    # A task that does nothing the first time would pass the test above vacuously.
    before = _fingerprint()
    done = {}
    for name in CASES:
        with django_capture_on_commit_callbacks(execute=True):
            done[name] = celery_app.tasks[name].apply(args=CASES[name](world)).get()
    assert done["stations.tasks.area_population_task"]["code"] == "150602000000"
    assert (
        done["projects.tasks.report_schedule_task"] == 38
    )  # 36 monthly, a mid-term and a final report
    assert done["projects.tasks.report_notify_task"] == 1
    assert done["projects.tasks.report_due_soon_notify_task"] == 1
    assert done["reports.tasks.compliance_run_execute_task"] == "complete"
    assert done["reports.tasks.compliance_nightly_task"] == 1
    assert done["reports.tasks.report_export_build_task"] == "ready"
    assert done["reports.tasks.compliance_run_split_task"] == "split"
    assert ComplianceRun.objects.get(pk=world.split_run.pk).status == "complete"
    assert set(done["reports.tasks.compliance_part_task"]) >= {"population"}
    assert done["reports.tasks.compliance_parts_combine_task"] == "complete"
    assert done["reports.tasks.compliance_runs_sweep_task"] == 1
    assert ComplianceRun.objects.get(pk=world.lost_run.pk).status == "failed"
    assert _fingerprint() != before
    assert AdminArea.objects.count() == 10
