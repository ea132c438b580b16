"""The Ordos charity demo: sources, funds with a year (2025) of ledger entries, the needs list in
many communities, the resources list, and linkage projects in every state.

Money is booked through charity.services.ledger, exactly as the admin and the API book it, so the
balances, receipt numbers (per area and year, without gaps) and the reversal rules hold. Needs and
resources are bulk-written (plain rows); projects go through the services for their history.

Deterministic (one seeded generator, fixed dates) and idempotent: a run that finds the city's
relief fund already there changes nothing.
"""

import datetime
import random
from decimal import Decimal

from django.db import transaction

from charity.models import (
    CharityFund,
    CharitySource,
    LedgerEntry,
    LinkageProject,
    Need,
    Resource,
)
from charity.services import ledger, lists, supermarket
from charity.services.lists import tags_to_field
from orgs.models import CommunityOrg
from stations.models import AdminArea, Station, User
from stations.validators import credit_code_check_character, id_number_check_character
from volunteers.models import Activity, Team, Volunteer

SEED = 150608
CITY_CODE = "150600000000"
YEAR = 2025
CITY_FUND = "鄂尔多斯市慈善救助基金"
COUNTY_SUPERMARKET_TOWNSHIPS = 1  # one charity supermarket per county, in its first township

# (name, kind, credit-code serial or None): city-wide givers.
CITY_SOURCES = [
    ("鄂尔多斯市慈善总会", CharitySource.Kind.FOUNDATION, 11),
    ("鄂尔多斯市福利彩票公益金", CharitySource.Kind.WELFARE_LOTTERY, None),
    ("内蒙古伊泰集团有限公司", CharitySource.Kind.COMPANY, 21),
    ("鄂尔多斯资源股份有限公司", CharitySource.Kind.COMPANY, 22),
    ("内蒙古汇能煤电集团有限公司", CharitySource.Kind.COMPANY, 23),
]
INDIVIDUALS = ["王建军", "乌云其木格", "张志华", "白音仓", "刘桂芳", "高俊峰"]
SUPERMARKET_ITEMS = [
    ("大米 10kg", Decimal("55.00")),
    ("面粉 10kg", Decimal("48.00")),
    ("食用油 5L", Decimal("69.00")),
    ("洗衣液 2kg", Decimal("25.00")),
    ("牛奶 一箱", Decimal("60.00")),
    ("棉被", Decimal("150.00")),
]
# (group, help kind, title, description)
NEED_TEMPLATES = [
    ("lone_elderly", "care", "独居老人助餐服务", "社区独居高龄老人做饭困难，需要定期送餐或助餐。"),
    (
        "lone_elderly",
        "companionship",
        "高龄老人定期探访",
        "高龄空巢老人需要志愿者每周上门探访、陪伴。",
    ),
    ("left_behind_elderly", "health", "留守老人健康监测", "留守老人慢病多，需要定期血压血糖监测。"),
    (
        "left_behind_children",
        "education",
        "留守儿童课后托管",
        "放学后无人看护，需要课后辅导和托管。",
    ),
    ("left_behind_children", "counselling", "留守儿童心理关爱", "部分留守儿童孤僻，需要心理疏导。"),
    ("left_behind_women", "skills", "留守妇女技能培训", "希望学习手工、电商等技能增加收入。"),
    (
        "subsistence_allowance",
        "material_aid",
        "低保家庭冬季物资",
        "低保家庭冬季取暖和生活物资不足。",
    ),
    ("extreme_poverty", "financial_aid", "特困人员临时救助", "特困人员突发疾病，医疗费用负担重。"),
    ("disabled", "health", "残疾人康复训练", "肢体残疾人需要社区康复训练指导。"),
    ("disabled", "care", "重度残疾人居家照护", "重度残疾人家庭照护压力大，需要喘息服务。"),
    ("children_in_difficulty", "education", "困境儿童助学", "困境儿童学习用品和学费有缺口。"),
    ("veterans", "companionship", "退役军人关爱走访", "老退役军人需要节日走访和生活关照。"),
    ("bereaved_families", "counselling", "失独家庭精神慰藉", "失独老人情绪低落，需要长期陪伴。"),
    (
        "community_corrections",
        "legal_aid",
        "社区矫正对象帮教",
        "社区矫正对象需要法律教育和就业帮扶。",
    ),
    ("residents", "legal_aid", "邻里纠纷调解", "老旧小区邻里纠纷多，需要调解服务。"),
]
# Tags that volunteer teams and organisations offer, drawn per team.
TEAM_TAG_SETS = [
    ["care", "companionship", "lone_elderly", "left_behind_elderly"],
    ["education", "left_behind_children", "children_in_difficulty"],
    ["health", "disabled", "lone_elderly"],
    ["legal_aid", "residents", "community_corrections"],
    ["counselling", "bereaved_families", "left_behind_children"],
    ["companionship", "veterans", "lone_elderly"],
]
ORG_GROUP_TAGS = {
    "elderly": ["lone_elderly", "left_behind_elderly", "care", "companionship"],
    "women": ["left_behind_women", "skills"],
    "children": ["left_behind_children", "children_in_difficulty", "education"],
    "disabled": ["disabled", "health", "care"],
    "poor_families": ["subsistence_allowance", "extreme_poverty", "material_aid"],
    "community_corrections": ["community_corrections", "legal_aid"],
}
COMPANY_OFFERS = [
    ("冬季取暖煤捐赠", ["material_aid", "subsistence_allowance", "extreme_poverty"]),
    ("员工志愿者助学", ["education", "children_in_difficulty", "left_behind_children"]),
    ("企业爱心药箱", ["health", "disabled", "lone_elderly"]),
]
PROJECT_STATES = ["open", "matched", "in_service", "done"]


