"""The three lists: needs, resources, linkage projects; matching and the linked-yuan report."""

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError

import pytest

from charity.models import (
    CharitySource,
    LinkageProject,
    LinkageProjectStatusChange,
    Need,
    Resource,
)
from charity.selectors import charity_linked_yuan, charity_linked_yuan_by_area, need_suggestions
from charity.services import ledger, lists
from stations.models import AdminArea
from tests.charity.factories import (
    DAY,
    donate,
    make_fund,
    make_need,
    make_project,
    make_resource,
    make_source,
    pay,
    station_of,
)
from tests.factories import make_area
from tests.volunteers.factories import make_team

pytestmark = pytest.mark.django_db


def test_suggestions_are_the_matching_resources_nearest_first(
    tree, actors, django_assert_num_queries
):
    # given resources at every level above a community, some not matching or not available
    need = make_need(tree.comm_a1_urban, group="lone_elderly", help_kind="care")
    make_resource(tree.city, "市级助老志愿总队", tags=["lone_elderly", "care"])
    make_resource(tree.city, "市级老年大学", tags=["lone_elderly", "education"])  # group only
    make_resource(tree.county_a, "东胜区居家养老服务中心", tags=["care", "disabled"])
    make_resource(tree.town_a1, "交通街道爱心助餐点", tags=["care"])
    make_resource(tree.town_a1, "交通街道助老服务站", tags=["care", "lone_elderly"])
    make_resource(tree.comm_a1_urban, "巴音孟克社区志愿服务队", tags=["lone_elderly", "care"])
    make_resource(tree.comm_a1_urban, "巴音孟克社区儿童之家", tags=["children_in_difficulty"])
    make_resource(tree.comm_a1_urban, "停用的助老资源", tags=["care"], is_available=False)
    make_resource(tree.comm_a1_rural, "添尔漫梁村互助组", tags=["care"])  # a sibling community
    make_resource(tree.town_a2, "公园街道助老队", tags=["care"])  # another township
    make_resource(tree.county_b, "康巴什区养老服务", tags=["care"])  # another county
    make_resource(tree.city, "市级法律援助", tags=["legal_aid"])

    # when the suggestions are read, in one query
    with django_assert_num_queries(1):
        suggested = [
            (resource.name, resource.distance)
            for resource in need_suggestions(actor=actors.city_admin, need=need)
        ]

    # then they give the help asked for and cover the community, nearest first, and at the
    # same distance those also serving the group first
    assert suggested == [
        ("巴音孟克社区志愿服务队", 0),
        ("交通街道助老服务站", 1),
        ("交通街道爱心助餐点", 1),
        ("东胜区居家养老服务中心", 2),
        ("市级助老志愿总队", 3),
    ]


def test_a_resource_serving_only_the_group_is_not_suggested(tree, actors):
    need = make_need(tree.comm_a1_urban, group="lone_elderly", help_kind="care")
    make_resource(tree.comm_a1_urban, "社区老年协会", tags=["lone_elderly"])
    make_resource(tree.comm_a1_urban, "社区法律服务", tags=["lone_elderly", "legal_aid"])

    suggested = list(need_suggestions(actor=actors.county_admin, need=need))

    assert suggested == []


@pytest.mark.parametrize("status", ["matched", "in_service", "closed"])
def test_a_need_no_longer_open_gets_no_suggestions(tree, actors, status):
    need = make_need(tree.comm_a1_urban, status=status)
    make_resource(tree.comm_a1_urban, "巴音孟克社区志愿服务队", tags=["care"])

    suggested = list(need_suggestions(actor=actors.county_admin, need=need))

    assert suggested == []


def test_suggestions_stay_within_the_actors_reach(tree, actors):
    need = make_need(tree.comm_a1_urban)
    make_resource(tree.city, "市级助老志愿总队", tags=["care"])
    make_resource(tree.town_a1, "交通街道爱心助餐点", tags=["care"])

    suggested = [r.name for r in need_suggestions(actor=actors.township_admin, need=need)]

    assert suggested == ["交通街道爱心助餐点"]


