"""Policy presets, the nightly schedule and the run fan-out over top-level areas."""

from decimal import Decimal

import pytest
from django_celery_beat.models import PeriodicTask

from reports.metric_defs import metric_by_key
from reports.models import ComplianceRun, Target
from reports.presets import PRESETS, PresetAreaMissing, load_preset
from reports.services import compliance_nightly
from stations.models import AdminArea
from tests.factories import make_area

pytestmark = pytest.mark.django_db


def test_ordos_preset_loads_the_plan_targets(tree):
    targets = load_preset("ordos-2025")

    assert len(targets) == 7
    talent = Target.objects.get(metric="talent_per_mille")
    assert talent.thresholds.get().value == Decimal("2.5")
    assert talent.source_document.startswith("鄂尔多斯市")
    assert Target.objects.get(metric="talent_total").level == AdminArea.Level.CITY


def test_reloading_a_preset_adds_no_versions_unless_the_figure_changed(tree):
    load_preset("ordos-2025")
    load_preset("ordos-2025")
    assert Target.objects.count() == 7
    assert sum(target.thresholds.count() for target in Target.objects.all()) == 7


def test_a_preset_needs_its_area(db):
    with pytest.raises(PresetAreaMissing):
        load_preset("jinan-2021")
    assert Target.objects.count() == 0


def test_every_preset_names_known_levels_and_positive_thresholds():
    for preset in PRESETS.values():
        for target in preset.targets:
            assert Decimal(target.threshold) > 0
            assert target.level in (None, *AdminArea.Level.values)


def test_the_nightly_schedule_exists():
    task = PeriodicTask.objects.get(name="compliance-nightly")
    assert task.task == "reports.tasks.compliance_nightly_task"
    assert (task.crontab.hour, task.crontab.minute) == ("2", "0")


def test_nightly_queues_one_run_per_top_level_area(tree, django_capture_on_commit_callbacks):
    make_area("370100000000", "济南市", AdminArea.Level.CITY)
    with django_capture_on_commit_callbacks(execute=True):
        runs = compliance_nightly(year=2025)
    assert sorted(run.area.code for run in runs) == ["150600000000", "370100000000"]
    assert set(ComplianceRun.objects.values_list("status", flat=True)) == {"complete"}


def test_a_recorded_change_queues_a_fresh_run_of_its_root(
    api, tree, actors, django_capture_on_commit_callbacks
):
    from reports.services import compliance_refresh_changed, compliance_run_execute

    first = ComplianceRun.objects.create(area=tree.city, year=2025)
    compliance_run_execute(run_id=first.pk)
    assert compliance_refresh_changed(year=2025) == []  # nothing changed since

    with django_capture_on_commit_callbacks(execute=True):
        api(actors.county_admin).post(
            "/api/v1/populations/",
            {"area": tree.comm_a2.code, "year": 2025, "population": 3210},
            format="json",
        )
        queued = compliance_refresh_changed(year=2025)

    from reports.selectors import compliance_report

    report = compliance_report(area=tree.town_a2, year=2025)
    assert [run.area.code for run in queued] == ["150600000000"]
    assert report["targets"][0]["value"] == 3210


def test_the_refresh_schedule_runs_every_minute():
    task = PeriodicTask.objects.get(name="compliance-refresh-changed")
    assert (task.interval.every, task.interval.period) == (1, "minutes")


def test_every_preset_target_names_a_registered_metric():
    known = set(metric_by_key())
    named = {target.metric for preset in PRESETS.values() for target in preset.targets}
    assert named - known == set()
