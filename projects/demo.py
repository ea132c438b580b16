"""The Ordos demo of purchased services: contractors, plans, contracts, a year of reports, evaluations.

Deterministic (random.Random) and idempotent: a second run finds everything in place and changes
nothing. 东胜区 is the county that breaks no rule: its plan was filed on time, its contractors are
distinct for the total station and the township stations, and its contractor (the demo account
`sunshine_contractor`) has a year of monthly briefings in every state.
"""

import datetime
import random
from decimal import Decimal

from django.db import transaction
from django.db.models import Q

from projects import evaluations, services, workflow
from projects.models import (
    AnnualPlan,
    Contract,
    Contractor,
    EvaluationIndicator,
    Report,
)
from stations.demo import demo_credit_code
from stations.models import AdminArea, User
from stations.validators import credit_code_check_character

CITY_CODE = "150600000000"
MODEL_COUNTY = "150602000000"  # 东胜区
SUNSHINE_CREDIT_CODE = demo_credit_code(1)
START = datetime.date(2025, 1, 1)
SIGNED = datetime.date(2024, 12, 20)

CONTRACTORS = [
    # serial, name, kind
    (1, "鄂尔多斯市康巴什区善行社会工作服务中心", Contractor.Kind.SOCIAL_ORGANISATION),
    (2, "鄂尔多斯市同心社会工作服务社", Contractor.Kind.SOCIAL_ORGANISATION),
    (3, "内蒙古北疆社会工作服务中心", Contractor.Kind.SOCIAL_ORGANISATION),
    (4, "鄂尔多斯市暖阳物业服务有限公司", Contractor.Kind.ENTERPRISE),
    (5, "鄂尔多斯市伊金霍洛旗启航社会工作服务中心", Contractor.Kind.SOCIAL_ORGANISATION),
    (6, "鄂尔多斯市准格尔旗友邻社会工作服务中心", Contractor.Kind.SOCIAL_ORGANISATION),
]
INDICATORS = [
    ("服务数量完成情况", Decimal("30.00")),
    ("服务质量与群众满意度", Decimal("30.00")),
    ("驻站人员到岗与培训", Decimal("20.00")),
    ("资金使用与档案管理", Decimal("20.00")),
]


def _rng(purpose: str) -> random.Random:
    """One generator per purpose, so that skipping a step on a second run shifts nothing else."""
    return random.Random(f"projects-{purpose}")  # noqa: S311 (demo data, not security)


def _credit_code(serial: int) -> str:
    """Checksum-valid demo codes of the city (150600), apart from the stations demo's (150602)."""
    first17 = f"52150600MJ{serial:07d}"
    return first17 + credit_code_check_character(first17)


def _contractors(city: AdminArea) -> list[Contractor]:
    found = []
    for serial, name, kind in CONTRACTORS:
        contractor, _created = Contractor.objects.update_or_create(
            credit_code=_credit_code(serial),
            defaults={
                "name": name,
                "kind": kind,
                "area": city,
                "contact_person": "联系人",
                "contact_phone": f"0477-86{serial:05d}",
            },
        )
        found.append(contractor)
    return found


def _plans(actor, counties: list[AdminArea], rng: random.Random) -> dict[int, AnnualPlan]:
    plans = {}
    for index, county in enumerate(counties):
        # 东胜区 files on time; the others between on time and three weeks late.
        late = 0 if county.code == MODEL_COUNTY else rng.choice([0, 0, 3, 12, 21])
        plan = AnnualPlan.objects.filter(area=county, year=2025).first() or AnnualPlan(
            area=county, year=2025
        )
        plan.goals = f"{county.name}乡镇（街道）社工站全覆盖，每站驻站社工不少于3人"
        # With the field's two places: Decimal(600000) != "600000.00" as text, which the audit log
        # would record as a change on every later run of the demo.
        plan.budget = Decimal(600000 + 150000 * (index % 4)).quantize(Decimal("0.01"))
        plan.procurement_method = "公开招标"
        plan.content_and_schedule = "一季度完成采购，二季度驻站人员到岗，全年开展需求调研和服务"
        plan.standards = "每站年服务个案不少于10个，专业督导不少于60小时"
        plan.evaluation_plan = "年底委托第三方开展绩效评估"
        plan.submitted_on = datetime.date(2025, 3, 31) + datetime.timedelta(days=late)
        plans[county.pk] = services.plan_save(actor=actor, plan=plan)
    return plans


