"""The Ordos workforce demo: about 1.5 workers per 1,000 residents, certificates in Xiamen's
proportions, registrations (some ending soon, some lapsed), trainings with attendance, exam entries,
a hiring-subsidy policy, a senior award and their grants.

Deterministic (one seeded generator, dates counted from a fixed reference day) and idempotent:
every row is written with an upsert on its natural key, so running it again changes nothing.
ID numbers are synthetic (the county's region digits, a birth date from 1965 to 2002, a valid
GB 11643 check character) and phone numbers are made up.
"""

import datetime
import random
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from stations.models import AdminArea, AreaPopulation
from stations.validators import id_number_check_character
from talent.identity import id_number_birth_date, id_number_gender
from talent.models import (
    Certificate,
    ExamEntry,
    IncentiveGrant,
    IncentivePolicy,
    Registration,
    Training,
    TrainingAttendance,
    Worker,
)
from talent.periods import add_years, registration_end

SEED = 1506_2025
REFERENCE_DATE = datetime.date(2026, 9, 30)
POPULATION_YEAR = 2025
WORKERS_PER_THOUSAND = 1.5
CITY_CODE = "150600000000"
# Share of workers holding a certificate, and Xiamen's split of the certificates held
# (6,444 assistant, 2,394 intermediate, 6 senior of 8,844).
CERTIFIED_SHARE = 0.36
INTERMEDIATE_SHARE = 2394 / 8844
SENIOR_COUNT = 4
RENEWAL_RATE = 0.88  # a registration period is followed by the next one
EXAM_PASS_RATE = 0.35

SURNAMES = (
    "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶"
    "阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺"
)
GIVEN_CHARACTERS = "建国伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀英华慧玉兰霞平刚桂英文辉鹏飞雪梅琳晶欣怡佳宇浩然子涵雨婷"
MONGOLIAN_NAMES = (
    "乌云其其格",
    "巴特尔",
    "额尔敦",
    "苏日娜",
    "斯琴",
    "宝音",
    "那仁",
    "图雅",
    "阿拉坦",
    "萨仁",
    "乌兰",
    "朝鲁",
    "格日勒",
    "娜仁花",
)
PHONE_PREFIXES = (
    "138",
    "139",
    "147",
    "150",
    "151",
    "152",
    "157",
    "158",
    "159",
    "182",
    "187",
    "198",
)
EDUCATION_WEIGHTS = [
    (Worker.Education.BELOW_COLLEGE, 10),
    (Worker.Education.COLLEGE, 35),
    (Worker.Education.BACHELOR, 45),
    (Worker.Education.MASTER, 9),
    (Worker.Education.DOCTORATE, 1),
]
MAJOR_WEIGHTS = [
    (Worker.Major.SOCIAL_WORK, 25),
    (Worker.Major.RELATED, 30),
    (Worker.Major.OTHER, 45),
]
POST_WEIGHTS = [
    (Worker.Post.COMMUNITY_WORKER, 55),
    (Worker.Post.STATION_STAFF, 20),
    (Worker.Post.ORGANISATION_STAFF, 15),
    (Worker.Post.CIVIL_SERVANT, 5),
    (Worker.Post.OTHER, 5),
]
CONTRACTOR_NAMES = (
    "阳光社会工作服务中心",
    "同心社会工作服务社",
    "启航社会工作服务中心",
    "草原晨光社会工作服务中心",
)
TRAINING_TOPICS = (
    "社会工作者继续教育培训班",
    "社会工作服务站规范化建设培训",
    "“五社联动”实务能力提升培训",
    "社区社会工作个案管理与督导培训",
    "老年人社会工作服务培训",
    "儿童关爱保护社会工作培训",
    "社会救助领域社会工作服务培训",
)
WORKER_FIELDS = [
    "name",
    "birth_date",
    "gender",
    "phone",
    "education",
    "major",
    "employer_kind",
    "employer_name",
    "post",
    "area",
    "is_active",
]


def _pick(rng: random.Random, weighted: list[tuple[str, int]]) -> str:
    values, weights = zip(*weighted, strict=True)
    return rng.choices(values, weights=weights)[0]


def _name(rng: random.Random) -> str:
    if rng.random() < 0.12:
        return rng.choice(MONGOLIAN_NAMES)
    length = 1 if rng.random() < 0.3 else 2
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN_CHARACTERS) for _ in range(length))


def _id_number(rng: random.Random, region: str, used: set[str]) -> str:
    while True:
        birth = datetime.date(1965, 1, 1) + datetime.timedelta(days=rng.randrange(38 * 365))
        male = rng.random() < 0.3  # most social workers are women
        serial = rng.randrange(500) * 2 + (1 if male else 0)
        first17 = f"{region}{birth:%Y%m%d}{serial:03d}"
        id_number = first17 + id_number_check_character(first17)
        if id_number not in used:
            used.add(id_number)
            return id_number


