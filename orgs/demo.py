"""The Ordos demo of community social organisations: every community has some, some meet the
Ordos targets (≥ 10 per urban community, ≥ 5 per rural one) and some do not; federations in some
townships, two incubation centres, brand organisations and projects, a contest with applications,
activity reports and evaluations.

Deterministic (one seeded generator; every value is drawn whether or not the row already exists)
and idempotent: a second run only creates what is missing and changes nothing stored.
"""

import datetime
import random
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from orgs.models import (
    ActivityReport,
    BrandProject,
    CommunityOrg,
    Contest,
    ContestApplication,
    Evaluation,
    Federation,
    IncubationCentre,
    ObservationPoint,
    ServedGroup,
)
from stations.models import AdminArea, User
from stations.validators import credit_code_check_character

SEED = 150606
Type = CommunityOrg.Type
Status = CommunityOrg.Status
Party = CommunityOrg.PartyOrganisation

# Name, type, groups served: the kinds of organisation the Ordos and Huangshan plans describe.
THEMES: list[tuple[str, str, tuple[str, ...]]] = [
    ("夕阳红志愿服务队", Type.VOLUNTEER, ("elderly",)),
    ("邻里互助会", Type.MUTUAL_AID, ("elderly", "poor_families")),
    ("巾帼志愿服务队", Type.VOLUNTEER, ("women", "children")),
    ("老年秧歌队", Type.LIFE_SERVICE, ("elderly",)),
    ("四点半课堂", Type.CHARITY, ("children", "migrant_workers")),
    ("助残服务队", Type.CHARITY, ("disabled",)),
    ("红白理事会", Type.GOVERNANCE, ()),
    ("乡风文明理事会", Type.GOVERNANCE, ()),
    ("平安巡逻队", Type.GOVERNANCE, ()),
    ("居民议事会", Type.GOVERNANCE, ()),
    ("人民调解队", Type.GOVERNANCE, ("community_corrections",)),
    ("乌兰牧骑文艺队", Type.LIFE_SERVICE, ("elderly", "women")),
    ("马头琴协会", Type.LIFE_SERVICE, ()),
    ("健身舞蹈队", Type.LIFE_SERVICE, ("women",)),
    ("书画协会", Type.LIFE_SERVICE, ("elderly",)),
    ("家风家教宣讲团", Type.GOVERNANCE, ("children", "at_risk_youth")),
    ("养老互助会", Type.MUTUAL_AID, ("elderly",)),
    ("爱心帮扶协会", Type.CHARITY, ("poor_families", "children_of_detained")),
    ("就业帮扶服务队", Type.MUTUAL_AID, ("unemployed", "migrant_workers")),
    ("心理关爱服务站", Type.CHARITY, ("severe_mental_disorder", "at_risk_youth")),
    ("环保志愿服务队", Type.VOLUNTEER, ()),
    ("党员先锋服务队", Type.VOLUNTEER, ("elderly", "disabled")),
    ("民族团结促进会", Type.GOVERNANCE, ()),
    ("法律援助服务队", Type.CHARITY, ("community_corrections", "poor_families")),
    ("青少年读书会", Type.OTHER, ("children", "at_risk_youth")),
]
SURNAMES = "王李张刘陈杨赵黄周吴高郭马白乌宝那"
GIVEN_NAMES = [
    "秀英",
    "建国",
    "桂兰",
    "志强",
    "丽娟",
    "海军",
    "玉梅",
    "宝音",
    "其其格",
    "娜仁",
    "巴特尔",
    "永平",
    "春花",
    "振华",
    "淑珍",
    "那顺",
]
PHONE_PREFIXES = ["138", "139", "150", "151", "158", "186", "187", "189", "147"]
INCUBATORS = [
    # area code, name, operator, opened on
    (
        "150602000000",
        "东胜区社会组织培育发展服务中心",
        "鄂尔多斯市东胜区阳光社会工作服务中心",
        datetime.date(2021, 6, 18),
    ),
    (
        "150603001000",
        "哈巴格希街道社会组织孵化基地",
        "康巴什区社会组织联合会",
        datetime.date(2022, 3, 1),
    ),
]
CONTEST_AREA = "150602000000"  # 东胜区
CONTEST_YEAR = 2025
CONTEST_BUDGET = Decimal("300000.00")
EVALUATION_YEAR = 2024
REVIEW_TOWNSHIP = "150602001000"  # 交通街道: its demo administrator reviews the filed reports
REVIEWED_REPORTS = 12  # of organisations under 交通街道: 8 acknowledged, 2 objected to, 2 waiting


