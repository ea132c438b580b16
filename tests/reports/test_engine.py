"""The roll-up engine and the snapshot life cycle on a hand-made tree."""

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils import timezone

import pytest
from auditlog.models import LogEntry

from projects.models import Contract, Report
from reports import metric_defs
from reports.engine import Metric, Tree
from reports.models import AreaResult, ComplianceRun, ComplianceSnapshot, Target, TargetThreshold
from reports.selectors import compliance_report
from reports.services import (
    compliance_refresh_changed,
    compliance_run_execute,
    compliance_run_request,
)
from stations.models import (
    AdminArea,
    AreaPopulation,
    ServiceLogEntry,
    Station,
    StationAssignment,
    StationInspection,
)
from talent.models import Worker
from tests.factories import ContractorFactory, make_area, make_station
from tests.talent.factories import make_worker

SIX_HAVES = ["premises", "equipment", "staff", "functions", "rules", "workflow"]

pytestmark = pytest.mark.django_db


def test_roll_up_sums_leaves_into_every_ancestor(tree):
    engine_tree = Tree(tree.city.path)
    totals = engine_tree.roll_up({tree.comm_a1_urban.path: 2, tree.comm_b1.path: 5})
    assert totals[tree.city.path] == 7
    assert totals[tree.county_a.path] == 2
    assert totals[tree.town_a1.path] == 2
    assert tree.town_a2.path not in totals


def test_roll_up_min_counts_leaves_without_facts_as_zero(tree):
    engine_tree = Tree(tree.city.path)
    urban = [p for p, row in engine_tree.rows.items() if row.urban_rural == "urban"]
    result = engine_tree.roll_up_min({tree.comm_a1_urban.path: 12, tree.comm_a2.path: 9}, urban)
    assert result[tree.county_a.path] == (Decimal(9), Decimal(2))
    assert result[tree.city.path] == (Decimal(0), Decimal(3))
    assert tree.town_b1.path in result


def test_population_uses_own_figures_then_children(tree):
    AreaPopulation.objects.create(area=tree.comm_a1_urban, year=2025, population=4000)
    AreaPopulation.objects.create(area=tree.comm_a2, year=2025, population=3000)
    AreaPopulation.objects.create(area=tree.county_b, year=2025, population=9000)
    AreaPopulation.objects.create(area=tree.comm_b1, year=2025, population=1)

    figures = Tree(tree.city.path).population(2025)

    assert figures[tree.city.path] == 16000
    assert figures[tree.county_a.path] == 7000
    assert figures[tree.county_b.path] == 9000
    assert tree.comm_a1_rural.path not in figures


@pytest.mark.parametrize(
    ("_case", "combine", "numerator", "denominator", "expected"),
    [
        ("ratio", "ratio", Decimal(3), Decimal(4), Decimal("75.0000")),
        ("ratio_no_denominator", "ratio", Decimal(3), Decimal(0), None),
        ("ratio_unknown_denominator", "ratio", Decimal(3), None, None),
        ("sum_zero_is_data", "sum", Decimal(0), None, Decimal("0.0000")),
        ("min_nothing_counted", "min", Decimal(0), Decimal(0), None),
        ("min", "min", Decimal(4), Decimal(7), Decimal("4.0000")),
    ],
)
def test_metric_values_and_no_data(_case, combine, numerator, denominator, expected):
    metric = Metric("m", "m", "%", combine, compute=lambda t, y: {}, scale=Decimal(100))
    assert metric.value(numerator, denominator) == expected


def test_combining_parts_adds_ratios_and_takes_the_smallest_minimum():
    ratio = Metric("r", "r", "%", "ratio", compute=lambda t, y: {})
    smallest = Metric("m", "m", "n", "min", compute=lambda t, y: {})
    parts = [(Decimal(1), Decimal(2)), (Decimal(3), Decimal(4)), (None, None)]
    assert ratio.combine_parts(parts) == (Decimal(4), Decimal(6))
    assert smallest.combine_parts([(Decimal(5), Decimal(2)), (Decimal(3), Decimal(1))]) == (
        Decimal(3),
        Decimal(3),
    )


def _target(area, metric="population", threshold="10000", year=2025, **fields):
    target = Target.objects.create(
        metric=metric, area=area, year=year, source_document="鄂尔多斯市五社联动实施方案", **fields
    )
    TargetThreshold.objects.create(
        target=target, value=Decimal(threshold), valid_from=timezone.now()
    )
    return target


def test_a_run_stores_a_current_snapshot_with_values_and_results(tree, actors):
    AreaPopulation.objects.create(area=tree.comm_a1_urban, year=2025, population=4000)
    AreaPopulation.objects.create(area=tree.comm_b1, year=2025, population=12000)
    _target(tree.city, level=AdminArea.Level.COUNTY)

    run = compliance_run_request(actor=actors.city_admin, area=tree.city, year=2025)
    run = compliance_run_execute(run_id=run.pk)

    snapshot = ComplianceSnapshot.objects.get(is_current=True)
    assert run.status == ComplianceRun.Status.COMPLETE
    city = snapshot.area_results.get(area=tree.city)
    assert city.values["population"] == [16000, None, 16000]
    met = {
        row.area.code: [result["met"] for result in row.results]
        for row in snapshot.area_results.select_related("area")
        if row.results
    }
    assert met == {tree.county_a.code: [False], tree.county_b.code: [True]}


