"""The Ordos volunteer demo: volunteers in every community, a team per township, volunteer service
points in most communities (the Ningxia 80% target is met in some counties and missed in others),
a year (2025) of monthly activities with verified hours (some left unverified, a few withdrawn),
the points ledger they earn, and points spent at charity supermarkets.

Deterministic (one seeded generator, fixed dates) and idempotent: the demo is written in one
transaction, and a run that finds the Ordos volunteers already there changes nothing.
Fast: everything is written with bulk_create; the ledger is computed here, in order, as the
services would have written it.
"""

import datetime
import math
import random
import zoneinfo
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction

from orgs.models import CommunityOrg
from stations.models import AdminArea, Station, User
from stations.validators import id_number_check_character
from talent.models import Worker
from volunteers.models import (
    Activity,
    OrganiserKind,
    PointsEntry,
    PointsRule,
    ServicePoint,
    ServiceRecord,
    ServiceRecordCorrection,
    Skill,
    SponsorKind,
    Team,
    TeamMembership,
    Volunteer,
)

SEED = 150607
CITY_CODE = "150600000000"
YEAR = 2025
SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
# Share of communities with a volunteer service point, per county (Ningxia's target is 80%).
COVERAGE = {
    "150602": 0.95,  # 东胜区
    "150603": 1.0,  # 康巴什区
    "150621": 0.72,  # 达拉特旗
    "150622": 0.84,  # 准格尔旗
    "150623": 0.55,  # 鄂托克前旗
    "150624": 0.78,  # 鄂托克旗
    "150625": 0.6,  # 杭锦旗
    "150626": 0.81,  # 乌审旗
    "150627": 0.9,  # 伊金霍洛旗
}
# 伊金霍洛旗 pays 12 points an hour; the rest of the city the default 10.
POINTS_RULES = [(CITY_CODE, Decimal(10)), ("150627000000", Decimal(12))]
SURNAMES = "王李张刘陈杨赵黄周吴高郭马白乌宝那孙胡"
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
    "晓燕",
    "国庆",
]
ACTIVITY_THEMES = [
    ("新春走访慰问独居老人", "独居老人节日关爱", "elderly_care"),
    ("学雷锋志愿服务日", "社区环境整治", "environment"),
    ("植树护绿", "绿化养护", "environment"),
    ("防汛应急演练", "汛期安全", "emergency"),
    ("六一关爱困境儿童", "困境儿童陪伴", "child_care"),
    ("夏季防溺水宣传", "青少年安全", "child_care"),
    ("四点半课堂", "双职工家庭子女课后照看", "education"),
    ("助残康复陪伴", "残疾人康复支持", "disability"),
    ("中秋邻里节", "邻里关系营造", "culture"),
    ("重阳节义诊", "老年人健康服务", "medical"),
    ("智能手机使用课堂", "老年人数字鸿沟", "technology"),
    ("冬季扫雪除冰", "冬季出行安全", "environment"),
]
SUPERMARKET_ITEMS = ["大米", "食用油", "洗衣液", "毛巾", "牙膏", "面粉"]
DEMO_NUMBER_PREFIX = "DEMO-"


def _short(name: str) -> str:
    for suffix in ("街道办事处", "办事处", "居民委员会", "村民委员会", "居委会", "村委会"):
        if name.endswith(suffix) and len(name) > len(suffix):
            return name.removesuffix(suffix)
    return name


def _id_number(rng: random.Random, region: str, used: set[str]) -> str:
    while True:
        birth = datetime.date(1955, 1, 1) + datetime.timedelta(days=rng.randint(0, 365 * 48))
        first17 = f"{region}{birth:%Y%m%d}{rng.randint(0, 999):03d}"
        number = first17 + id_number_check_character(first17)
        if number not in used:
            used.add(number)
            return number


