"""The roll-up engine and the snapshot life cycle on a hand-made tree."""

from decimal import Decimal

from django.utils import timezone

import pytest

from reports import metric_defs
from reports.engine import Metric, Tree
from reports.models import AreaResult, ComplianceRun, ComplianceSnapshot, Target, TargetThreshold
from reports.services import compliance_run_execute, compliance_run_request
from stations.models import AdminArea, AreaPopulation
from tests.factories import make_area

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


def _grow(tree, times: int):
    """Adds `times` townships with two communities each under county A."""
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


def test_query_count_of_a_run_does_not_depend_on_the_number_of_areas(tree, actors):
    small = compliance_run_execute(
        run_id=compliance_run_request(actor=actors.city_admin, area=tree.city, year=2025).pk
    )
    _grow(tree, 30)  # 10 areas become 100
    large = compliance_run_execute(
        run_id=compliance_run_request(actor=actors.city_admin, area=tree.city, year=2025).pk
    )
    assert AdminArea.objects.count() == 100
    assert large.query_count == small.query_count