def _credit_code(serial: int) -> str:
    """A checksum-valid demo credit code (53 = foundation/charity, 91 = company); not a real one."""
    first17 = f"53150600MJ{serial:07d}"
    return first17 + credit_code_check_character(first17)


def _id_number(serial: int) -> str:
    first17 = f"150602197{serial % 10}0{serial % 9 + 1}15{serial % 100:02d}1"
    return first17 + id_number_check_character(first17)


def _day(rng: random.Random, first_month: int = 1, last_month: int = 12) -> datetime.date:
    return datetime.date(YEAR, rng.randint(first_month, last_month), rng.randint(1, 28))


def _source(name, kind, area, **fields) -> CharitySource:
    source, _created = CharitySource.objects.get_or_create(
        name=name, area=area, defaults={"kind": kind, **fields}
    )
    return source


@transaction.atomic
def load(stdout=None) -> list[tuple[str, str, str]]:
    """Loads the Ordos charity data; needs the areas and accounts of stations.demo."""
    city = AdminArea.objects.filter(code=CITY_CODE).first()
    actor = User.objects.filter(username="admin", is_superuser=True).first()
    if city is None or actor is None:
        return []
    if CharityFund.objects.filter(area=city, name=CITY_FUND).exists():
        return []  # already loaded: the demo never duplicates nor rewrites
    rng = random.Random(SEED)  # noqa: S311 (demo data, not security)

    counties = list(
        AdminArea.objects.filter(
            level=AdminArea.Level.COUNTY, is_virtual=False, parent=city
        ).order_by("code")
    )
    communities = list(
        AdminArea.objects.filter(
            level=AdminArea.Level.COMMUNITY, is_placeholder=False, path__startswith=city.path
        )
        .select_related("parent")
        .order_by("code")
    )

    city_sources = [
        _source(name, kind, city, credit_code=_credit_code(serial) if serial else "")
        for name, kind, serial in CITY_SOURCES
    ]
    individuals = [
        _source(name, CharitySource.Kind.INDIVIDUAL, city, id_number=_id_number(number))
        for number, name in enumerate(INDIVIDUALS)
    ]
    city_fund = lists_fund(city, CITY_FUND, CharityFund.Kind.RELIEF, "困难群众临时救助")

    county_funds: dict[str, tuple[CharityFund, CharityFund]] = {}
    supermarkets: list[CharitySource] = []
    for number, county in enumerate(counties):
        short = county.name
        county_funds[county.code] = (
            lists_fund(county, f"{short}社区慈善救助基金", CharityFund.Kind.RELIEF, "困难群众救助"),
            lists_fund(county, f"{short}社区服务专项基金", CharityFund.Kind.SERVICE, ""),
        )
        township = (
            AdminArea.objects.filter(parent=county, level=AdminArea.Level.TOWNSHIP)
            .order_by("code")
            .first()
        )
        if township is not None:
            supermarkets.append(
                _source(
                    f"{township.name}慈善超市",
                    CharitySource.Kind.CHARITY_SUPERMARKET,
                    township,
                    credit_code=_credit_code(100 + number),
                )
            )
        _source(
            f"{short}社区发展基金",
            CharitySource.Kind.COMMUNITY_FUND,
            county,
        )

    needs = _needs(rng, communities)
    resources = _resources(rng, city, counties, communities, city_sources, county_funds)
    projects = _projects(rng, actor, counties, needs, resources)
    _ledger(rng, actor, city, city_fund, city_sources, individuals, county_funds, projects, needs)
    _supermarkets(rng, actor, supermarkets, city_sources)
    if stdout is not None:
        stdout.write(
            f"charity: {LedgerEntry.objects.count()} ledger entries, {len(needs)} needs, "
            f"{len(resources)} resources, {len(projects)} linkage projects"
        )
    return []