class _Demo:
    def __init__(self, reference: datetime.date):
        self.rng = random.Random(SEED)  # noqa: S311 (demo data, not security)
        self.reference = reference
        self.areas = {area.code: area for area in AdminArea.objects.all()}

    def county_of(self, area: AdminArea) -> AdminArea:
        return self.areas[area.code[:6] + "000000"]

    def workers(self) -> list[Worker]:
        rng = self.rng
        populations = dict(
            AreaPopulation.objects.filter(
                year=POPULATION_YEAR, area__level=AdminArea.Level.COMMUNITY
            ).values_list("area__code", "population")
        )
        used: set[str] = set()
        workers = []
        for code in sorted(populations):
            community = self.areas[code]
            township = self.areas[community.parent_id]
            county = self.county_of(community)
            expected = populations[code] * WORKERS_PER_THOUSAND / 1000
            count = int(expected) + (1 if rng.random() < expected - int(expected) else 0)
            for _index in range(count):
                post = _pick(rng, POST_WEIGHTS)
                area, employer_kind, employer_name = community, "", ""
                if post == Worker.Post.COMMUNITY_WORKER:
                    employer_kind = Worker.EmployerKind.COMMUNITY_COMMITTEE
                    employer_name = community.name
                elif post == Worker.Post.STATION_STAFF:
                    area = township
                    employer_kind = rng.choice(
                        [Worker.EmployerKind.STATION, Worker.EmployerKind.CONTRACTOR]
                    )
                    employer_name = (
                        f"{township.name}社会工作服务站"
                        if employer_kind == Worker.EmployerKind.STATION
                        else f"{county.name}{rng.choice(CONTRACTOR_NAMES)}"
                    )
                elif post == Worker.Post.ORGANISATION_STAFF:
                    employer_kind = Worker.EmployerKind.SOCIAL_ORGANISATION
                    employer_name = f"{county.name}{rng.choice(CONTRACTOR_NAMES)}"
                elif post == Worker.Post.CIVIL_SERVANT:
                    area = county
                    employer_kind = Worker.EmployerKind.GOVERNMENT
                    employer_name = f"{county.name}民政局"
                id_number = _id_number(rng, county.code[:6], used)
                workers.append(
                    Worker(
                        name=_name(rng),
                        id_number=id_number,
                        birth_date=id_number_birth_date(id_number),
                        gender=id_number_gender(id_number),
                        phone=rng.choice(PHONE_PREFIXES) + f"{rng.randrange(10**8):08d}",
                        education=_pick(rng, EDUCATION_WEIGHTS),
                        major=_pick(rng, MAJOR_WEIGHTS),
                        employer_kind=employer_kind,
                        employer_name=employer_name,
                        post=post,
                        area=area,
                        is_active=rng.random() < 0.97,
                    )
                )
        return workers

    def certificate_date(self, year: int) -> datetime.date:
        # Certificates of an exam year are issued together in the autumn.
        return datetime.date(year, 9, 10 + year % 7)

    def certificates(self, workers: list[Worker]) -> list[Certificate]:
        rng = self.rng
        certified = rng.sample(workers, round(len(workers) * CERTIFIED_SHARE))
        last_year = self.reference.year - (
            1 if self.reference < self.certificate_date(self.reference.year) else 0
        )
        serials = iter(range(1, 10**6))
        certificates = []

        def certificate(worker, level, year):
            letter = {"assistant": "A", "intermediate": "B", "senior": "C"}[level]
            number = f"{letter}{year}15{next(serials):06d}"
            return Certificate(
                worker=worker, level=level, number=number, obtained_on=self.certificate_date(year)
            )

        for index, worker in enumerate(certified):
            if index < SENIOR_COUNT:
                level = Certificate.Level.SENIOR
            elif rng.random() < INTERMEDIATE_SHARE:
                level = Certificate.Level.INTERMEDIATE
            else:
                level = Certificate.Level.ASSISTANT
            year = rng.randint(2010, last_year)
            if level != Certificate.Level.ASSISTANT and rng.random() < 0.5 and year > 2011:
                # The usual path: the assistant certificate first, a higher one later.
                earlier = rng.randint(2009, year - 1)
                certificates.append(certificate(worker, Certificate.Level.ASSISTANT, earlier))
            certificates.append(certificate(worker, level, year))
        return certificates

    def registrations(self, certificates: list[Certificate]) -> list[Registration]:
        rng = self.rng
        registrations = []
        for certificate in certificates:
            starts_on = certificate.obtained_on + datetime.timedelta(days=rng.randint(30, 300))
            while starts_on <= self.reference:
                registrations.append(
                    Registration(
                        certificate=certificate,
                        starts_on=starts_on,
                        ends_on=registration_end(starts_on),
                    )
                )
                if rng.random() > RENEWAL_RATE:
                    break
                starts_on = add_years(starts_on, 3)
        return registrations

    def trainings(self) -> list[Training]:
        rng = self.rng
        trainings = []
        counties = [
            area
            for area in self.areas.values()
            if area.level == AdminArea.Level.COUNTY and not area.is_virtual
        ]
        for months_ago in range(0, 30, 3):
            day = self.reference - datetime.timedelta(days=30 * months_ago + rng.randint(0, 20))
            trainings.append(
                Training(
                    topic=f"{day.year}年{TRAINING_TOPICS[0]}（第{months_ago // 3 + 1}期）",
                    organiser="鄂尔多斯市民政局、鄂尔多斯市社会工作协会",
                    held_on=day,
                    hours=Decimal(rng.choice([16, 24, 32])),
                    area=self.areas[CITY_CODE],
                )
            )
        for county in sorted(counties, key=lambda area: area.code):
            for months_ago in (4, 11, 17, 23):
                day = self.reference - datetime.timedelta(days=30 * months_ago + rng.randint(0, 25))
                trainings.append(
                    Training(
                        topic=f"{county.name}{rng.choice(TRAINING_TOPICS[1:])}",
                        organiser=f"{county.name}民政局",
                        held_on=day,
                        hours=Decimal(rng.choice([6, 8, 12])),
                        area=county,
                    )
                )
        return trainings

    def attendances(
        self, trainings: list[Training], workers: list[Worker], certified_ids: set[str]
    ) -> list[TrainingAttendance]:
        rng = self.rng
        by_county: dict[str, list[Worker]] = {}
        for worker in workers:
            by_county.setdefault(worker.area.code[:6], []).append(worker)
        certified = [worker for worker in workers if worker.id_number in certified_ids]
        attendances = []
        for training in trainings:
            if training.area.code == CITY_CODE:
                pool, size = certified, rng.randint(90, 160)
            else:
                pool, size = by_county.get(training.area.code[:6], []), rng.randint(25, 60)
            for worker in rng.sample(pool, min(size, len(pool))):
                partial = rng.random() < 0.08
                hours = (training.hours / 2).quantize(Decimal("0.1")) if partial else training.hours
                attendances.append(
                    TrainingAttendance(training=training, worker=worker, hours=hours)
                )
        return attendances

    def exam_entries(
        self, workers: list[Worker], certificates: list[Certificate]
    ) -> list[ExamEntry]:
        rng = self.rng
        entries = []
        first_year = self.reference.year - 3
        passed_keys = set()
        for certificate in certificates:
            year = certificate.obtained_on.year
            if year >= first_year:
                entries.append(
                    ExamEntry(
                        worker=certificate.worker, year=year, level=certificate.level, passed=True
                    )
                )
                passed_keys.add((certificate.worker.id_number, year))
        holders = {certificate.worker.id_number for certificate in certificates}
        uncertified = [worker for worker in workers if worker.id_number not in holders]
        failures_per_pass = (1 - EXAM_PASS_RATE) / EXAM_PASS_RATE
        for year in range(first_year, self.reference.year + 1):
            passes = sum(1 for entry in entries if entry.year == year)
            published = self.certificate_date(year) <= self.reference
            count = round(passes * failures_per_pass) if published else rng.randint(150, 220)
            for worker in rng.sample(uncertified, min(count, len(uncertified))):
                if (worker.id_number, year) in passed_keys:
                    continue
                entries.append(
                    ExamEntry(
                        worker=worker,
                        year=year,
                        level=Certificate.Level.ASSISTANT
                        if rng.random() < 0.8
                        else Certificate.Level.INTERMEDIATE,
                        passed=False if published else None,
                    )
                )
        return entries