def test_a_new_run_swaps_the_current_snapshot(tree, actors):
    first = compliance_run_execute(
        run_id=compliance_run_request(actor=actors.city_admin, area=tree.city, year=2025).pk
    )
    second = compliance_run_execute(
        run_id=compliance_run_request(actor=actors.city_admin, area=tree.city, year=2025).pk
    )
    assert ComplianceSnapshot.objects.get(is_current=True).run == second
    assert ComplianceSnapshot.objects.get(run=first).is_current is False


def test_a_failed_run_keeps_the_previous_snapshot(tree, actors, monkeypatch):
    good = compliance_run_execute(
        run_id=compliance_run_request(actor=actors.city_admin, area=tree.city, year=2025).pk
    )
    rows_before = AreaResult.objects.count()

    def broken(tree_, year):
        raise RuntimeError("database went away")

    failing = Metric("broken", "broken", "n", "sum", compute=broken)
    monkeypatch.setattr(metric_defs, "REGISTRY", [*metric_defs.REGISTRY, failing])
    bad = compliance_run_execute(
        run_id=compliance_run_request(actor=actors.city_admin, area=tree.city, year=2025).pk
    )

    assert bad.status == ComplianceRun.Status.FAILED
    assert bad.error == "RuntimeError: database went away"
    assert ComplianceSnapshot.objects.get(is_current=True).run == good
    assert AreaResult.objects.count() == rows_before


def test_a_completed_run_is_not_recomputed(tree, actors):
    run = compliance_run_execute(
        run_id=compliance_run_request(actor=actors.city_admin, area=tree.city, year=2025).pk
    )
    again = compliance_run_execute(run_id=run.pk)
    assert again.finished_at == run.finished_at
    assert ComplianceSnapshot.objects.count() == 1


def _populate(townships, contract_number: str) -> None:
    """Per township: an operating station, two resident workers with a year of ledger entries,
    an inspection, and a contract with its monthly briefings; so that a query per station,
    worker or contract would show in the count."""
    county = townships[0].parent
    contract = Contract.objects.create(
        area=county,
        contractor=ContractorFactory(area=county),
        number=contract_number,
        title="社工站运营项目",
        start_date=datetime.date(2025, 1, 1),
        end_date=datetime.date(2027, 12, 31),
        price=Decimal("100000.00"),
    )
    entries = []
    for town in townships:
        station = make_station(town)
        contract.stations.add(station)
        StationInspection.objects.create(
            station=station,
            area=town,
            inspected_on=datetime.date(2025, 6, 1),
            **{f"{item}_passed": True for item in SIX_HAVES},
        )
        for _number in range(2):
            worker = make_worker(town, major=Worker.Major.SOCIAL_WORK)
            StationAssignment.objects.create(
                station=station,
                area=town,
                worker=worker,
                role=StationAssignment.Role.RESIDENT,
                starts_on=datetime.date(2025, 1, 1),
            )
            entries += [
                ServiceLogEntry(
                    station=station,
                    area=town,
                    worker=worker,
                    served_on=datetime.date(2025, month, 3),
                    hours=Decimal(3),
                    kind=ServiceLogEntry.Kind.INDIVIDUAL_CASE,
                    community=town.children.first(),
                    case_reference=f"C-{worker.pk}-{month}",
                )
                for month in range(1, 13)
            ]
    ServiceLogEntry.objects.bulk_create(entries)
    Report.objects.bulk_create(
        Report(
            contract=contract,
            kind=Report.Kind.MONTHLY,
            period=datetime.date(2025, month, 1),
            due_date=datetime.date(2025, month + 1, 5),
            first_submitted_on=datetime.date(2025, month + 1, 1),
        )
        for month in range(1, 12)
    )


def _grow(tree, times: int) -> list[AdminArea]:
    """Adds `times` townships with two communities each under county A; returns the townships."""
    towns = []
    for number in range(3, 3 + times):
        town = make_area(
            f"150602{number:03d}000", f"镇{number}", AdminArea.Level.TOWNSHIP, tree.county_a
        )
        for community in (1, 2):
            make_area(
                f"150602{number:03d}{community:03d}",
                f"社区{number}-{community}",
                AdminArea.Level.COMMUNITY,
                town,
                urban_rural="urban",
            )
        towns.append(town)
    return towns