def test_a_need_is_surveyed_in_a_community(tree, actors):
    need = Need(
        area=tree.town_a1,
        title="助学",
        group="children_in_difficulty",
        help_kind="education",
        people_affected=3,
        source="visit",
        surveyed_on=DAY,
    )
    with pytest.raises(ValidationError) as refused:
        lists.need_save(actor=actors.county_admin, need=need)
    assert refused.value.message_dict == {"area": ["A need is surveyed in a community or village."]}
    assert Need.objects.count() == 0


def test_need_status_moves_only_along_its_transitions(tree, actors):
    need = make_need(tree.comm_a1_urban)

    with pytest.raises(ValidationError) as refused:
        lists.need_transition(actor=actors.county_admin, need=need, status="in_service")
    lists.need_transition(actor=actors.county_admin, need=need, status="matched")

    assert refused.value.message_dict == {
        "status": ["A need cannot go from “Open” to “in_service”."]
    }
    assert Need.objects.get(pk=need.pk).status == "matched"


def test_resource_tags_are_normalised_and_checked(tree, actors):
    resource = Resource(area=tree.county_a, name="助老", kind=Resource.Kind.OTHER)
    lists.resource_save(
        actor=actors.county_admin, resource=resource, tags=["Care", "lone_elderly", "care"]
    )

    bad = Resource(area=tree.county_a, name="坏标签", kind=Resource.Kind.OTHER)
    with pytest.raises(ValidationError) as refused:
        lists.resource_save(actor=actors.county_admin, resource=bad, tags=["老人"])

    assert Resource.objects.get(pk=resource.pk).tags == "|care|lone_elderly|"
    assert refused.value.message_dict == {
        "tags": ["Tags are lower-case letters, digits and underscores: 老人"]
    }
    assert Resource.objects.count() == 1


def test_a_project_moves_through_its_states_with_history_and_brings_its_needs(tree, actors):
    need = make_need(tree.comm_a1_urban)
    resource = make_resource(tree.town_a1, "交通街道爱心助餐点")
    project = lists.project_save(
        actor=actors.county_admin,
        project=LinkageProject(
            area=tree.town_a1,
            name="银龄助餐",
            owner_kind="station",
            owner_station=station_of(tree.town_a1),
            budget=Decimal("8000"),
        ),
        needs=[need],
        resources=[resource],
    )

    for status in ("matched", "in_service", "done"):
        lists.project_transition(actor=actors.county_admin, project=project, status=status)

    assert LinkageProject.objects.get(pk=project.pk).status == "done"
    assert list(
        LinkageProjectStatusChange.objects.filter(project=project).values_list(
            "from_status", "to_status"
        )
    ) == [("", "open"), ("open", "matched"), ("matched", "in_service"), ("in_service", "done")]
    assert Need.objects.get(pk=need.pk).status == "in_service"


@pytest.mark.parametrize(
    ("_case", "links", "to", "message"),
    [
        ("skip_a_state", True, "in_service", "A project cannot go from “Open” to “in_service”."),
        ("unknown", True, "cancelled", "A project cannot go from “Open” to “cancelled”."),
        (
            "nothing_linked",
            False,
            "matched",
            "A project is matched once it links at least one need and resource.",
        ),
    ],
)
def test_bad_project_transitions_are_refused(tree, actors, _case, links, to, message):
    project = make_project(tree.town_a1)
    if links:
        project.needs.add(make_need(tree.comm_a1_urban))
        project.resources.add(make_resource(tree.town_a1, "助餐点"))

    with pytest.raises(ValidationError) as refused:
        lists.project_transition(actor=actors.county_admin, project=project, status=to)

    assert refused.value.message_dict == {"status": [message]}
    assert LinkageProject.objects.get(pk=project.pk).status == "open"
    assert LinkageProjectStatusChange.objects.filter(project=project).count() == 0


