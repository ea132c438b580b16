"""Freshness after a change: the refresh is queued when the change commits (debounced), and it
recomputes only the changed county's subtree, re-combining the city above it from its
children's stored figures, with exactly the figures of a whole run (eager tasks here)."""

import datetime
from decimal import Decimal
from io import StringIO

from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone

import pytest
from auditlog.models import LogEntry

from reports import services
from reports.metric_defs import metrics
from reports.models import AreaResult, ComplianceRun, ComplianceSnapshot, Target, TargetThreshold
from reports.services import compliance_refresh_request, compliance_run_execute
from reports.tasks import compliance_run_execute_task
from stations.models import AreaPopulation
from tests.factories import make_station
from tests.orgs.factories import make_federation, make_orgs
from tests.talent.factories import make_certificate, make_worker

pytestmark = pytest.mark.django_db

YEAR = 2025


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
    AreaPopulation.objects.create(area=tree.city, year=YEAR, population=10000)
    AreaPopulation.objects.create(area=tree.county_a, year=YEAR, population=3000)
    AreaPopulation.objects.create(area=tree.comm_b1, year=YEAR, population=2000)
    target = Target.objects.create(
        metric="talent_total", area=tree.city, year=YEAR, source_document="方案"
    )
    TargetThreshold.objects.create(target=target, value=Decimal(6), valid_from=timezone.now())
    call_command("compute_compliance", "--year", str(YEAR), stdout=StringIO())
    return tree


def current(area) -> dict[str, tuple]:
    snapshot = ComplianceSnapshot.objects.get(area=area, year=YEAR, is_current=True)
    return {
        row.area.code: (row.values, row.results)
        for row in AreaResult.objects.filter(snapshot=snapshot).select_related("area")
    }


def whole_run(area) -> dict[str, tuple]:
    """The figures of a whole run over the same data (made current by the run)."""
    run = ComplianceRun.objects.create(area=area, year=YEAR)
    assert compliance_run_execute(run_id=run.pk).status == "complete"
    return current(area)


def change_county_b(tree) -> None:
    """A new certified worker, three organisations and a population figure in 康巴什区."""
    make_certificate(make_worker(tree.comm_b1), obtained_on=datetime.date(2025, 3, 1))
    make_orgs(tree.comm_b1, 3)
    AreaPopulation.objects.create(area=tree.town_b1, year=YEAR, population=2500)


def test_a_partial_refresh_has_the_figures_of_a_whole_run(
    records, django_capture_on_commit_callbacks
):
    # given a change in county B after the snapshot
    change_county_b(records)

    # when its refresh runs
    with django_capture_on_commit_callbacks(execute=True):
        (run,) = compliance_refresh_request(area_paths=[records.comm_b1.path], years=[YEAR])

    # then only county B was computed (one part and the combine), and every area × metric
    # and target result equals a whole run's on the same data
    run.refresh_from_db()
    assert (run.status, run.parts_total, run.changed_paths) == (
        "complete",
        2,
        [records.comm_b1.path],
    )
    partial = current(records.city)
    assert ComplianceSnapshot.objects.get(is_current=True).run_id == run.pk
    assert partial == whole_run(records.city)
    # Spot checks by hand: 6 active workers in the city, 4 in county B; the target (≥ 6) met.
    assert partial["150600000000"][0]["talent_total"] == [6, None, 6]
    assert partial["150603000000"][0]["talent_total"] == [4, None, 4]
    assert partial["150600000000"][1][0]["met"] is True
    assert partial["150603001001"][0]["urban_community_orgs_min"] == [10, 1, 10]


