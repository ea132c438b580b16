"""The Ordos service-network demo: a guidance centre, a centre in each real county, stations in most
(not all) townships, rooms in some communities, six-haves inspections, staff drawn from talent's
demo workers and a year (2025) of ledger entries.

Run after `talent.demo.load` (it staffs the stations with talent's workers) and before
`projects.demo.load` (which contracts the stations it finds). Deterministic: one seeded generator
per purpose, every value drawn whether or not it is written. Idempotent: stations are found by
their area, inspections by (station, date), and a station's staff and ledger are written only
when it has none yet, so a second run writes nothing. Everything is written with bulk_create.

The mix is meant to show every rule both passing and failing: some stations have two residents
or residents over 40 or too few qualified ones (talent's workers are what they are), some log
fewer than 24 community hours per resident-week, fewer than 10 cases or 60 supervision hours, and
some fail an item of the six haves or were never inspected.
"""

import datetime
import itertools
import random
from decimal import Decimal

from django.db import transaction

from projects.models import Contractor
from stations.demo import CITY_CODE, COUNTY_CODE, demo_credit_code
from stations.models import (
    AdminArea,
    ServiceLogEntry,
    StaffingRule,
    Station,
    StationAssignment,
    StationInspection,
    StationStatusChange,
    VulnerableGroup,
)
from stations.signboards import signboard_name
from talent.identity import age_on
from talent.models import Worker
from talent.qualifications import COLLEGE_OR_ABOVE, has_social_work_qualification

Kind = Station.Kind
Status = Station.Status
Level = AdminArea.Level
Role = StationAssignment.Role
LogKind = ServiceLogEntry.Kind
D = datetime.date

SEED = "stations-network-2025"
LEDGER_YEAR = 2025
LEDGER_START, LEDGER_END = D(LEDGER_YEAR, 1, 1), D(LEDGER_YEAR, 12, 31)
STAFF_FROM = D(2024, 1, 1)
INSPECTION_DATES = (D(2024, 11, 20), D(2025, 10, 15))
KANGBASHI = "150603000000"  # 康巴什区: a county rule counting Beijing's professional staff
# (kind of work, weight, names a community)
WORK_KINDS = [
    (LogKind.INDIVIDUAL_CASE, 25, True),
    (LogKind.GROUP_WORK, 20, True),
    (LogKind.COMMUNITY_ACTIVITY, 30, True),
    (LogKind.NEEDS_SURVEY, 8, True),
    (LogKind.TRAINING, 9, False),
    (LogKind.OTHER, 8, False),
]
ITEMS = StationInspection.Item.values
HOST_FACILITIES = [
    Station.HostFacility.PARTY_MASS_SERVICE_CENTRE,
    Station.HostFacility.PARTY_MASS_SERVICE_CENTRE,
    Station.HostFacility.CIVILISATION_PRACTICE,
    Station.HostFacility.COMMUNITY_SERVICE_FACILITY,
    Station.HostFacility.OTHER,
]


def _rng(purpose: str) -> random.Random:
    return random.Random(f"{SEED}-{purpose}")  # noqa: S311 (demo data, not security)


def _is_real_township(area: AdminArea) -> bool:
    """Streets, towns, townships and sumu; not the development zones (codes 4xx)."""
    return area.level == Level.TOWNSHIP and area.code[6] != "4" and not area.is_virtual


class _Network:
    def __init__(self):
        self.areas = {
            area.code: area
            for area in AdminArea.objects.filter(path__startswith=f"/{CITY_CODE}/").order_by("code")
        }
        self.city = self.areas[CITY_CODE]
        self.stations = {
            (station.area.code, station.kind): station
            for station in Station.objects.select_related("area").exclude(status=Status.CLOSED)
        }
        self.new_stations: list[Station] = []

    def name(self, code: str | None) -> str:
        return self.areas[code].name if code in self.areas else ""

    def station(self, area: AdminArea, kind: str, **fields) -> Station:
        """The open station of this kind in the area; a new one (to be written) if none."""
        found = self.stations.get((area.code, kind))
        if found is not None:
            return found
        township = area.parent_id if kind == Kind.COMMUNITY_ROOM else None
        county = self.areas[township].parent_id if township else area.parent_id
        station = Station(
            area=area,
            kind=kind,
            signboard_name=signboard_name(
                kind,
                area_name=area.name,
                township_name=self.name(township),
                county_name=self.name(county),
            ),
            **fields,
        )
        station.name = station.signboard_name
        self.stations[(area.code, kind)] = station
        self.new_stations.append(station)
        return station