def test_a_project_links_needs_of_its_own_area_only(tree, actors):
    elsewhere = make_need(tree.comm_a2, title="公园街道助餐")
    with pytest.raises(ValidationError) as refused:
        lists.project_save(
            actor=actors.county_admin,
            project=LinkageProject(
                area=tree.town_a1,
                name="助餐",
                owner_kind="station",
                owner_station=station_of(tree.town_a1),
            ),
            needs=[elsewhere],
        )
    assert refused.value.message_dict == {
        "needs": ["A project links needs of its own area only: 公园街道助餐"]
    }
    assert LinkageProject.objects.count() == 0


def test_linked_yuan_per_subtree_in_a_year(tree, actors, django_assert_num_queries):
    # given funds in two counties paying projects, needs and activities over two years
    admin = actors.city_admin
    donor = make_source(tree.city)
    fund_a = make_fund(tree.county_a)
    fund_a1 = make_fund(tree.comm_a1_urban, name="巴音孟克社区基金")
    fund_b = make_fund(tree.county_b)
    for fund in (fund_a, fund_a1, fund_b):
        donate(admin, fund, donor, "10000")
    project = make_project(tree.town_a1)
    need = make_need(tree.comm_a1_urban)
    pay(admin, fund_a, "1000", target_kind="linkage_project", linkage_project=project)
    pay(admin, fund_a1, "200", target_kind="need", need=need)
    wrong = pay(admin, fund_a1, "50")
    ledger.entry_reverse(actor=admin, entry=wrong, reason="误付", booked_on=DAY)
    pay(admin, fund_a, "999", day=datetime.date(2024, 6, 1))
    pay(admin, fund_b, "300")
    ledger.transfer_book(
        actor=admin, from_fund=fund_a, to_fund=fund_b, amount=Decimal("500"), booked_on=DAY
    )

    # when the report reads every area's subtree total in one query
    with django_assert_num_queries(1):
        rows = {
            area.code: area.charity_linked_yuan
            for area in charity_linked_yuan_by_area(
                areas=AdminArea.objects.filter(level__lte=AdminArea.Level.TOWNSHIP), year=2025
            )
        }

    # then transfers and donations do not count, a reversed payment does not, 2024 does not
    assert rows == {
        "150600000000": Decimal("1500.00"),
        "150602000000": Decimal("1200.00"),
        "150602001000": Decimal("200.00"),
        "150602002000": Decimal("0.00"),
        "150603000000": Decimal("300.00"),
        "150603001000": Decimal("0.00"),
    }
    assert charity_linked_yuan(area=tree.county_a, year=2025) == Decimal("1200.00")
    assert charity_linked_yuan(area=tree.county_a, year=2024) == Decimal("999.00")


def test_suggestions_on_a_hand_made_deeper_tree(db):
    # given a tree with a province above the city
    province = make_area("150000000000", "内蒙古自治区", AdminArea.Level.PROVINCE)
    city = make_area("150600000000", "鄂尔多斯市", AdminArea.Level.CITY, province)
    county = make_area("150627000000", "伊金霍洛旗", AdminArea.Level.COUNTY, city)
    sumu = make_area("150627100000", "乌兰木伦镇", AdminArea.Level.TOWNSHIP, county)
    gacha = make_area("150627100201", "掌岗图村", AdminArea.Level.COMMUNITY, sumu)
    need = make_need(gacha, group="left_behind_children", help_kind="education")
    for area, name in [
        (province, "自治区儿童基金"),
        (gacha, "掌岗图村儿童之家"),
        (county, "伊旗助学志愿队"),
        (city, "市青少年宫"),
    ]:
        make_resource(area, name, tags=["education"])
    superuser = type(
        "Root", (), {"is_authenticated": True, "is_active": True, "is_superuser": True}
    )

    suggested = [(r.name, r.distance) for r in need_suggestions(actor=superuser, need=need)]

    assert suggested == [
        ("掌岗图村儿童之家", 0),
        ("伊旗助学志愿队", 2),
        ("市青少年宫", 3),
        ("自治区儿童基金", 4),
    ]