def test_a_change_left_unannounced_elsewhere_is_not_recomputed(
    records, django_capture_on_commit_callbacks
):
    # given changes in county B (announced) and county A (not announced)
    change_county_b(records)
    make_worker(records.comm_a2)

    with django_capture_on_commit_callbacks(execute=True):
        compliance_refresh_request(area_paths=[records.comm_b1.path], years=[YEAR])

    # then county A keeps its stored figures (the refresh is partial), county B is fresh
    partial = current(records.city)
    assert partial["150602000000"][0]["talent_total"] == [2, None, 2]
    assert partial["150603000000"][0]["talent_total"] == [4, None, 4]
    assert whole_run(records.city)["150602000000"][0]["talent_total"] == [3, None, 3]


@pytest.mark.parametrize(
    ("_case", "setup", "changed"),
    [
        ("change on the city itself", lambda tree: make_worker(tree.city), "city"),
        ("records on the city", lambda tree: make_worker(tree.city), "comm_b1"),
        ("an area added", lambda tree: _add_community(tree), "comm_b1"),
        ("a threshold in force since", lambda tree: _raise_threshold(), "comm_b1"),
    ],
)
def test_what_a_partial_refresh_cannot_combine_is_computed_whole(
    _case, setup, changed, records, django_capture_on_commit_callbacks
):
    # given a change that the city's children's figures do not hold
    change_county_b(records)
    setup(records)

    with django_capture_on_commit_callbacks(execute=True):
        (run,) = compliance_refresh_request(
            area_paths=[getattr(records, changed).path], years=[YEAR]
        )

    # then the run computed every metric over the whole city, with a whole run's figures
    run.refresh_from_db()
    assert (run.status, run.parts_total) == ("complete", len(metrics()) + 1)
    assert current(records.city) == whole_run(records.city)


def _add_community(tree):
    from tests.conftest import URBAN
    from tests.factories import make_area

    return make_area("150603001002", "新社区", 4, tree.town_b1, **URBAN)


def _raise_threshold():
    # In force from now: after the snapshot, and before the refresh runs.
    return TargetThreshold.objects.create(
        target=Target.objects.get(), value=Decimal(7), valid_from=timezone.now()
    )


def test_a_committed_change_queues_its_refresh(records, django_capture_on_commit_callbacks):
    # when a worker is saved (audited) and the transaction commits
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        make_worker(records.comm_b1)

    # then a partial run of the city computed it and is current
    run = ComplianceRun.objects.exclude(changed_paths=[]).get()
    assert (run.area_id, run.year, run.status) == (records.city.pk, YEAR, "complete")
    assert run.changed_paths == [records.comm_b1.path]
    assert current(records.city)["150600000000"][0]["talent_total"] == [6, None, 6]


def test_a_rolled_back_change_queues_nothing(records, django_capture_on_commit_callbacks):
    runs = ComplianceRun.objects.count()

    def save_and_fail():
        with transaction.atomic():
            make_worker(records.comm_b1)
            raise RuntimeError

    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
    ):
        save_and_fail()

    assert (len(callbacks), ComplianceRun.objects.count()) == (0, runs)


def test_a_burst_of_changes_makes_one_debounced_run(
    records, django_capture_on_commit_callbacks, monkeypatch
):
    sent = []
    monkeypatch.setattr(
        compliance_run_execute_task, "apply_async", lambda args, countdown: sent.append(countdown)
    )
    runs = ComplianceRun.objects.count()

    # when three changes commit before the refresh starts
    with django_capture_on_commit_callbacks(execute=True):
        for area in (records.comm_b1, records.comm_a2, records.comm_b1):
            with transaction.atomic():
                make_worker(area)

    # then one run waits, with both paths, sent once after the debounce delay
    run = ComplianceRun.objects.get(status="queued")
    assert run.changed_paths == sorted([records.comm_a2.path, records.comm_b1.path])
    assert (ComplianceRun.objects.count() - runs, sent) == (
        1,
        [services.REFRESH_DEBOUNCE_SECONDS],
    )


def test_a_whole_run_waiting_takes_the_change(records):
    ComplianceRun.objects.create(area=records.city, year=YEAR)

    assert compliance_refresh_request(area_paths=[records.comm_b1.path], years=[YEAR]) == []
    assert list(ComplianceRun.objects.filter(status="queued").values_list("changed_paths")) == [
        ([],)
    ]