def _lifecycle(rng: random.Random) -> dict:
    """Status, dates and the steps that led there."""
    opened = D(rng.choice((2021, 2022, 2023)), rng.randint(1, 12), rng.randint(1, 28))
    planned_on = opened - datetime.timedelta(days=rng.randint(120, 240))
    building_on = opened - datetime.timedelta(days=rng.randint(30, 90))
    draw = rng.random()
    if draw < 0.84:
        status, since = Status.OPERATING, opened
        steps = [(Status.PLANNED, planned_on), (Status.BUILDING, building_on), (status, opened)]
    elif draw < 0.90:
        status, since = Status.SUSPENDED, D(LEDGER_YEAR, 9, 1)
        steps = [
            (Status.PLANNED, planned_on),
            (Status.BUILDING, building_on),
            (Status.OPERATING, opened),
            (status, since),
        ]
    elif draw < 0.95:
        status, since, opened = Status.BUILDING, D(LEDGER_YEAR, 5, 6), None
        steps = [(Status.PLANNED, D(2024, 12, 1)), (status, since)]
    else:
        status, since, opened = Status.PLANNED, D(LEDGER_YEAR, 11, 3), None
        steps = [(status, since)]
    return {"status": status, "status_since": since, "opened_on": opened, "steps": steps}


def _stations(network: _Network) -> None:
    rng = _rng("stations")
    sunshine = Contractor.objects.filter(credit_code=demo_credit_code(1)).first()
    lifecycles: dict[int, list] = {}

    def add(area, kind, life, **fields):
        station = network.station(
            area,
            kind,
            status=life["status"],
            status_since=life["status_since"],
            opened_on=life["opened_on"],
            **fields,
        )
        lifecycles[id(station)] = life["steps"]
        return station

    opened = {
        "status": Status.OPERATING,
        "status_since": D(2021, 6, 18),
        "opened_on": D(2021, 6, 18),
    }
    add(
        network.city,
        Kind.CITY_CENTRE,
        {**opened, "steps": [(Status.OPERATING, D(2021, 6, 18))]},
        address="鄂尔多斯市康巴什区市民服务中心",
        host_facility=Station.HostFacility.OTHER,
        phone="0477-8588000",
    )
    for area in network.areas.values():
        if area.level == Level.COUNTY and not area.is_virtual:
            centre_life = {
                "status": Status.OPERATING,
                "status_since": D(2021, 9, 1),
                "opened_on": D(2021, 9, 1),
                "steps": [(Status.BUILDING, D(2021, 5, 1)), (Status.OPERATING, D(2021, 9, 1))],
            }
            add(
                area,
                Kind.COUNTY_CENTRE,
                centre_life,
                address=f"{area.name}民政局社会工作服务中心",
                host_facility=Station.HostFacility.OTHER,
                phone=f"0477-85{area.code[4:6]}000",
            )
        elif _is_real_township(area):
            life = _lifecycle(rng)
            skipped = rng.random() < 0.1  # most, not all, townships have a station
            host = rng.choice(HOST_FACILITIES)
            if skipped:
                continue
            runs_by_contractor = sunshine is not None and area.parent_id == COUNTY_CODE
            add(
                area,
                Kind.TOWNSHIP_STATION,
                life,
                address=f"{area.name}党群服务中心",
                host_facility=host,
                phone=f"0477-86{area.code[4:9]}",
                operator=(
                    Station.Operator.CONTRACTOR
                    if runs_by_contractor
                    else Station.Operator.GOVERNMENT
                ),
                contractor=sunshine if runs_by_contractor else None,
            )
    open_townships = {
        code
        for (code, kind), station in network.stations.items()
        if kind == Kind.TOWNSHIP_STATION and station.status == Status.OPERATING
    }
    for area in network.areas.values():
        chosen = rng.random() < 0.12
        if area.level == Level.COMMUNITY and chosen and area.parent_id in open_townships:
            add(
                area,
                Kind.COMMUNITY_ROOM,
                {
                    "status": Status.OPERATING,
                    "status_since": D(2024, 3, 1),
                    "opened_on": D(2024, 3, 1),
                    "steps": [(Status.OPERATING, D(2024, 3, 1))],
                },
                address=f"{area.name}党群服务站",
                host_facility=Station.HostFacility.COMMUNITY_SERVICE_FACILITY,
            )
    Station.objects.bulk_create(network.new_stations)
    StationStatusChange.objects.bulk_create(
        [
            StationStatusChange(
                station=station,
                from_status=steps[index - 1][0] if index else "",
                to_status=status,
                changed_on=changed_on,
                note="演示数据 demo",
            )
            for station in network.new_stations
            for steps in [lifecycles[id(station)]]
            for index, (status, changed_on) in enumerate(steps)
        ]
    )