@transaction.atomic
def load(stdout=None) -> list[tuple[str, str, str]]:
    """Loads the Ordos volunteers; needs the areas of stations.demo (talent/orgs optional)."""
    city = AdminArea.objects.filter(code=CITY_CODE).first()
    if city is None:
        return []
    if Volunteer.objects.filter(national_number__startswith=DEMO_NUMBER_PREFIX).exists():
        return []  # already loaded: the demo never duplicates nor rewrites
    rng = random.Random(SEED)  # noqa: S311 (demo data, not security)
    recorder = User.objects.filter(username="ordos_admin").first()

    for area in AdminArea.objects.filter(code__in=[code for code, _rate in POINTS_RULES]):
        PointsRule.objects.get_or_create(
            area=area, defaults={"points_per_hour": dict(POINTS_RULES)[area.code]}
        )
    rates = {code[:6]: rate for code, rate in POINTS_RULES if code != CITY_CODE}

    communities = list(
        AdminArea.objects.filter(
            level=AdminArea.Level.COMMUNITY,
            is_placeholder=False,
            path__startswith=city.path,
        )
        .select_related("parent")
        .order_by("code")
    )

    # Service points: an exact share of each county's communities, chosen at random.
    by_county: dict[str, list[AdminArea]] = {}
    for community in communities:
        by_county.setdefault(community.code[:6], []).append(community)
    points = []
    for county, members in sorted(by_county.items()):
        chosen = rng.sample(members, math.ceil(len(members) * COVERAGE.get(county, 0.8)))
        points.extend(
            ServicePoint(
                area=community,
                name=f"{_short(community.name)}志愿服务站",
                facility=f"{_short(community.name)}党群服务中心",
                opened_on=datetime.date(2021, 1, 1) + datetime.timedelta(days=rng.randint(0, 1400)),
                is_active=rng.random() > 0.03,
            )
            for community in sorted(chosen, key=lambda area: area.code)
        )
    ServicePoint.objects.bulk_create(points)

    # Volunteers: a few per community, more in towns.
    used: set[str] = set(Volunteer.objects.values_list("id_number", flat=True))
    volunteers = []
    serial = 0
    for community in communities:
        urban = community.urban_rural == AdminArea.UrbanRural.URBAN
        for _index in range(rng.randint(3, 6) if urban else rng.randint(1, 3)):
            serial += 1
            volunteers.append(
                Volunteer(
                    name=rng.choice(SURNAMES) + rng.choice(GIVEN_NAMES),
                    id_number=_id_number(rng, community.code[:6], used),
                    phone=f"1{rng.choice('3589')}{rng.randint(0, 999999999):09d}",
                    area=community,
                    skills=sorted(set(rng.sample(Skill.values, rng.randint(1, 3)))),
                    national_number=f"{DEMO_NUMBER_PREFIX}{serial:07d}",
                    joined_on=datetime.date(2019, 1, 1)
                    + datetime.timedelta(days=rng.randint(0, 2100)),
                )
            )
    Volunteer.objects.bulk_create(volunteers)
    volunteers = list(
        Volunteer.objects.filter(national_number__startswith=DEMO_NUMBER_PREFIX).order_by(
            "national_number"
        )
    )

    # One team per township, sponsored by the township's station when there is one.
    by_township: dict[str, list[Volunteer]] = {}
    area_by_pk = {community.pk: community for community in communities}
    for volunteer in volunteers:
        by_township.setdefault(area_by_pk[volunteer.area_id].parent_id, []).append(volunteer)
    stations = {
        station.area_id: station
        for station in Station.objects.filter(area__path__startswith=city.path).order_by("pk")
    }
    township_codes = sorted(by_township)
    townships = {a.code: a for a in AdminArea.objects.filter(code__in=township_codes)}
    township_pks = {code: townships[code].pk for code in township_codes}
    teams = []
    for code in township_codes:
        members = by_township[code]
        station = stations.get(township_pks[code])
        leader = members[0]
        sponsor_kind = (
            SponsorKind.STATION
            if station
            else rng.choice(
                [SponsorKind.PARTY_ORGANISATION, SponsorKind.COMMUNITY, SponsorKind.COMPANY]
            )
        )
        teams.append(
            Team(
                name=f"{_short(townships[code].name)}志愿服务队",
                area=area_by_pk[leader.area_id],
                sponsor_kind=sponsor_kind,
                sponsor_name=(station.name or station.signboard_name)
                if station
                else f"{_short(townships[code].name)}党工委",
                sponsor_station=station,
                leader=leader,
                founded_on=datetime.date(2020, 3, 5),
            )
        )
    Team.objects.bulk_create(teams)
    teams = list(Team.objects.filter(leader__in=volunteers).order_by("area__code", "name"))
    memberships = []
    team_members: dict[int, list[Volunteer]] = {}
    for team in teams:
        members = by_township[area_by_pk[team.area_id].parent_id][:20]
        team_members[team.pk] = members
        memberships += [
            TeamMembership(team=team, volunteer=volunteer, joined_on=datetime.date(2020, 3, 5))
            for volunteer in members
        ]
    TeamMembership.objects.bulk_create(memberships)

    # A year of activities: one a month per team, "社工+志愿者" where the county has workers.
    workers = {}
    for worker in (
        Worker.objects.filter(area__path__startswith=city.path)
        .select_related("area")
        .order_by("pk")
    ):
        workers.setdefault(worker.area.code[:6], worker)
    orgs = {}
    linked_orgs = CommunityOrg.objects.filter(community__path__startswith=city.path)
    for org in linked_orgs.select_related("community").order_by("pk"):
        orgs.setdefault(org.community.code[:9], org)
    activities = []
    for team in teams:
        community = area_by_pk[team.area_id]
        for month, (title, needs, _skill) in enumerate(ACTIVITY_THEMES, start=1):
            org = orgs.get(community.code[:9]) if month % 4 == 0 else None
            starts_at = datetime.datetime(
                YEAR, month, rng.randint(1, 28), rng.choice([9, 10, 14, 15]), tzinfo=SHANGHAI
            )
            planned = rng.randint(5, 15)
            activities.append(
                Activity(
                    title=title,
                    starts_at=starts_at,
                    ends_at=starts_at + datetime.timedelta(hours=rng.choice([2, 3, 4])),
                    place=f"{_short(community.name)}党群服务中心",
                    area=community,
                    organiser_kind=OrganiserKind.ORGANISATION if org else OrganiserKind.TEAM,
                    organiser_team=None if org else team,
                    organiser_org=org,
                    organiser_name=org.name if org else team.name,
                    social_worker=workers.get(community.code[:6]),
                    needs=needs,
                    planned_participants=planned,
                    actual_participants=max(1, planned + rng.randint(-4, 3)),
                )
            )
    Activity.objects.bulk_create(activities)
    activities = list(
        Activity.objects.filter(area__path__startswith=city.path, starts_at__year=YEAR)
        .select_related("area")
        .order_by("starts_at", "pk")
    )
    team_of = {team.area_id: team for team in teams}

    # Service records: some team members at each activity; most verified.
    records = []
    for activity in activities:
        members = team_members[team_of[activity.area_id].pk]
        for volunteer in rng.sample(members, min(len(members), rng.randint(2, 6))):
            verified = rng.random() < 0.9
            records.append(
                ServiceRecord(
                    volunteer=volunteer,
                    activity=activity,
                    area_id=activity.area_id,
                    activity_starts_at=activity.starts_at,
                    hours=Decimal(rng.choice([1, 1.5, 2, 2.5, 3, 4])).quantize(Decimal("0.01")),
                    recorded_by=recorder,
                    is_verified=verified,
                    verified_by=recorder if verified else None,
                    verified_at=activity.starts_at + datetime.timedelta(days=2)
                    if verified
                    else None,
                )
            )
    ServiceRecord.objects.bulk_create(records)
    records = list(
        ServiceRecord.objects.filter(activity__in=activities)
        .select_related("activity__area")
        .order_by("activity__starts_at", "pk")
    )

    # The ledger, in time order: earnings, a few withdrawn verifications, supermarket spending.
    balances: dict[int, int] = {}
    entries = []
    corrections = []

    def append(volunteer_id: int, kind: str, amount: int, **fields) -> None:
        balances[volunteer_id] = balances.get(volunteer_id, 0) + amount
        entries.append(
            PointsEntry(
                volunteer_id=volunteer_id,
                kind=kind,
                amount=amount,
                balance_after=balances[volunteer_id],
                created_by=recorder,
                **fields,
            )
        )

    for record in records:
        if not record.is_verified:
            continue
        rate = rates.get(record.activity.area.code[:6], Decimal(10))
        amount = int((record.hours * rate).quantize(Decimal(1), rounding=ROUND_HALF_UP))
        corrections.append(
            ServiceRecordCorrection(
                record=record,
                kind=ServiceRecordCorrection.Kind.VERIFY,
                old_hours=record.hours,
                new_hours=record.hours,
                changed_by=recorder,
            )
        )
        append(
            record.volunteer_id,
            PointsEntry.Kind.EARN,
            amount,
            service_record=record,
            reason=f"{record.hours}小时 {record.activity.title}",
        )
    withdrawn = [record for record in records if record.is_verified][::400]
    for record in withdrawn:
        earned = next(e.amount for e in entries if e.service_record is record)
        append(
            record.volunteer_id,
            PointsEntry.Kind.REVERSE,
            -earned,
            service_record=record,
            reason="签到表核对:未到场",
        )
        corrections.append(
            ServiceRecordCorrection(
                record=record,
                kind=ServiceRecordCorrection.Kind.UNVERIFY,
                old_hours=record.hours,
                new_hours=record.hours,
                reason="签到表核对:未到场",
                changed_by=recorder,
            )
        )
        record.is_verified, record.verified_by, record.verified_at = False, None, None
    ServiceRecord.objects.bulk_update(withdrawn, ["is_verified", "verified_by", "verified_at"])
    for volunteer in volunteers:
        balance = balances.get(volunteer.pk, 0)
        if balance >= 30 and rng.random() < 0.35:
            spend = rng.randint(10, min(balance, 120))
            append(
                volunteer.pk,
                PointsEntry.Kind.SPEND,
                -spend,
                reason=f"慈善超市兑换{rng.choice(SUPERMARKET_ITEMS)}",
                reference=f"CS{YEAR}{len(entries):06d}",
            )
    ServiceRecordCorrection.objects.bulk_create(corrections)
    PointsEntry.objects.bulk_create(entries, batch_size=2000)
    for volunteer in volunteers:
        volunteer.points_balance = balances.get(volunteer.pk, 0)
    Volunteer.objects.bulk_update(volunteers, ["points_balance"], batch_size=2000)
    if stdout is not None:
        stdout.write(
            f"Volunteers: {len(volunteers)} volunteers, {len(teams)} teams, {len(points)} service "
            f"points, {len(activities)} activities, {len(records)} service records, "
            f"{len(entries)} points entries."
        )
    return []