def _short(name: str) -> str:
    for suffix in ("街道办事处", "办事处", "居民委员会", "村民委员会", "居委会", "村委会"):
        if name.endswith(suffix) and len(name) > len(suffix):
            name = name.removesuffix(suffix)
            return name if suffix != "街道办事处" else f"{name}街道"
    return name


def org_credit_code(*, kind: str, county_code: str, serial: int) -> str:
    """A checksum-valid, made-up credit code: 5 (civil affairs), kind 1/2/3, county, MJ + serial."""
    first17 = f"5{kind}{county_code[:6]}MJ{serial:07d}"
    return first17 + credit_code_check_character(first17)


def _count_for(rng: random.Random, community: AdminArea) -> int:
    """Organisations in a community: about half meet the Ordos target, the others fall short."""
    if community.urban_rural == AdminArea.UrbanRural.URBAN:
        return rng.randint(10, 16) if rng.random() < 0.45 else rng.randint(3, 9)
    return rng.randint(5, 8) if rng.random() < 0.5 else rng.randint(1, 4)


def _date(rng: random.Random, first_year: int, last: datetime.date) -> datetime.date:
    # One draw whatever the span: with randint the number of draws depends on today's date,
    # and the whole demo after it would change from one day to the next.
    start = datetime.date(first_year, 1, 1)
    return start + datetime.timedelta(days=int(rng.random() * ((last - start).days + 1)))


def _build_orgs(rng, communities, groups, today) -> list[tuple[CommunityOrg, list[ServedGroup]]]:
    built = []
    serial = 1000
    for community in communities:
        township = community.parent
        county = township.parent
        place = _short(community.name)
        themes = rng.sample(THEMES, _count_for(rng, community))
        for index, (name, org_type, group_codes) in enumerate(themes):
            founded = _date(rng, 2012, today - datetime.timedelta(days=30))
            registered = rng.random() < 0.18
            status_roll = rng.random()
            # The first organisation of each community is active: every community has one.
            status = (
                Status.ACTIVE
                if status_roll < 0.88 or index == 0
                else Status.DORMANT
                if status_roll < 0.96
                else Status.DEREGISTERED
            )
            party_roll = rng.random()
            party = (
                Party.NONE
                if party_roll < 0.45
                else Party.INSTRUCTOR
                if party_roll < 0.75
                else Party.JOINT_BRANCH
                if party_roll < 0.92
                else Party.OWN_BRANCH
            )
            leader = rng.choice(SURNAMES) + rng.choice(GIVEN_NAMES)
            phone = rng.choice(PHONE_PREFIXES) + f"{rng.randint(0, 99_999_999):08d}"
            members = rng.randint(8, 120)
            filed_with_township = rng.random() < 0.2
            org = CommunityOrg(
                name=f"{place}{name}",
                org_type=org_type,
                community=community,
                founded_on=founded,
                leader=leader,
                contact_phone=phone,
                member_count=members,
                status=status,
                party_organisation=party,
            )
            if registered:
                serial += 1
                org.standing = CommunityOrg.Standing.REGISTERED
                org.credit_code = org_credit_code(
                    kind=rng.choice("1122223"), county_code=county.code, serial=serial
                )
                org.registration_authority = f"{county.name}民政局"
                org.registered_on = founded
            else:
                org.standing = CommunityOrg.Standing.FILED
                org.filing_body = township if filed_with_township else community
                org.filed_on = founded + datetime.timedelta(days=rng.randint(0, 60))
                org.filed_on = min(org.filed_on, today)
            built.append((org, [groups[code] for code in group_codes]))
    return built