def _stations_of(county: AdminArea) -> tuple[list[int], list[int]]:
    """(county centre ids, township station ids) of a county, where the stations demo made any."""
    try:
        from stations.models import Station
    except ImportError:
        return [], []
    stations = Station.objects.filter(area__path__startswith=county.path).exclude(status="closed")
    centre = list(
        stations.filter(kind=Station.Kind.COUNTY_CENTRE, area=county).values_list("pk", flat=True)
    )
    townships = list(
        stations.filter(kind=Station.Kind.TOWNSHIP_STATION)
        .order_by("area__code")
        .values_list("pk", flat=True)
    )
    return centre, townships


def _contract(actor, *, number, title, county, contractor, townships, station_ids, price, plan):
    contract = Contract.objects.filter(number=number).first()
    if contract is None:
        contract = services.contract_save(
            actor=actor,
            contract=Contract(
                number=number,
                title=title,
                area=county,
                contractor=contractor,
                plan=plan,
                start_date=START,
                price=price,
                content="需求调研、个案服务、小组活动、社区活动、志愿者培育",
                quantities="每站每年个案不少于10个，小组不少于4个，社区活动不少于12场",
                quality_standards="服务对象满意度不低于90%",
                settlement_method="按年度分三期支付：签约、中期评估合格、年度评估合格",
            ),
            townships=townships,
            station_ids=_free_stations(station_ids, contractor=contractor, county=county),
            instalments=[
                {"due_date": datetime.date(2025, 1, 31), "amount": price * Decimal("0.4")},
                {"due_date": datetime.date(2025, 7, 31), "amount": price * Decimal("0.3")},
                {"due_date": datetime.date(2025, 12, 31), "amount": price * Decimal("0.3")},
            ],
        )
    for status, on in ((Contract.Status.SIGNED, SIGNED), (Contract.Status.ACTIVE, START)):
        contract.refresh_from_db()
        if contract.status == Contract.Status.PROCUREMENT or (
            status == Contract.Status.ACTIVE and contract.status == Contract.Status.SIGNED
        ):
            contract = services.contract_transition(
                actor=actor, contract=contract, to_status=status, effective_on=on
            )
    workflow.report_schedule_generate(contract_id=contract.pk)
    return contract


def _free_stations(station_ids: list[int], *, contractor, county) -> list[int]:
    """The stations no other contract holds (stations the stations demo may already contract)."""
    from projects import rules

    probe = Contract(area=county, contractor=contractor, start_date=START, end_date=START)
    probe.end_date = services.default_end_date(START)
    return [pk for pk in station_ids if not rules.station_rule_errors(probe, [pk])]


def _fill(report: Report, rng: random.Random) -> dict:
    return {
        "services_delivered": {
            "case": {"count": rng.randint(2, 8), "hours": str(rng.randint(6, 30))},
            "group": {"count": rng.randint(1, 4), "hours": str(rng.randint(4, 16))},
            "community": {"count": rng.randint(1, 5), "hours": str(rng.randint(6, 24))},
        },
        "people_served": {
            "lone_elderly": rng.randint(5, 30),
            "left_behind_children": rng.randint(0, 15),
            "disabled": rng.randint(0, 10),
            "subsistence_allowance": rng.randint(3, 20),
        },
        "cases_opened": rng.randint(1, 5),
        "cases_closed": rng.randint(0, 4),
        "activities": rng.randint(2, 8),
        "volunteers": rng.randint(5, 40),
        "volunteer_hours": Decimal(rng.randint(20, 200)),
        "charity_yuan": Decimal(rng.choice([0, 500, 1200, 3000, 8000])),
        "highlights": "开展“邻里守望”社区活动，链接爱心企业捐赠物资",
        "problems": "部分农村社区居住分散，入户走访耗时较长",
        "next_month_plan": "继续开展独居老人探访，筹备儿童暑期课堂",
    }