def lists_fund(area, name, kind, restriction) -> CharityFund:
    fund, _created = CharityFund.objects.get_or_create(
        area=area,
        name=name,
        defaults={
            "kind": kind,
            "is_restricted": bool(restriction),
            "restriction": restriction,
        },
    )
    return fund


def _needs(rng: random.Random, communities: list[AdminArea]) -> list[Need]:
    """Two to four needs in about a third of the communities."""
    rows = []
    for community in communities:
        if rng.random() > 0.33:
            continue
        for group, help_kind, title, description in rng.sample(NEED_TEMPLATES, rng.randint(2, 4)):
            rows.append(
                Need(
                    area=community,
                    title=f"{community.name}{title}",
                    group=group,
                    help_kind=help_kind,
                    description=description,
                    people_affected=rng.randint(3, 60),
                    urgency=rng.choice(["low", "medium", "medium", "high", "urgent"]),
                    source=rng.choice(["survey", "survey", "visit", "proposal"]),
                    surveyed_on=_day(rng, 1, 6),
                )
            )
    return Need.objects.bulk_create(rows)


def _resources(rng, city, counties, communities, city_sources, county_funds) -> list[Resource]:
    rows = []
    for fund_pair in county_funds.values():
        for fund in fund_pair:
            tags = (
                ["financial_aid", "material_aid", "subsistence_allowance", "extreme_poverty"]
                if fund.kind == CharityFund.Kind.RELIEF
                else ["care", "education", "companionship", "residents"]
            )
            rows.append(
                Resource(
                    name=fund.name,
                    kind=Resource.Kind.FUND,
                    area=fund.area,
                    fund=fund,
                    description="社区慈善资金，按项目申请使用。",
                    tags=tags_to_field(tags),
                )
            )
    companies = [s for s in city_sources if s.kind == CharitySource.Kind.COMPANY]
    for company in companies:
        offer, tags = COMPANY_OFFERS[companies.index(company) % len(COMPANY_OFFERS)]
        rows.append(
            Resource(
                name=f"{company.name}{offer}",
                kind=Resource.Kind.IN_KIND,
                area=city,
                source=company,
                description="爱心企业实物或志愿服务资源。",
                tags=tags_to_field(tags),
            )
        )
    rows.extend(
        Resource(
            name=team.name,
            kind=Resource.Kind.VOLUNTEER_TEAM,
            area=team.area.parent if rng.random() < 0.4 else team.area,
            team=team,
            description="志愿服务队伍，可承接社区志愿服务。",
            tags=tags_to_field(rng.choice(TEAM_TAG_SETS)),
            is_available=rng.random() > 0.1,
        )
        for team in Team.objects.filter(area__path__startswith=city.path)
        .select_related("area")
        .order_by("pk")
    )
    orgs = CommunityOrg.objects.filter(community__path__startswith=city.path).prefetch_related(
        "served_groups"
    )
    for org in orgs.order_by("pk")[:300]:
        tags = {"residents"}
        for group in org.served_groups.all():
            tags.update(ORG_GROUP_TAGS.get(group.code, []))
        rows.append(
            Resource(
                name=org.name,
                kind=Resource.Kind.ORGANISATION,
                area=org.community,
                organisation=org,
                description="社区社会组织服务。",
                tags=tags_to_field(sorted(tags)),
                is_available=rng.random() > 0.15,
            )
        )
    return Resource.objects.bulk_create(rows)