@transaction.atomic
def load(stdout=None) -> list[tuple[str, str, str]]:
    """Loads the organisations demo; needs the Ordos areas of stations.demo. No extra logins."""
    rng = random.Random(SEED)  # noqa: S311 (demo data, not security)
    today = timezone.localdate()
    communities = list(
        AdminArea.objects.filter(level=AdminArea.Level.COMMUNITY, is_placeholder=False)
        .select_related("parent__parent")
        .order_by("code")
    )
    if not communities:
        return []
    groups = {group.code: group for group in ServedGroup.objects.all()}
    townships = sorted({c.parent for c in communities}, key=lambda area: area.code)
    built = _build_orgs(rng, communities, groups, today)

    # Platforms first: organisations point at them.
    incubators = {}
    for code, name, operator, opened in INCUBATORS:
        area = AdminArea.objects.filter(code=code).first()
        if area is not None:
            incubators[code], _created = IncubationCentre.objects.get_or_create(
                area=area, name=name, defaults={"operator": operator, "opened_on": opened}
            )
    federations = {}
    for township in townships:
        founded = _date(rng, 2019, datetime.date(2024, 12, 31))
        if rng.random() < 0.55:
            federations[township.code], _created = Federation.objects.get_or_create(
                township=township,
                defaults={
                    "name": f"{_short(township.name)}社区社会组织联合会",
                    "founded_on": founded,
                },
            )
    for org, _groups in built:
        member_roll = rng.random()
        federation = federations.get(org.community.parent_id)
        if federation is not None and org.status == Status.ACTIVE and member_roll < 0.7:
            org.federation = federation
        incubator_roll = rng.random()
        for incubator in incubators.values():
            if org.community.path.startswith(incubator.area.path) and incubator_roll < 0.3:
                org.incubator = incubator
    brand_candidates = [
        org
        for org, _groups in built
        if org.status == Status.ACTIVE
        and org.standing == CommunityOrg.Standing.REGISTERED
        and org.founded_on.year <= 2022
    ]
    brands = rng.sample(brand_candidates, min(12, len(brand_candidates)))
    for org in brands:
        org.brand_year = rng.randint(max(2021, org.founded_on.year + 1), 2025)

    existing = set(CommunityOrg.objects.values_list("community_id", "name"))
    missing = [
        (org, org_groups)
        for org, org_groups in built
        if (org.community_id, org.name) not in existing
    ]
    CommunityOrg.objects.bulk_create([org for org, _groups in missing], batch_size=2000)
    pks = {
        (community_id, name): pk
        for community_id, name, pk in CommunityOrg.objects.values_list("community_id", "name", "pk")
    }
    through = CommunityOrg.served_groups.through
    through.objects.bulk_create(
        [
            through(communityorg_id=pks[(org.community_id, org.name)], servedgroup_id=group.pk)
            for org, org_groups in missing
            for group in org_groups
        ],
        batch_size=5000,
    )
    for org, _groups in built:
        org.pk = pks[(org.community_id, org.name)]

    _observation_points(rng, communities, townships)
    _brand_projects(rng, brands)
    _contest(rng, built)
    _activity_reports(rng, built, today)
    _evaluations(rng, built)
    if stdout is not None:
        active = sum(1 for org, _groups in built if org.status == Status.ACTIVE)
        stdout.write(
            f"orgs: {len(built)} organisations ({active} active, {len(missing)} new), "
            f"{len(federations)} federations, {len(incubators)} incubation centres."
        )
    return []


def _observation_points(rng, communities, townships) -> None:
    chosen = [*rng.sample(townships, 2), *rng.sample(communities, 2)]
    for area in chosen:
        ObservationPoint.objects.get_or_create(
            area=area,
            defaults={"designated_year": 2022, "focus": "农村牧区社区社会组织培育试点"},
        )


def _brand_projects(rng, brands) -> None:
    titles = ["暖心食堂", "银龄互助", "四点半课堂", "邻里守望", "草原书屋", "红石榴家园"]
    for number, org in enumerate(brands):
        title = f"“{titles[number % len(titles)]}”{org.get_org_type_display()}项目"
        BrandProject.objects.get_or_create(
            organisation_id=org.pk,
            name=title,
            defaults={"year": org.brand_year, "description": "品牌项目（演示数据）"},
        )
    # One brand organisation runs a second project, so that projects outnumber organisations.
    if brands:
        BrandProject.objects.get_or_create(
            organisation_id=brands[0].pk,
            name="“草原书屋”阅读推广项目",
            defaults={"year": brands[0].brand_year, "description": "品牌项目（演示数据）"},
        )


