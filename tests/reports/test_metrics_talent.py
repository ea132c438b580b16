"""Talent metrics on a hand-made tree with hand-computed values, including "no population"."""

import datetime
from decimal import Decimal

import pytest

from reports.engine import Tree
from reports.metric_defs import metric_by_key
from stations.models import AreaPopulation
from talent.models import Certificate, Worker
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


@pytest.fixture
def qualified_workforce(tree):
    """Workers on either side of each qualification rule, judged on 2025-12-31."""
    Level = Certificate.Level
    Major, Education = Worker.Major, Worker.Education
    senior = make_worker(tree.comm_a1_urban)  # professional and qualified
    make_certificate(senior, Level.INTERMEDIATE, obtained_on=datetime.date(2024, 6, 1))
    three_years = make_worker(tree.comm_a1_urban)  # assistant held exactly 3 years: both
    make_certificate(three_years, obtained_on=datetime.date(2022, 12, 31))
    short = make_worker(tree.town_a2)  # assistant held 2 years 364 days: qualified only
    make_certificate(short, obtained_on=datetime.date(2023, 1, 1))
    make_worker(tree.town_a2, major=Major.SOCIAL_WORK, education=Education.BACHELOR)  # both
    make_worker(tree.comm_b1, major=Major.RELATED, education=Education.COLLEGE)  # qualified only
    make_worker(tree.comm_b1, major=Major.SOCIAL_WORK, education=Education.BELOW_COLLEGE)
    make_worker(tree.comm_b1, major=Major.OTHER, education=Education.MASTER)  # neither
    inactive = make_worker(tree.comm_b1, is_active=False)
    make_certificate(inactive, Level.SENIOR, obtained_on=datetime.date(2020, 6, 1))
    return tree


def test_professional_staff_total_follows_the_beijing_rule(qualified_workforce):
    assert values(qualified_workforce, "professional_staff_total") == {
        "150600000000": 3,
        "150602000000": 3,
        "150603000000": 0,
        "150602001000": 2,
    }
    # A year earlier the assistant certificate of 2022-12-31 was not yet held 3 years.
    assert values(qualified_workforce, "professional_staff_total", year=2024)["150602001000"] == 1


def test_social_work_qualified_share_follows_the_jinan_rule(qualified_workforce):
    assert values(qualified_workforce, "social_work_qualified_share") == {
        "150600000000": Decimal("71.4286"),  # 5 of 7 active workers
        "150602000000": 100,  # 4 of 4
        "150603000000": Decimal("33.3333"),  # 1 of 3: a below-college social-work major is not
        "150602001000": 100,  # 2 of 2
    }


def test_the_county_a_person_is_linked_to_does_not_count_them_again(tree, actors):
    from talent.services import worker_link

    worker = make_worker(tree.comm_b1)
    worker_link(actor=actors.county_admin, worker=worker, area=tree.town_a1)

    assert values(tree, "talent_total") == {
        "150600000000": 1,
        "150602000000": 0,
        "150603000000": 1,
        "150602001000": 0,
    }