def _play_reports(contract: Contract, *, contractor_user, reviewer, rng: random.Random) -> None:
    """A year of briefings: approved, one returned, one resubmitted, submitted, draft, missing."""
    # December is left untouched: a missing briefing.
    states = {
        **dict.fromkeys(range(1, 8), "approved"),
        8: "returned",
        9: "resubmitted",
        10: "submitted",
        11: "draft",
    }
    for month, state in states.items():
        report = Report.objects.get(
            contract=contract, kind=Report.Kind.MONTHLY, period=datetime.date(2025, month, 1)
        )
        if report.version:
            continue  # played already
        workflow.report_update_content(
            actor=contractor_user, report_id=report.pk, data=_fill(report, rng)
        )
        if state == "draft":
            continue
        steps = {
            "approved": ["submit", "approve"],
            "returned": ["submit", "return"],
            "resubmitted": ["submit", "return", "submit"],
            "submitted": ["submit"],
        }[state]
        for step in steps:
            workflow.report_transition(
                actor=contractor_user if step == "submit" else reviewer,
                report_id=report.pk,
                action=step,
                reason="请补充活动照片和签到表" if step == "return" else "",
            )
        # Submitted around the due date: most on time, some a few days late.
        submitted_on = report.due_date + datetime.timedelta(days=rng.choice([-3, -1, 0, 0, 2, 6]))
        Report.objects.filter(pk=report.pk).update(first_submitted_on=submitted_on)


def _evaluate(actor, county: AdminArea, contracts: list[Contract], rng: random.Random) -> None:
    ids = []
    for position, (name, weight) in enumerate(INDICATORS, start=1):
        indicator, _created = EvaluationIndicator.objects.update_or_create(
            area=county, year=2025, name=name, defaults={"weight": weight, "position": position}
        )
        ids.append(indicator.pk)
    for contract in contracts:
        contract.refresh_from_db()
        if contract.status != Contract.Status.ACTIVE or contract.evaluations.exists():
            continue
        base = rng.randint(72, 96)
        scores = {pk: Decimal(min(100, max(0, base + rng.randint(-6, 6)))) for pk in ids}
        evaluations.evaluation_save(
            actor=actor,
            contract=contract,
            year=2025,
            evaluated_on=datetime.date(2025, 12, 15),
            scores=scores,
            comments="年度绩效评估（演示数据）",
        )


@transaction.atomic
def load(stdout=None) -> list[tuple[str, str, str]]:
    """Loads the purchased-services demo; the accounts come from stations.demo."""
    actor = User.objects.get(username="admin")
    reviewer = User.objects.get(username="dongsheng_reviewer")
    sunshine_user = User.objects.get(username="sunshine_contractor")
    city = AdminArea.objects.get(code=CITY_CODE)
    counties = list(
        AdminArea.objects.filter(level=AdminArea.Level.COUNTY, path__startswith=city.path)
        .exclude(is_virtual=True)
        .order_by("code")
    )
    others = _contractors(city)
    sunshine = Contractor.objects.get(credit_code=SUNSHINE_CREDIT_CODE)
    plans = _plans(actor, counties, _rng("plans"))
    for index, county in enumerate(counties):
        centre_ids, township_ids = _stations_of(county)
        townships = list(
            AdminArea.objects.filter(parent=county, level=AdminArea.Level.TOWNSHIP).order_by(
                "code"
            )[:4]
        )
        township_contractor = sunshine if county.code == MODEL_COUNTY else others[index % 6]
        centre_contractor = others[(index + 1) % 6]
        if centre_contractor.pk == township_contractor.pk:
            centre_contractor = others[(index + 2) % 6]
        number = county.code[:6]
        contracts = [
            _contract(
                actor,
                number=f"{number}-2025-ZZ",
                title=f"{county.name}社会工作服务总站运营项目",
                county=county,
                contractor=centre_contractor,
                townships=[],
                station_ids=centre_ids,
                price=Decimal(300000),
                plan=plans[county.pk],
            ),
            _contract(
                actor,
                number=f"{number}-2025-SG",
                title=f"{county.name}乡镇（街道）社工站运营项目",
                county=county,
                contractor=township_contractor,
                townships=townships,
                station_ids=township_ids,
                price=Decimal(120000 * max(1, len(townships))),
                plan=plans[county.pk],
            ),
        ]
        if county.code == MODEL_COUNTY:
            _play_reports(
                contracts[1],
                contractor_user=sunshine_user,
                reviewer=reviewer,
                rng=_rng("reports"),
            )
        _evaluate(actor, county, contracts, _rng(f"evaluations-{county.code}"))
    if stdout is not None:
        contracts = Contract.objects.count()
        touched = Report.objects.filter(~Q(status=Report.Status.DRAFT) | Q(version__gt=0)).count()
        stdout.write(f"Purchased services: {contracts} contracts, {touched} reports filled in.")
    return []
