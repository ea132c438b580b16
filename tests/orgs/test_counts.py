"""Active organisations per community (one query) and the urban / rural summaries, on a hand-made
tree whose expected values are worked out by hand below."""

from decimal import Decimal

import pytest

from orgs.models import CommunityOrg
from orgs.selectors import OrgCountSummary, community_org_counts, summarise_org_counts
from stations.models import AdminArea
from tests.factories import make_area
from tests.orgs.factories import make_orgs

pytestmark = pytest.mark.django_db

Level = AdminArea.Level
DORMANT, DEREGISTERED = CommunityOrg.Status.DORMANT, CommunityOrg.Status.DEREGISTERED


@pytest.fixture
def counted(tree):
    """Active organisations per community (dormant and deregistered ones do not count):

    county A: 巴音孟克 urban 12 (+1 dormant, +1 deregistered); 宝日陶亥 urban 3;
              新社区 urban 0 (only a deregistered one); 添尔漫梁 rural 6; 新村 rural 2 (+2 dormant);
              a placeholder urban community with 4, left out unless asked for.
    county B: 康城 urban 7.
    """
    new_urban = make_area(
        "150602002002", "新社区", Level.COMMUNITY, tree.town_a2, urban_rural="urban"
    )
    new_rural = make_area(
        "150602002201", "新村", Level.COMMUNITY, tree.town_a2, urban_rural="rural"
    )
    placeholder = make_area(
        "150602002003",
        "虚拟社区",
        Level.COMMUNITY,
        tree.town_a2,
        urban_rural="urban",
        is_placeholder=True,
    )
    make_orgs(tree.comm_a1_urban, 12)
    make_orgs(tree.comm_a1_urban, 1, status=DORMANT)
    make_orgs(tree.comm_a1_urban, 1, status=DEREGISTERED)
    make_orgs(tree.comm_a2, 3)
    make_orgs(new_urban, 1, status=DEREGISTERED)
    make_orgs(tree.comm_a1_rural, 6)
    make_orgs(new_rural, 2)
    make_orgs(new_rural, 2, status=DORMANT)
    make_orgs(placeholder, 4)
    make_orgs(tree.comm_b1, 7)
    return tree


def test_counts_per_community_of_a_county_in_one_query(counted, django_assert_num_queries):
    with django_assert_num_queries(1):
        rows = community_org_counts(root_path=counted.county_a.path)

    assert rows == [
        {"code": "150602001001", "name": "巴音孟克社区", "urban_rural": "urban", "active_orgs": 12},
        {"code": "150602001201", "name": "添尔漫梁村", "urban_rural": "rural", "active_orgs": 6},
        {"code": "150602002001", "name": "宝日陶亥社区", "urban_rural": "urban", "active_orgs": 3},
        {"code": "150602002002", "name": "新社区", "urban_rural": "urban", "active_orgs": 0},
        {"code": "150602002201", "name": "新村", "urban_rural": "rural", "active_orgs": 2},
    ]


def test_placeholder_communities_are_counted_only_when_asked(counted):
    rows = community_org_counts(root_path=counted.town_a2.path, include_placeholders=True)

    assert [(row["code"], row["active_orgs"]) for row in rows] == [
        ("150602002001", 3),
        ("150602002002", 0),
        ("150602002003", 4),
        ("150602002201", 2),
    ]


def test_summary_of_a_county(counted):
    # Urban: 12, 3, 0 -> min 0, average 15 / 3 = 5.00, one community with >= 10.
    # Rural: 6, 2 -> min 2, average 8 / 2 = 4.00, one community with >= 5.
    summary = summarise_org_counts(community_org_counts(root_path=counted.county_a.path))

    assert summary == {
        "urban": OrgCountSummary(
            communities=3,
            organisations=15,
            minimum=0,
            average=Decimal("5.00"),
            target=10,
            meeting_target=1,
        ),
        "rural": OrgCountSummary(
            communities=2,
            organisations=8,
            minimum=2,
            average=Decimal("4.00"),
            target=5,
            meeting_target=1,
        ),
    }
    assert (summary["urban"].below_target, summary["rural"].below_target) == (2, 1)


def test_summary_of_the_city_with_other_targets(counted):
    # Urban: 12, 3, 0, 7 -> min 0, average 22 / 4 = 5.50; with the Huangshan target of 15, none.
    # Rural: 6, 2 -> average 4.00; with a target of 2, both meet it.
    summary = summarise_org_counts(
        community_org_counts(root_path=counted.city.path), urban_target=15, rural_target=2
    )

    assert summary["urban"] == OrgCountSummary(
        communities=4,
        organisations=22,
        minimum=0,
        average=Decimal("5.50"),
        target=15,
        meeting_target=0,
    )
    assert (summary["rural"].average, summary["rural"].meeting_target) == (Decimal("4.00"), 2)


def test_summary_of_a_township_without_rural_communities(counted):
    # 哈巴格希街道 (county B) has one urban community with 7 and no rural one.
    summary = summarise_org_counts(community_org_counts(root_path=counted.town_b1.path))

    assert summary["rural"] == OrgCountSummary(
        communities=0, organisations=0, minimum=None, average=None, target=5, meeting_target=0
    )
    assert (summary["urban"].minimum, summary["urban"].average) == (7, Decimal("7.00"))


def test_averages_are_rounded_half_up():
    rows = [
        {"code": "1", "name": "a", "urban_rural": "urban", "active_orgs": 1},
        {"code": "2", "name": "b", "urban_rural": "urban", "active_orgs": 1},
        {"code": "3", "name": "c", "urban_rural": "urban", "active_orgs": 0},
        {"code": "4", "name": "d", "urban_rural": "", "active_orgs": 9},
    ]

    summary = summarise_org_counts(rows)

    # 2 / 3 = 0.666… -> 0.67; the unclassified community is in neither group.
    assert (summary["urban"].average, summary["urban"].communities) == (Decimal("0.67"), 3)
    assert summary["rural"].communities == 0