def _rules(network: _Network) -> None:
    StaffingRule.objects.update_or_create(
        area=network.city,
        defaults={"note": "鄂尔多斯市：参照济南市社工站建设标准与北京市试点年度指标"},
    )
    StaffingRule.objects.update_or_create(
        area=network.areas[KANGBASHI],
        defaults={
            "qualification": StaffingRule.Qualification.PROFESSIONAL,
            "max_age": 45,
            "note": "康巴什区：驻站人员按北京市“专业人员”标准计算",
        },
    )


def _inspections(network: _Network) -> None:
    rng = _rng("inspections")
    inspections = []
    for (_code, kind), station in sorted(network.stations.items()):
        if kind == Kind.CITY_CENTRE or station.opened_on is None:
            continue
        quality = rng.random()
        for inspected_on in INSPECTION_DATES:
            passed = {item: rng.random() < 0.7 + 0.3 * quality for item in ITEMS}
            if quality < 0.08 or inspected_on < station.opened_on:
                continue  # never inspected, or not open yet
            inspections.append(
                StationInspection(
                    station=station,
                    area=station.area,
                    inspected_on=inspected_on,
                    inspector="旗区民政局联合检查组",
                    note="演示数据 demo",
                    **{f"{item}_passed": value for item, value in passed.items()},
                    **{f"{item}_note": "" if value else "整改中" for item, value in passed.items()},
                )
            )
    StationInspection.objects.bulk_create(inspections, ignore_conflicts=True)


