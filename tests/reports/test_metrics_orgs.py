"""Organisation metrics on a hand-made tree with hand-computed values, including "no data"."""

import datetime

import pytest

from orgs.models import BrandProject, CommunityOrg, Federation
from reports.engine import Tree
from reports.metric_defs import metric_by_key
from tests.orgs.factories import make_org, make_orgs

pytestmark = pytest.mark.django_db


@pytest.fixture
def orgs(tree):
    make_orgs(tree.comm_a1_urban, 12)
    make_orgs(tree.comm_a1_urban, 1, status=CommunityOrg.Status.DORMANT)
    make_orgs(tree.comm_a2, 9)
    make_orgs(tree.comm_a1_rural, 5)
    brand = make_org(tree.comm_a1_urban, brand_year=2024)
    make_org(tree.comm_a2, brand_year=2026)
    BrandProject.objects.create(organisation=brand, name="邻里守望", year=2025)
    BrandProject.objects.create(organisation=brand, name="明年项目", year=2026)
    Federation.objects.create(
        name="交通街道社区社会组织联合会",
        township=tree.town_a1,
        founded_on=datetime.date(2023, 3, 1),
    )
    return tree


def values(tree, key, year=2025):
    metric = metric_by_key()[key]
    facts = metric.compute(Tree(tree.city.path), year)
    return {
        area.code: metric.value(*facts[area.path])
        for area in (tree.city, tree.county_a, tree.county_b, tree.comm_a2)
    }


def test_fewest_organisations_in_an_urban_community(orgs):
    # urban communities: 13 active (12 + the brand org), 10 active (9 + brand 2026), 0
    assert values(orgs, "urban_community_orgs_min") == {
        "150600000000": 0,
        "150602000000": 10,
        "150603000000": 0,
        "150602002001": 10,
    }


def test_average_organisations_per_urban_community(orgs):
    result = values(orgs, "urban_community_orgs_avg")
    assert float(result["150600000000"]) == pytest.approx(23 / 3, abs=1e-4)
    assert result["150602000000"] == 11.5
    assert result["150603000000"] == 0


def test_rural_metrics_have_no_data_where_there_is_no_rural_community(orgs):
    minimum = values(orgs, "rural_community_orgs_min")
    average = values(orgs, "rural_community_orgs_avg")
    assert (minimum["150600000000"], average["150600000000"]) == (5, 5)
    assert (minimum["150603000000"], average["150603000000"]) == (None, None)


def test_brand_organisations_and_projects_count_up_to_the_year(orgs):
    assert values(orgs, "brand_orgs")["150600000000"] == 1
    assert values(orgs, "brand_orgs", year=2026)["150600000000"] == 2
    assert values(orgs, "brand_projects")["150600000000"] == 1


def test_federation_coverage_over_real_townships(orgs):
    result = values(orgs, "federation_coverage")
    assert float(result["150600000000"]) == pytest.approx(33.3333, abs=1e-4)
    assert result["150602000000"] == 50
    assert result["150603000000"] == 0
    assert values(orgs, "federation_coverage", year=2022)["150600000000"] == 0


def test_orgs_metrics_query_count_is_fixed(orgs, django_assert_num_queries):
    tree_ = Tree(orgs.city.path)
    keys = [
        "urban_community_orgs_min",
        "urban_community_orgs_avg",
        "rural_community_orgs_min",
        "rural_community_orgs_avg",
        "brand_orgs",
        "brand_projects",
        "federation_coverage",
    ]
    with django_assert_num_queries(len(keys)):
        for key in keys:
            metric_by_key()[key].compute(tree_, 2025)