def _projects(rng, actor, counties, needs, resources) -> list[LinkageProject]:
    """Per county a few projects at township level, in every state."""
    by_township: dict[str, list[Need]] = {}
    for need in needs:
        by_township.setdefault(need.area.parent_id, []).append(need)
    stations = {
        station.area_id: station
        for station in Station.objects.filter(area__level=AdminArea.Level.TOWNSHIP).order_by("pk")
    }
    resources_by_path = sorted(resources, key=lambda r: r.pk)
    projects = []
    for county in counties:
        townships = [code for code in sorted(by_township) if code.startswith(county.code[:6])][:4]
        for number, township_code in enumerate(townships):
            township = AdminArea.objects.get(code=township_code)
            township_needs = by_township[township_code][:3]
            reachable = [
                r
                for r in resources_by_path
                if township.path.startswith(r.area.path) or r.area.path.startswith(township.path)
            ]
            station = stations.get(township.pk)
            owner = (
                {"owner_kind": "station", "owner_station": station}
                if station is not None
                else {"owner_kind": "volunteer_team", "owner_team": _team_in(township)}
            )
            if station is None and owner["owner_team"] is None:
                continue
            project = lists.project_save(
                actor=actor,
                project=LinkageProject(
                    area=township,
                    name=f"{township.name}{township_needs[0].get_group_display()}联动项目",
                    plan="社工站牵头，链接志愿者、社会组织和慈善资源，按月开展服务。",
                    budget=Decimal(rng.randrange(5000, 60000, 500)),
                    starts_on=datetime.date(YEAR, 3, 1),
                    ends_on=datetime.date(YEAR, 12, 31),
                    **owner,
                ),
                needs=township_needs,
                resources=rng.sample(reachable, min(2, len(reachable))),
            )
            target = PROJECT_STATES[number % len(PROJECT_STATES)]
            if not reachable:
                target = "open"
            for status in PROJECT_STATES[1 : PROJECT_STATES.index(target) + 1]:
                project = lists.project_transition(actor=actor, project=project, status=status)
            if target == "done":
                for need in township_needs:
                    lists.need_transition(actor=actor, need=need, status=Need.Status.CLOSED)
            projects.append(project)
    return projects


def _team_in(area: AdminArea) -> Team | None:
    return Team.objects.filter(area__path__startswith=area.path).order_by("pk").first()