def _staff_and_ledger(network: _Network) -> tuple[int, int]:
    """Residents from talent's workers of each township, a supervisor per county, and a year of
    ledger entries; stations that already have staff are left as they are."""
    rng = _rng("staff")
    workers = list(
        Worker.objects.filter(area__path__startswith=network.city.path, is_active=True)
        .select_related("area")
        .prefetch_related("certificates")
        .order_by("id_number")
    )
    by_township: dict[str, list[Worker]] = {}
    by_county: dict[str, list[Worker]] = {}
    for worker in workers:
        code = worker.area.code
        if worker.area.level >= Level.TOWNSHIP:
            by_township.setdefault(code[:9] + "000", []).append(worker)
        by_county.setdefault(code[:6] + "000000", []).append(worker)
    staffed = set(StationAssignment.objects.values_list("station_id", flat=True).distinct())
    logged = set(
        ServiceLogEntry.objects.filter(served_on__year=LEDGER_YEAR)
        .values_list("station_id", flat=True)
        .distinct()
    )
    existing: dict[int, list[Worker]] = {}
    for assignment in StationAssignment.objects.filter(
        role__in=(Role.HEAD, Role.RESIDENT)
    ).select_related("worker"):
        existing.setdefault(assignment.station_id, []).append(assignment.worker)
    used = {worker.pk for staff in existing.values() for worker in staff}
    communities: dict[str, list[AdminArea]] = {}
    for area in network.areas.values():
        if area.level == Level.COMMUNITY and not area.is_placeholder:
            communities.setdefault(area.parent_id, []).append(area)

    assignments: list[StationAssignment] = []
    entries: list[ServiceLogEntry] = []
    townships = sorted(
        (
            station
            for (code, kind), station in network.stations.items()
            if kind == Kind.TOWNSHIP_STATION
        ),
        key=lambda station: station.area.code,
    )
    residents_of: dict[int, list[Worker]] = {}
    for station in townships:
        if station.opened_on is None:
            continue
        pool = [
            worker for worker in by_township.get(station.area.code, []) if worker.pk not in used
        ]
        # Most stations recruit to the rule (young, college or above, qualified first); the others
        # take whoever works in the township, so that the staffing check fails for some.
        recruits_to_rule = rng.random() < 0.65
        pool.sort(
            key=lambda worker: (
                *(_misfit(worker) if recruits_to_rule else ()),
                worker.post != Worker.Post.STATION_STAFF,
                worker.id_number,
            )
        )
        size = rng.choice((2, 3, 3, 4, 4, 4, 5, 5))
        chosen = pool[:size]
        starts_on = max(station.opened_on, STAFF_FROM)
        if station.pk not in staffed:
            for index, worker in enumerate(chosen):
                assignments.append(
                    StationAssignment(
                        station=station,
                        area=station.area,
                        worker=worker,
                        role=Role.HEAD if index == 0 else Role.RESIDENT,
                        starts_on=starts_on,
                        note="演示数据 demo",
                    )
                )
        else:
            chosen = existing.get(station.pk, [])
        used.update(worker.pk for worker in chosen)
        residents_of[station.pk] = chosen

    supervisors: dict[str, Worker] = {}
    for county_code, pool in sorted(by_county.items()):
        candidates = [worker for worker in pool if worker.pk not in used]
        if candidates:
            supervisors[county_code] = candidates[len(candidates) // 2]
            used.add(supervisors[county_code].pk)
    for station in townships:
        supervisor = supervisors.get(station.area.code[:6] + "000000")
        if station.pk in staffed or station.opened_on is None or supervisor is None:
            continue
        assignments.append(
            StationAssignment(
                station=station,
                area=station.area,
                worker=supervisor,
                role=Role.SUPERVISOR,
                starts_on=max(station.opened_on, STAFF_FROM),
                note="演示数据 demo",
            )
        )
    for (code, kind), station in sorted(network.stations.items()):
        if kind != Kind.COUNTY_CENTRE or station.pk in staffed:
            continue
        pool = [worker for worker in by_county.get(code, []) if worker.pk not in used][:3]
        used.update(worker.pk for worker in pool)
        assignments.extend(
            StationAssignment(
                station=station,
                area=station.area,
                worker=worker,
                role=Role.HEAD if index == 0 else Role.RESIDENT,
                starts_on=STAFF_FROM,
                note="演示数据 demo",
            )
            for index, worker in enumerate(pool)
        )

    for index, station in enumerate(townships):
        if (
            station.status != Status.OPERATING
            or station.pk not in residents_of
            or station.pk in logged
        ):
            continue
        # One generator per station: skipping a station already logged shifts nothing else.
        ledger_rng = _rng(f"ledger-{station.area.code}")
        diligence = ledger_rng.uniform(0.7, 1.25)
        cases = [f"{station.area.code[4:9]}-{LEDGER_YEAR}-{n:03d}" for n in range(1, 40)]
        case_count = ledger_rng.randint(6, 18)
        supervision = Decimal(str(ledger_rng.choice((3, 4, 4.5, 5, 5.5, 6, 7))))
        entries.extend(
            _ledger_rows(
                ledger_rng,
                station,
                residents_of[station.pk],
                communities.get(station.area.code, []),
                diligence,
                cases[:case_count],
            )
        )
        supervisor = supervisors.get(station.area.code[:6] + "000000")
        if supervisor is not None:
            entries.extend(
                ServiceLogEntry(
                    station_id=station.pk,
                    area_id=station.area_id,
                    worker_id=supervisor.pk,
                    served_on=D(LEDGER_YEAR, month, 3 + index % 25),
                    hours=supervision,
                    kind=LogKind.SUPERVISION_GIVEN,
                    note="个案督导与小组督导",
                )
                for month in range(1, 13)
            )
    StationAssignment.objects.bulk_create(assignments)
    ServiceLogEntry.objects.bulk_create(entries, batch_size=2000)
    return len(assignments), len(entries)


def _misfit(worker: Worker) -> tuple[bool, bool, bool]:
    """How a worker misses the default staffing rule at the end of the demo year (False first)."""
    return (
        age_on(worker.birth_date, LEDGER_END) > 40,
        worker.education not in COLLEGE_OR_ABOVE,
        not has_social_work_qualification(worker, LEDGER_END),
    )


def _ledger_rows(rng, station, residents, places, diligence, cases) -> list[ServiceLogEntry]:
    """Three working days a week for each resident, about 30 × diligence hours a week.

    Rows are built with plain ids: setting related objects costs more than the insert itself.
    """
    rows = []
    kinds = [kind for kind, _weight, _community in WORK_KINDS]
    cumulative = list(itertools.accumulate(weight for _kind, weight, _community in WORK_KINDS))
    needs_community = {kind: community for kind, _weight, community in WORK_KINDS}
    serving = (LogKind.INDIVIDUAL_CASE, LogKind.GROUP_WORK, LogKind.COMMUNITY_ACTIVITY)
    groups = VulnerableGroup.values
    start = max(LEDGER_START, station.opened_on, STAFF_FROM)
    monday = start - datetime.timedelta(days=start.weekday())
    while monday <= LEDGER_END:
        for worker in residents:
            weekly = 30 * diligence * rng.uniform(0.85, 1.15)
            hours = min(Decimal(round(weekly / 3 * 2) / 2), Decimal(12))
            for offset in sorted(rng.sample(range(5), 3)):
                day = monday + datetime.timedelta(days=offset)
                kind = rng.choices(kinds, cum_weights=cumulative)[0]
                if day < start or day > LEDGER_END:
                    continue
                community = rng.choice(places) if places and needs_community[kind] else None
                if needs_community[kind] and community is None:
                    kind = LogKind.OTHER
                served = {}
                if kind in serving:
                    most = 2 if kind == LogKind.INDIVIDUAL_CASE else 12
                    for group in rng.sample(groups, rng.randint(1, 3)):
                        served[group] = rng.randint(1, most)
                rows.append(
                    ServiceLogEntry(
                        station_id=station.pk,
                        area_id=station.area_id,
                        worker_id=worker.pk,
                        served_on=day,
                        community_id=community.pk if community else None,
                        hours=hours,
                        kind=kind,
                        case_reference=rng.choice(cases) if kind == LogKind.INDIVIDUAL_CASE else "",
                        people_served=served,
                        volunteers=rng.randint(0, 8) if kind == LogKind.COMMUNITY_ACTIVITY else 0,
                    )
                )
        monday += datetime.timedelta(days=7)
    return rows


@transaction.atomic
def load_network(stdout=None) -> list[tuple[str, str, str]]:
    """Loads the service network of the Ordos demo; needs stations.demo and talent.demo first."""
    network = _Network()
    _stations(network)
    _rules(network)
    _inspections(network)
    assignments, entries = _staff_and_ledger(network)
    if stdout is not None:
        stdout.write(
            f"Service network: {len(network.stations)} service bodies "
            f"({len(network.new_stations)} new), {assignments} staff assignments and "
            f"{entries} ledger entries added."
        )
    return []