def _upsert(model, objects: list, unique_fields: list[str], update_fields: list[str]) -> None:
    model.objects.bulk_create(
        objects,
        batch_size=2000,
        update_conflicts=True,
        unique_fields=unique_fields,
        update_fields=update_fields,
    )


@transaction.atomic
def load(stdout=None) -> list[tuple[str, str, str]]:
    """Loads the Ordos workforce; needs the areas and populations of stations.demo."""
    reference = min(REFERENCE_DATE, timezone.localdate())
    demo = _Demo(reference)

    workers = demo.workers()
    _upsert(Worker, workers, ["id_number"], WORKER_FIELDS)
    pks = dict(Worker.objects.values_list("id_number", "pk"))
    for worker in workers:
        worker.pk = pks[worker.id_number]

    certificates = demo.certificates(workers)
    for certificate in certificates:
        certificate.worker_id = certificate.worker.pk
    _upsert(Certificate, certificates, ["number"], ["worker", "level", "obtained_on"])
    certificate_pks = dict(Certificate.objects.values_list("number", "pk"))
    for certificate in certificates:
        certificate.pk = certificate_pks[certificate.number]

    registrations = demo.registrations(certificates)
    for registration in registrations:
        registration.certificate_id = registration.certificate.pk
    _upsert(Registration, registrations, ["certificate", "starts_on"], ["ends_on", "status"])

    trainings = demo.trainings()
    _upsert(Training, trainings, ["area", "held_on", "topic"], ["organiser", "hours"])
    training_pks = {
        (area_id, held_on, topic): pk
        for pk, area_id, held_on, topic in Training.objects.values_list(
            "pk", "area_id", "held_on", "topic"
        )
    }
    for training in trainings:
        training.pk = training_pks[(training.area.pk, training.held_on, training.topic)]
    certified_ids = {certificate.worker.id_number for certificate in certificates}
    attendances = demo.attendances(trainings, workers, certified_ids)
    _upsert(TrainingAttendance, attendances, ["training", "worker"], ["hours"])

    entries = demo.exam_entries(workers, certificates)
    _upsert(ExamEntry, entries, ["worker", "year", "level"], ["passed"])

    grants = _incentives(demo, workers, certificates)
    if stdout is not None:
        stdout.write(
            f"Talent: {len(workers)} workers, {len(certificates)} certificates, "
            f"{len(registrations)} registrations, {len(trainings)} trainings with "
            f"{len(attendances)} attendances, {len(entries)} exam entries, {grants} grants."
        )
    return []