def _ledger(rng, actor, city, city_fund, city_sources, individuals, county_funds, projects, needs):
    """A year of bookings in date order: donations, disbursements, a transfer and a reversal per
    county, and the city fund's grants."""
    bookings: list[tuple[datetime.date, int, object]] = []
    donors = [*city_sources, *individuals]

    def add(day, action):
        bookings.append((day, len(bookings), action))

    for month in range(1, 13):
        day = datetime.date(YEAR, month, 5)
        donor = donors[month % len(donors)]
        amount = Decimal(rng.randrange(20000, 200000, 1000))
        add(
            day,
            lambda d=day, a=amount, s=donor: ledger.donation_book(
                actor=actor, fund=city_fund, donor=s, amount=a, booked_on=d, purpose=""
            ),
        )
    projects_by_county: dict[str, list[LinkageProject]] = {}
    for project in projects:
        projects_by_county.setdefault(project.area.code[:6], []).append(project)
    needs_by_county: dict[str, list[Need]] = {}
    for need in needs:
        needs_by_county.setdefault(need.area.code[:6], []).append(need)
    activities = {}
    for activity in Activity.objects.filter(area__path__startswith=city.path).order_by("pk"):
        activities.setdefault(activity.area.code[:6], activity)

    for code, (relief, service) in county_funds.items():
        prefix = code[:6]
        for _number in range(rng.randint(8, 12)):
            day = _day(rng, 1, 10)
            donor = rng.choice(donors)
            amount = Decimal(rng.randrange(5000, 50000, 100))
            # A gift the donor restricts goes only into a fund with that same restriction.
            purpose = rng.choice(["", "", relief.restriction])
            add(
                day,
                lambda d=day, a=amount, s=donor, p=purpose, f=relief: ledger.donation_book(
                    actor=actor, fund=f, donor=s, amount=a, booked_on=d, purpose=p
                ),
            )
        service_day = datetime.date(YEAR, 3, 15)
        add(
            service_day,
            lambda d=service_day, s=service, donor=city_sources[0]: ledger.donation_book(
                actor=actor, fund=s, donor=donor, amount=Decimal("20000.00"), booked_on=d
            ),
        )
        # Unrestricted money may join a restricted fund; the other way round is refused.
        transfer_day = datetime.date(YEAR, 11, 2)
        add(
            transfer_day,
            lambda d=transfer_day, r=relief, s=service: ledger.transfer_book(
                actor=actor,
                from_fund=s,
                to_fund=r,
                amount=Decimal("5000.00"),
                booked_on=d,
                memo="年度调剂至社区慈善救助基金",
            ),
        )
        targets = [
            {"target_kind": "linkage_project", "linkage_project": project}
            for project in projects_by_county.get(prefix, [])
            if project.status != "open"
        ]
        targets.extend(
            {"target_kind": "need", "need": need} for need in needs_by_county.get(prefix, [])[:3]
        )
        if prefix in activities:
            targets.append({"target_kind": "volunteer_activity", "activity": activities[prefix]})
        for number, target in enumerate(targets):
            day = datetime.date(YEAR, 11, 10 + number % 15)
            amount = Decimal(rng.randrange(500, 4000, 50))
            fund = service if target["target_kind"] == "volunteer_activity" else relief
            add(
                day,
                lambda d=day, a=amount, f=fund, t=target: ledger.disbursement_book(
                    actor=actor,
                    fund=f,
                    amount=a,
                    booked_on=d,
                    purpose=f.restriction,
                    memo="项目资金拨付",
                    **t,
                ),
            )
        if targets:
            # A disbursement booked twice by mistake, then reversed.
            day = datetime.date(YEAR, 12, 15)
            add(
                day,
                lambda d=day, f=relief, t=targets[0]: ledger.entry_reverse(
                    actor=actor,
                    entry=ledger.disbursement_book(
                        actor=actor,
                        fund=f,
                        amount=Decimal("800.00"),
                        booked_on=d,
                        purpose=f.restriction,
                        memo="重复拨付",
                        **t,
                    ),
                    reason="重复拨付，冲正",
                    booked_on=datetime.date(YEAR, 12, 20),
                ),
            )
    done = [project for project in projects if project.status == "done"][:3]
    for number, project in enumerate(done):
        day = datetime.date(YEAR, 12, 1 + number)
        add(
            day,
            lambda d=day, p=project: ledger.disbursement_book(
                actor=actor,
                fund=city_fund,
                amount=Decimal("20000.00"),
                booked_on=d,
                target_kind="linkage_project",
                linkage_project=p,
                purpose=city_fund.restriction,
                memo="市级慈善资金奖补",
            ),
        )
    for _day_value, _order, action in sorted(bookings, key=lambda b: (b[0], b[1])):
        action()


def _supermarkets(rng, actor, supermarkets, city_sources):
    """In-kind goods for every supermarket, and a few points redemptions where volunteers have
    points to spend."""
    companies = [s for s in city_sources if s.kind == CharitySource.Kind.COMPANY]
    for number, shop in enumerate(supermarkets):
        supermarket.in_kind_record(
            actor=actor,
            supermarket=shop,
            donor=companies[number % len(companies)],
            received_on=datetime.date(YEAR, 1, 10 + number),
            items=[
                (description, rng.randint(10, 50), value * 10)
                for description, value in rng.sample(SUPERMARKET_ITEMS, 3)
            ],
            note="春节前爱心物资",
        )
        township_path = shop.area.path
        volunteers = Volunteer.objects.filter(
            area__path__startswith=township_path, points_balance__gte=60
        ).order_by("pk")[:2]
        for volunteer in volunteers:
            affordable = [item for item in SUPERMARKET_ITEMS if item[1] <= volunteer.points_balance]
            description, value = rng.choice(affordable)
            supermarket.points_redeem(
                actor=actor,
                supermarket=shop,
                volunteer=volunteer,
                points=int(value),
                redeemed_on=datetime.date(YEAR, 12, 28),
                items=[(description, 1, value)],
            )
