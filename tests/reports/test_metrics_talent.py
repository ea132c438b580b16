"""Talent metrics on a hand-made tree with hand-computed values, including "no population"."""

import datetime

import pytest

from reports.engine import Tree
from reports.metric_defs import metric_by_key
from stations.models import AreaPopulation
from tests.talent.factories import make_certificate, make_worker

pytestmark = pytest.mark.django_db


@pytest.fixture
def workforce(tree):
    for _index in range(3):
        make_worker(tree.comm_a1_urban)
    certified = make_worker(tree.town_a2)
    make_certificate(certified, obtained_on=datetime.date(2024, 6, 1))
    late = make_worker(tree.comm_b1)
    make_certificate(late, obtained_on=datetime.date(2026, 6, 1))
    make_worker(tree.comm_b1, is_active=False)
    AreaPopulation.objects.create(area=tree.county_a, year=2025, population=2000)
    AreaPopulation.objects.create(area=tree.comm_b1, year=2025, population=400)
    return tree


def values(tree, key, year=2025):
    metric = metric_by_key()[key]
    facts = metric.compute(Tree(tree.city.path), year)
    return {
        area.code: metric.value(*facts[area.path])
        for area in (tree.city, tree.county_a, tree.county_b, tree.town_a1)
    }


def test_talent_total_counts_active_workers(workforce):
    assert values(workforce, "talent_total") == {
        "150600000000": 5,
        "150602000000": 4,
        "150603000000": 1,
        "150602001000": 3,
    }


def test_talent_per_mille_divides_by_the_population_of_the_year(workforce):
    result = values(workforce, "talent_per_mille")
    assert float(result["150600000000"]) == pytest.approx(5 / 2400 * 1000, abs=1e-4)
    assert result["150602000000"] == 2  # 4 workers / 2,000 residents
    assert result["150603000000"] == 2.5  # 1 / 400
    assert result["150602001000"] is None  # no population figure: no data, not zero
    assert values(workforce, "talent_per_mille", year=2024)["150600000000"] is None


def test_certified_per_10k_counts_certificates_obtained_by_the_year(workforce):
    assert values(workforce, "certified_per_10k")["150602000000"] == 5  # 1 / 2,000
    assert values(workforce, "certified_per_10k")["150603000000"] == 0
    assert values(workforce, "certified_per_10k", year=2026)["150603000000"] is None