def _incentives(demo: _Demo, workers: list[Worker], certificates: list[Certificate]) -> int:
    city = demo.areas[CITY_CODE]
    subsidy, _created = IncentivePolicy.objects.update_or_create(
        area=city,
        name="鄂尔多斯市社会工作者一次性工作补贴（演示）",
        defaults={
            "kind": IncentivePolicy.Kind.HIRING_SUBSIDY,
            "assistant_amount": Decimal("5000.00"),
            "intermediate_amount": Decimal("10000.00"),
            "senior_amount": Decimal("20000.00"),
            "description": "民办社会工作服务机构新聘用且就业满一年的持证社会工作者，按证书等级一次性补贴"
            "（参照厦门市标准，演示数据）。",
        },
    )
    award, _created = IncentivePolicy.objects.update_or_create(
        area=city,
        name="鄂尔多斯市高级社会工作者奖励（演示）",
        defaults={
            "kind": IncentivePolicy.Kind.AWARD,
            "senior_amount": Decimal("80000.00"),
            "description": "在本市就业满五年且取得高级社会工作者职业资格的社会工作专业人才一次性奖励（演示数据）。",
        },
    )
    rng = demo.rng
    recent = add_years(demo.reference, -3)
    employed = {Worker.EmployerKind.SOCIAL_ORGANISATION, Worker.EmployerKind.CONTRACTOR}
    grants = []
    for certificate in certificates:
        worker = certificate.worker
        if certificate.level == Certificate.Level.SENIOR:
            granted_on = max(certificate.obtained_on, demo.reference - datetime.timedelta(days=200))
            grants.append(
                _grant(
                    award,
                    worker,
                    certificate.level,
                    Decimal(80000),
                    granted_on,
                    rng,
                    demo.reference,
                )
            )
        elif worker.employer_kind in employed and certificate.obtained_on >= recent:
            granted_on = min(
                add_years(certificate.obtained_on, 1), demo.reference - datetime.timedelta(days=7)
            )
            amount = subsidy.amount_for(certificate.level)
            grants.append(
                _grant(subsidy, worker, certificate.level, amount, granted_on, rng, demo.reference)
            )
    # One grant per worker and policy: the highest level wins when a worker appears twice.
    unique = {}
    for grant in grants:
        key = (grant.policy_id, grant.worker_id)
        if key not in unique or grant.amount > unique[key].amount:
            unique[key] = grant
    _upsert(
        IncentiveGrant,
        list(unique.values()),
        ["policy", "worker"],
        ["level", "amount", "granted_on", "is_paid", "paid_on"],
    )
    return len(unique)


def _grant(policy, worker, level, amount, granted_on, rng, reference) -> IncentiveGrant:
    paid = rng.random() < 0.7
    return IncentiveGrant(
        policy=policy,
        worker=worker,
        level=level,
        amount=amount,
        granted_on=granted_on,
        is_paid=paid,
        paid_on=min(granted_on + datetime.timedelta(days=rng.randint(15, 60)), reference)
        if paid
        else None,
    )