def test_a_failed_partial_refresh_leaves_the_previous_snapshot_current(
    records, django_capture_on_commit_callbacks, monkeypatch
):
    before = ComplianceSnapshot.objects.get(is_current=True)
    figures = current(records.city)
    real_tree = services.Tree

    def failing_tree(path):
        if path == records.county_b.path:
            raise RuntimeError("database gone")
        return real_tree(path)

    monkeypatch.setattr(services, "Tree", failing_tree)
    change_county_b(records)

    with django_capture_on_commit_callbacks(execute=True):
        (run,) = compliance_refresh_request(area_paths=[records.comm_b1.path], years=[YEAR])

    run.refresh_from_db()
    assert (run.status, run.error) == ("failed", "RuntimeError: database gone")
    assert ComplianceSnapshot.objects.get(is_current=True) == before
    assert current(records.city) == figures


def test_the_years_refreshed_are_those_of_the_current_snapshots(records):
    (run,) = compliance_refresh_request(area_paths=[records.comm_b1.path])

    assert (run.year, run.status) == (YEAR, "queued")


def test_one_transaction_writing_many_rows_requests_one_refresh(
    records, django_capture_on_commit_callbacks, monkeypatch
):
    sent = []
    monkeypatch.setattr(
        compliance_run_execute_task, "apply_async", lambda args, countdown: sent.append(countdown)
    )
    runs = ComplianceRun.objects.count()

    # when one transaction saves three workers in two counties
    with django_capture_on_commit_callbacks(execute=False) as callbacks, transaction.atomic():
        for area in (records.comm_b1, records.comm_a2, records.comm_b1):
            make_worker(area)

    # then it leaves one callback, which queues one run with both paths
    refreshes = [
        c
        for c in callbacks
        if c.__qualname__.endswith("compliance_refresh_on_change.<locals>.request")
    ]
    assert len(refreshes) == 1
    with django_capture_on_commit_callbacks(execute=True):
        refreshes[0]()
    run = ComplianceRun.objects.get(status="queued")
    assert run.changed_paths == sorted([records.comm_a2.path, records.comm_b1.path])
    assert (ComplianceRun.objects.count() - runs, len(sent)) == (1, 1)


def test_a_deferred_block_requests_one_refresh_at_its_end(
    records, django_capture_on_commit_callbacks, monkeypatch
):
    sent = []
    monkeypatch.setattr(
        compliance_run_execute_task, "apply_async", lambda args, countdown: sent.append(countdown)
    )
    runs = ComplianceRun.objects.count()

    # when rows are written one by one inside the deferred block (as load_demo does)
    start = len(connection.run_on_commit)
    with django_capture_on_commit_callbacks(execute=True), services.compliance_refresh_deferred():
        for area in (records.comm_b1, records.comm_a2):
            with transaction.atomic():
                make_worker(area)
        inside = [entry[1] for entry in connection.run_on_commit[start:]]

    # then nothing was requested inside it, and one run with both paths after it
    run = ComplianceRun.objects.get(status="queued")
    assert (inside, run.changed_paths) == ([], sorted([records.comm_a2.path, records.comm_b1.path]))
    assert (ComplianceRun.objects.count() - runs, len(sent)) == (1, 1)


def test_a_changed_account_queues_no_refresh(records, actors, django_capture_on_commit_callbacks):
    runs = ComplianceRun.objects.count()

    # when an officer's area and role change (audited with the area path, like any row)
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        officer = actors.county_admin
        officer.admin_area = records.county_b
        officer.first_name = "改"
        officer.save()

    # then the change is in the audit log, but no figure is recomputed for it
    entry = LogEntry.objects.get_for_object(officer).latest("timestamp")
    assert entry.additional_data["area_path"] == records.county_b.path
    assert (len(callbacks), ComplianceRun.objects.count()) == (0, runs)