def _contest(rng, built) -> None:
    area = AdminArea.objects.filter(code=CONTEST_AREA).first()
    if area is None:
        return
    contest, _created = Contest.objects.get_or_create(
        area=area,
        year=CONTEST_YEAR,
        defaults={"name": "2025年东胜区社区社会组织公益创投大赛", "budget": CONTEST_BUDGET},
    )
    applicants = [
        org
        for org, _groups in built
        if org.status == Status.ACTIVE and org.community.path.startswith(area.path)
    ]
    entries = []
    for org in rng.sample(applicants, min(16, len(applicants))):
        requested = Decimal(rng.randrange(10_000, 50_001, 1000))
        score = Decimal(rng.randint(600, 980)) / 10
        entries.append((org, requested, score))
    entries.sort(key=lambda entry: -entry[2])
    admin = User.objects.filter(username="dongsheng_admin").first()
    decided_at = datetime.datetime(2025, 5, 20, 2, 0, tzinfo=datetime.UTC)
    funded_total = Decimal("0")
    applications = []
    for rank, (org, requested, score) in enumerate(entries):
        application = ContestApplication(
            contest=contest,
            organisation_id=org.pk,
            project_name=f"{org.name}{org.get_org_type_display()}服务项目",
            requested_amount=requested,
            score=score,
        )
        if rank < 12 and funded_total + requested <= CONTEST_BUDGET:
            application.status = ContestApplication.Status.FUNDED
            application.funded_amount = requested
            funded_total += requested
        elif rank >= 13:
            application.status = ContestApplication.Status.REJECTED
        if application.status != ContestApplication.Status.SUBMITTED:
            application.decided_by = admin
            application.decided_at = decided_at
        applications.append(application)
    existing = set(contest.applications.values_list("organisation_id", "project_name"))
    ContestApplication.objects.bulk_create(
        [a for a in applications if (a.organisation_id, a.project_name) not in existing]
    )


def _activity_reports(rng, built, today) -> None:
    kinds = [
        (ActivityReport.Kind.FESTIVAL, "春节联欢会", "社区文化广场"),
        (ActivityReport.Kind.PERFORMANCE, "乌兰牧骑进社区演出", "社区党群服务中心"),
        (ActivityReport.Kind.SPORTS, "邻里健步走", "社区健身广场"),
        (ActivityReport.Kind.GATHERING, "那达慕联欢", "社区活动室"),
    ]
    active = [org for org, _groups in built if org.status == Status.ACTIVE]
    # Only the organisation's community or township reviews a report (see
    # orgs.services._locked_for_review), and the demo's reviewer is 交通街道's administrator: the
    # reports elsewhere in the city wait, filed; those under 交通街道 are partly reviewed.
    elsewhere = [org for org in active if org.community.parent_id != REVIEW_TOWNSHIP]
    in_review_township = [org for org in active if org.community.parent_id == REVIEW_TOWNSHIP]
    waiting = rng.sample(elsewhere, min(24, len(elsewhere)))
    to_review = rng.sample(in_review_township, min(REVIEWED_REPORTS, len(in_review_township)))
    existing = set(ActivityReport.objects.values_list("organisation_id", "title"))
    reviewer = User.objects.filter(username="jiaotong_admin").first()
    reports = []
    for number, org in enumerate([*to_review, *waiting]):
        kind, title, place = kinds[number % len(kinds)]
        title = f"{org.name}{title}"
        reviewed = number < len(to_review) and reviewer is not None
        past = reviewed and number % 3 != 2
        offset = rng.randint(3, 60)
        report = ActivityReport(
            organisation_id=org.pk,
            kind=kind,
            title=title,
            held_on=today - datetime.timedelta(days=offset)
            if past
            else today + datetime.timedelta(days=offset),
            place=place,
            expected_participants=rng.randint(30, 400),
        )
        if past:
            report.status = ActivityReport.Status.ACKNOWLEDGED
            report.reviewed_by = reviewer
            report.reviewed_at = timezone.now() - datetime.timedelta(days=offset + 5)
        elif reviewed and number % 6 == 2:
            report.status = ActivityReport.Status.OBJECTED
            report.objection_reason = "活动场地与社区消防检查时间冲突，请改期后重新报告。"
            report.reviewed_by = reviewer
            report.reviewed_at = timezone.now() - datetime.timedelta(days=1)
        if (org.pk, title) not in existing:
            existing.add((org.pk, title))
            reports.append(report)
    ActivityReport.objects.bulk_create(reports)


def _evaluations(rng, built) -> None:
    area = AdminArea.objects.filter(code=CONTEST_AREA).first()
    if area is None:
        return
    evaluations = [
        Evaluation(
            organisation_id=org.pk,
            year=EVALUATION_YEAR,
            score=rng.randint(62, 98),
            remarks="年度评估评议（演示数据）",
        )
        for org, _groups in built
        if org.status != Status.DEREGISTERED and org.community.path.startswith(area.path)
    ]
    Evaluation.objects.bulk_create(evaluations, batch_size=2000, ignore_conflicts=True)