@pytest.mark.parametrize("kind", ["volunteer_team", "other"])
def test_resource_tags_outside_the_vocabularies_are_refused(tree, actors, kind):
    team = make_team(tree.comm_a1_urban) if kind == "volunteer_team" else None
    resource = Resource(area=tree.county_a, name="助老队", kind=kind, team=team)

    with pytest.raises(ValidationError) as refused:
        lists.resource_save(
            actor=actors.county_admin, resource=resource, tags=["care", "elderly", "cooking"]
        )

    assert refused.value.message_dict == {
        "tags": [
            "Unknown tags: cooking, elderly. Tags are the codes of the kinds of help given "
            "and of the groups served."
        ]
    }
    assert Resource.objects.count() == 0


def test_a_team_resource_takes_help_and_group_tags(tree, actors):
    team = make_team(tree.comm_a1_urban)
    resource = Resource(area=tree.comm_a1_urban, name="助老队", kind="volunteer_team", team=team)

    lists.resource_save(
        actor=actors.county_admin, resource=resource, tags=["companionship", "lone_elderly"]
    )

    assert Resource.objects.get(pk=resource.pk).tag_list == ["companionship", "lone_elderly"]


@pytest.mark.parametrize(
    ("_case", "kind", "message"),
    [
        ("individual", CharitySource.Kind.INDIVIDUAL, "Individual"),
        ("welfare_lottery", CharitySource.Kind.WELFARE_LOTTERY, "Welfare-lottery fund"),
        ("community_fund", CharitySource.Kind.COMMUNITY_FUND, "Community fund"),
    ],
)
def test_an_in_kind_offer_from_a_source_that_gives_no_goods_is_refused(
    tree, actors, _case, kind, message
):
    giver = make_source(tree.county_a, name="王先生", kind=kind)
    resource = Resource(area=tree.county_a, name="冬衣", kind="in_kind", source=giver)

    with pytest.raises(ValidationError) as refused:
        lists.resource_save(actor=actors.county_admin, resource=resource, tags=["material_aid"])

    assert refused.value.message_dict == {
        "source": [
            f"An in-kind offer comes from a company or an organisation, not from “{message}”."
        ]
    }
    assert Resource.objects.count() == 0


@pytest.mark.parametrize(
    "kind",
    [
        CharitySource.Kind.COMPANY,
        CharitySource.Kind.FOUNDATION,
        CharitySource.Kind.CHARITY_SUPERMARKET,
    ],
)
def test_an_in_kind_offer_from_a_company_or_organisation_is_saved(tree, actors, kind):
    giver = make_source(tree.county_a, name="伊泰集团", kind=kind)
    resource = Resource(area=tree.county_a, name="冬衣", kind="in_kind", source=giver)

    lists.resource_save(actor=actors.county_admin, resource=resource, tags=["material_aid"])

    assert Resource.objects.get(pk=resource.pk).source == giver


def test_a_resource_names_only_the_link_of_its_kind(tree, actors):
    fund = make_fund(tree.county_a)
    company = make_source(tree.county_a, name="伊泰集团", kind=CharitySource.Kind.COMPANY)
    team = make_team(tree.comm_a1_urban)
    resource = Resource(
        area=tree.comm_a1_urban,
        name="助老队",
        kind="volunteer_team",
        team=team,
        fund=fund,
        source=company,
    )

    with pytest.raises(ValidationError) as refused:
        lists.resource_save(actor=actors.county_admin, resource=resource, tags=["care"])

    assert refused.value.message_dict == {
        "fund": ["A resource of the kind “Volunteer team” does not name a fund."],
        "source": ["A resource of the kind “Volunteer team” does not name a source."],
    }
    assert Resource.objects.count() == 0


def test_a_fund_resource_names_no_team(tree, actors):
    fund = make_fund(tree.county_a)
    team = make_team(tree.comm_a1_urban)
    resource = Resource(area=tree.county_a, name="救助基金", kind="fund", fund=fund, team=team)

    with pytest.raises(ValidationError) as refused:
        lists.resource_save(actor=actors.county_admin, resource=resource, tags=["financial_aid"])

    assert refused.value.message_dict == {
        "team": ["A resource of the kind “Charity fund” does not name a volunteer team."]
    }
    assert Resource.objects.count() == 0