def test_query_count_of_a_run_does_not_depend_on_the_number_of_areas(tree, actors):
    _populate([tree.town_a1, tree.town_a2], "DS-SMALL")
    _populate([tree.town_b1], "KBS-SMALL")
    small = compliance_run_execute(
        run_id=compliance_run_request(actor=actors.city_admin, area=tree.city, year=2025).pk
    )
    _populate(_grow(tree, 30), "DS-LARGE")  # 10 areas become 100, 3 stations 33
    large = compliance_run_execute(
        run_id=compliance_run_request(actor=actors.city_admin, area=tree.city, year=2025).pk
    )

    assert AdminArea.objects.count() == 100
    assert Station.objects.count() == 33
    assert StationAssignment.objects.count() == 66
    assert ServiceLogEntry.objects.count() == 66 * 12
    assert large.status == ComplianceRun.Status.COMPLETE
    city = ComplianceSnapshot.objects.get(is_current=True).area_results.get(area=tree.city)
    assert city.values["station_six_haves_share"] == [33, 33, 100]
    assert city.values["monthly_report_timeliness"] == [33, 33, 100]
    assert large.query_count == small.query_count


def _run_started_before_its_snapshot(tree, actors, *, minutes: int) -> ComplianceRun:
    """A completed run whose start lies `minutes` before its snapshot was stored."""
    run = compliance_run_execute(
        run_id=compliance_run_request(actor=actors.city_admin, area=tree.city, year=2025).pk
    )
    computed_at = ComplianceSnapshot.objects.get(run=run).computed_at
    ComplianceRun.objects.filter(pk=run.pk).update(
        started_at=computed_at - datetime.timedelta(minutes=minutes)
    )
    return run


def _change_in(area, *, at) -> None:
    area.name = f"{area.name}（改）"
    area.save()
    LogEntry.objects.filter(object_pk=str(area.pk)).update(timestamp=at)


def test_a_change_made_while_a_run_computed_is_refreshed(tree, actors):
    run = _run_started_before_its_snapshot(tree, actors, minutes=10)
    LogEntry.objects.all().delete()
    computed_at = ComplianceSnapshot.objects.get(run=run).computed_at
    _change_in(tree.comm_a2, at=computed_at - datetime.timedelta(minutes=5))

    queued = compliance_refresh_changed(year=2025)

    assert [(r.area.code, r.year, r.status) for r in queued] == [(tree.city.code, 2025, "queued")]
    assert ComplianceRun.objects.count() == 2


def test_a_change_from_before_the_run_started_queues_nothing(tree, actors):
    run = _run_started_before_its_snapshot(tree, actors, minutes=10)
    LogEntry.objects.all().delete()
    computed_at = ComplianceSnapshot.objects.get(run=run).computed_at
    _change_in(tree.comm_a2, at=computed_at - datetime.timedelta(minutes=15))

    assert compliance_refresh_changed(year=2025) == []
    assert ComplianceRun.objects.count() == 1


def test_a_computed_snapshot_keeps_its_copy_of_a_changed_or_deleted_target(tree, actors):
    AreaPopulation.objects.create(area=tree.comm_b1, year=2025, population=12000)
    target = _target(tree.city, source_clause="第三条", level=AdminArea.Level.COUNTY)
    compliance_run_execute(
        run_id=compliance_run_request(actor=actors.city_admin, area=tree.city, year=2025).pk
    )
    expected = [
        {
            "target": target.pk,
            "metric": "population",
            "threshold": 10000,
            "comparison": "gte",
            "source": "鄂尔多斯市五社联动实施方案 第三条",
            "met": True,
        }
    ]

    Target.objects.filter(pk=target.pk).update(
        comparison=Target.Comparison.AT_MOST, source_document="新文件", source_clause=""
    )
    changed = compliance_report(area=tree.city, year=2025)["children"][1]["targets"][0]
    target.delete()
    deleted = compliance_report(area=tree.city, year=2025)["children"][1]["targets"][0]

    stored = AreaResult.objects.get(snapshot__is_current=True, area=tree.county_b)
    assert stored.results == expected
    expected_item = {
        "key": "population",
        "name": "Resident population",
        "value": 12000,
        "threshold": 10000,
        "comparison": "gte",
        "unit": "persons",
        "met": True,
        "numerator": 12000,
        "denominator": None,
        "source": "鄂尔多斯市五社联动实施方案 第三条",
    }
    assert changed == expected_item
    assert deleted == expected_item


@pytest.mark.parametrize(
    ("_case", "metric", "created"),
    [("registered", "talent_total", 1), ("typo", "talent_totl", 0)],
)
def test_the_admin_offers_only_registered_metrics(client, tree, actors, _case, metric, created):
    client.force_login(actors.superuser)
    response = client.post(
        "/admin/reports/target/add/",
        {
            "metric": metric,
            "comparison": "gte",
            "area": tree.city.pk,
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
        },
    )
    assert Target.objects.count() == created
    if created:
        assert response.status_code == 302
    else:
        assert response.status_code == 200
        assert response.context["adminform"].form.errors["metric"] == [
            "Select a valid choice. talent_totl is not one of the available choices."
        ]


def test_a_target_with_an_unknown_metric_is_refused(tree):
    target = Target(metric="talent_totl", area=tree.city, year=2025, source_document="方案")

    with pytest.raises(ValidationError) as refused:
        target.full_clean()

    error = refused.value.error_dict["metric"][0]
    assert error.code == "unknown_metric"
    assert error.messages == [
        "“talent_totl” is not a known metric; use one of: "
        + ", ".join(metric_defs.metric_by_key())
        + "."
    ]
    assert Target.objects.count() == 0
