"""Generates a registry of realistic size over a real division tree (issue #10).

Everything comes from one `random.Random(seed)` walked in a fixed order (areas by code), and every
date is anchored on `year`, so the same seed writes the same rows. Rows are written in bulk
(stations.scale.writer) without the services, so this module also writes what the services would
have: denormalised areas, signboard names, status histories, report transitions, the points
ledger with the volunteers' balances and the verification corrections of service records.

Proportions (defaults; see docs/scale-data.md):
- population per community: urban about 5 times a rural village, scaled to the scale's total;
- social-work workers 1.6-3.4 per 1,000 residents depending on the county (the Ordos target is
  2.5), about 60 % of them with a national certificate (about 1.5 certified per 1,000);
- community organisations around 11.5 per urban and 5.8 per rural community (targets 10 and 5);
- volunteers 1 % of the residents, each at about two activities of the year;
- township stations in most real townships, a quarter of them short of staff, cases, supervision
  or the six haves; contracts with monthly briefings, mostly on time.
"""

import datetime
import gzip
import io
import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connections, transaction
from django.db.models import Q

from orgs.models import BrandProject, CommunityOrg, Federation
from projects.models import Contract, Contractor, ContractStatusChange, Report, ReportTransition
from stations.imports import area_import
from stations.models import (
    AdminArea,
    AreaPopulation,
    ServiceLogEntry,
    Station,
    StationAssignment,
    StationInspection,
    StationStatusChange,
)
from stations.scale.people import credit_code, id_number, mobile_phone, person_name
from stations.scale.writer import BulkWriter
from stations.signboards import signboard_name
from talent.models import Certificate, Worker
from volunteers.models import (
    Activity,
    PointsEntry,
    ServicePoint,
    ServiceRecord,
    ServiceRecordCorrection,
    Volunteer,
)

Level = AdminArea.Level
DIVISIONS = Path(settings.BASE_DIR).parent / "shared" / "data" / "divisions"
TZ = ZoneInfo("Asia/Shanghai")


@dataclass(frozen=True)
class Scale:
    name: str
    root_codes: tuple[str, ...]  # empty: every province of the file
    population: int
    source: Callable[[], tuple[object, str]]


def _ordos_source():
    return DIVISIONS / "ordos-150600.csv", "ordos-150600.csv"


def _jiangsu_source():
    """The Jiangsu rows (code 32…) of the national file, as a CSV in memory."""
    out = io.StringIO()
    with gzip.open(DIVISIONS / "china-2016.csv.gz", "rt", encoding="utf-8") as national:
        out.write(next(national))
        out.writelines(line for line in national if line.startswith("32"))
    return io.BytesIO(out.getvalue().encode()), "jiangsu-320000.csv"


def _nation_source():
    return DIVISIONS / "china-2016.csv.gz", "china-2016.csv.gz"


SCALES = {
    "city": Scale("city", ("150600000000",), 2_200_000, _ordos_source),
    "province": Scale("province", ("320000000000",), 85_000_000, _jiangsu_source),
    "nation": Scale("nation", (), 1_410_000_000, _nation_source),
}

# The tables this generator writes, parents first (the order they are written in).
GENERATED_MODELS = [
    AreaPopulation,
    Contractor,
    Station,
    StationStatusChange,
    StationInspection,
    Worker,
    Certificate,
    StationAssignment,
    Contract,
    Contract.stations.through,
    Contract.townships.through,
    ContractStatusChange,
    Report,
    ReportTransition,
    ServiceLogEntry,
    Federation,
    CommunityOrg,
    BrandProject,
    Volunteer,
    ServicePoint,
    Activity,
    ServiceRecord,
    ServiceRecordCorrection,
    PointsEntry,
]
# The registry proper: any row here means a registry is already in the database.
REGISTRY_MODELS = [Worker, CommunityOrg, Volunteer, Station, Contractor, Contract]

ORG_THEMES = [
    ("老年协会", CommunityOrg.Type.MUTUAL_AID),
    ("志愿服务队", CommunityOrg.Type.VOLUNTEER),
    ("文体队", CommunityOrg.Type.LIFE_SERVICE),
    ("邻里互助会", CommunityOrg.Type.MUTUAL_AID),
    ("调解委员会", CommunityOrg.Type.GOVERNANCE),
    ("慈善爱心社", CommunityOrg.Type.CHARITY),
    ("巾帼服务队", CommunityOrg.Type.VOLUNTEER),
    ("书画社", CommunityOrg.Type.LIFE_SERVICE),
    ("议事会", CommunityOrg.Type.GOVERNANCE),
    ("助残服务社", CommunityOrg.Type.CHARITY),
    ("舞蹈队", CommunityOrg.Type.LIFE_SERVICE),
    ("四点半课堂", CommunityOrg.Type.LIFE_SERVICE),
    ("平安巡逻队", CommunityOrg.Type.GOVERNANCE),
    ("环保协会", CommunityOrg.Type.OTHER),
    ("党员先锋队", CommunityOrg.Type.VOLUNTEER),
    ("合唱团", CommunityOrg.Type.LIFE_SERVICE),
]
CONTRACTOR_WORDS = ["益民", "仁和", "众善", "恒心"]
SKILLS = ["elderly_care", "child_care", "medical", "legal", "education", "culture", "emergency"]


@dataclass
class Node:
    id: int
    code: str
    name: str
    level: int
    path: str
    urban_rural: str
    is_virtual: bool
    is_placeholder: bool
    children: list["Node"] = field(default_factory=list)


@dataclass
class Result:
    rows: dict[str, int]
    seconds: dict[str, float]
    total_seconds: float
    import_seconds: float


class RegistryPresent(Exception):
    """The database already holds registry rows (or populations of the year)."""


def registry_present(*, year: int) -> list[str]:
    """The registry tables (and populations of the year) that already hold rows."""
    found = [model._meta.verbose_name_plural for model in REGISTRY_MODELS if model.objects.exists()]
    if AreaPopulation.objects.filter(year=year).exists():
        found.append(AreaPopulation._meta.verbose_name_plural)
    return [str(name) for name in found]


def registry_delete(*, using: str = "default") -> None:
    """Deletes every row of the generated tables (children first), bypassing the ORM's
    collector, which would load millions of rows. Fails if other rows still point at them."""
    connection = connections[using]
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for model in reversed(GENERATED_MODELS):
            cursor.execute(f"DELETE FROM {quote(model._meta.db_table)}")  # noqa: S608


def orphaned_references(*, using: str = "default") -> list[str]:
    """The foreign keys of the generated tables that point at no row, as "table.column: n".

    One anti-join per key: the check that the skipped foreign-key triggers would have made row by
    row (PostgreSQL, superuser), made for the whole table at once.
    """
    connection = connections[using]
    quote = connection.ops.quote_name
    found = []
    with connection.cursor() as cursor:
        for model in GENERATED_MODELS:
            for field_ in model._meta.concrete_fields:
                if not field_.is_relation:
                    continue
                table, column = model._meta.db_table, field_.column
                target = field_.target_field
                cursor.execute(
                    f"SELECT COUNT(*) FROM {quote(table)} child"  # noqa: S608
                    f" LEFT JOIN {quote(target.model._meta.db_table)} parent"
                    f" ON parent.{quote(target.column)} = child.{quote(column)}"
                    f" WHERE child.{quote(column)} IS NOT NULL"
                    f" AND parent.{quote(target.column)} IS NULL"
                )
                (count,) = cursor.fetchone()
                if count:
                    found.append(f"{table}.{column}: {count}")
    return found


def areas_ensure(scale: Scale, *, log: Callable[[str], None]) -> float:
    """Imports the scale's division tree unless its root areas are there; returns the seconds."""
    if scale.root_codes:
        present = AdminArea.objects.filter(code__in=scale.root_codes).count() == len(
            scale.root_codes
        )
    else:
        present = AdminArea.objects.filter(level=Level.PROVINCE).count() >= 31
    if present:
        log("Areas already imported; not importing again.")
        return 0.0
    source, name = scale.source()
    result = area_import(source, name=name)
    log(f"Imported {result.created} areas in {result.seconds:.1f} s.")
    return result.seconds


def load_tree(scale: Scale) -> list[Node]:
    """The scale's root areas with every descendant, children in code order (one query)."""
    if scale.root_codes:
        roots = AdminArea.objects.filter(code__in=scale.root_codes)
    else:
        roots = AdminArea.objects.filter(level=Level.PROVINCE)
    condition = Q()
    for path in roots.values_list("path", flat=True):
        condition |= Q(path__startswith=path)
    nodes: dict[str, Node] = {}
    top: list[Node] = []
    for row in (
        AdminArea.objects.filter(condition)
        .order_by("path")
        .values_list(
            "id", "code", "name", "level", "path", "urban_rural", "is_virtual", "is_placeholder"
        )
        .iterator(chunk_size=20_000)
    ):
        node = Node(*row)
        parent_path = node.path[: node.path.rstrip("/").rfind("/") + 1]
        parent = nodes.get(parent_path)
        (parent.children if parent else top).append(node)
        nodes[node.path] = node
    return top


def walk(nodes: list[Node], level: int) -> list[Node]:
    """The nodes at `level` below `nodes`, in code order."""
    found: list[Node] = []
    for node in nodes:
        if node.level == level:
            found.append(node)
        elif node.level < level:
            found.extend(walk(node.children, level))
    return found


def _day(rng: random.Random, year: int) -> datetime.date:
    return datetime.date(year, 1, 1) + datetime.timedelta(days=rng.randrange(365))


def _at(day: datetime.date, hour: int) -> datetime.datetime:
    return datetime.datetime(day.year, day.month, day.day, hour, tzinfo=TZ)


class Generator:
    """Walks the tree county by county and feeds the rows to a BulkWriter."""

    def __init__(
        self,
        scale: Scale,
        *,
        seed: int,
        year: int,
        volunteer_share: float,
        townships: int | None,
        log: Callable[[str], None],
    ):
        self.scale = scale
        self.rng = random.Random(seed)  # noqa: S311 (reproducible made-up data, no secrets)
        self.year = year
        self.volunteer_share = volunteer_share
        self.townships_limit = townships
        self.log = log
        self.writer = BulkWriter()
        self.stamp = datetime.datetime(year, 12, 31, 12, tzinfo=datetime.UTC)
        self.credit_serial = 0
        self.contract_serial = 0
        self.certificate_serial = 0
        self.townships: dict[str, list[Node]] = {}
        for model, attnames in self._columns().items():
            self.writer.register(model, attnames, stamp=self.stamp)

    @staticmethod
    def _columns() -> dict:
        return {
            AreaPopulation: ["id", "area_id", "year", "population", "source"],
            Contractor: ["id", "name", "kind", "credit_code", "area_id", "contact_person",
                         "contact_phone", "address"],
            Station: ["id", "kind", "area_id", "name", "signboard_name", "address", "host_facility",
                      "phone", "opened_on", "status", "status_since", "operator", "contractor_id",
                      "created_at", "updated_at"],
            StationStatusChange: ["id", "station_id", "from_status", "to_status", "changed_on",
                                  "note", "recorded_at"],
            StationInspection: ["id", "station_id", "area_id", "inspected_on", "inspector",
                                "premises_passed", "equipment_passed", "staff_passed",
                                "functions_passed", "rules_passed", "workflow_passed"],
            Worker: ["id", "name", "id_number", "birth_date", "gender", "phone", "education",
                     "major", "employer_kind", "employer_name", "post", "area_id", "is_active",
                     "created_at", "updated_at"],
            Certificate: ["id", "worker_id", "level", "number", "obtained_on"],
            StationAssignment: ["id", "station_id", "area_id", "worker_id", "role", "starts_on",
                                "ends_on", "note"],
            Contract: ["id", "area_id", "contractor_id", "number", "title", "start_date",
                       "end_date", "signed_on", "activated_on", "status", "status_reason",
                       "content", "price"],
            Contract.stations.through: ["id", "contract_id", "station_id"],
            Contract.townships.through: ["id", "contract_id", "adminarea_id"],
            ContractStatusChange: ["id", "contract_id", "from_status", "to_status",
                                   "effective_on", "reason", "recorded_at"],
            Report: ["id", "contract_id", "kind", "period", "due_date", "status", "version",
                     "first_submitted_on", "submitted_at", "approved_at", "services_delivered",
                     "people_served", "cases_opened", "cases_closed", "activities", "volunteers",
                     "volunteer_hours", "charity_yuan"],
            ReportTransition: ["id", "report_id", "from_status", "to_status", "reason", "at"],
            ServiceLogEntry: ["id", "station_id", "area_id", "worker_id", "served_on",
                              "community_id", "hours", "kind", "case_reference", "people_served",
                              "volunteers", "note", "created_at"],
            Federation: ["id", "name", "township_id", "founded_on", "credit_code"],
            CommunityOrg: ["id", "name", "org_type", "community_id", "founded_on", "leader",
                           "member_count", "standing", "credit_code", "registration_authority",
                           "registered_on", "filing_body_id", "filed_on", "status",
                           "party_organisation", "brand_year", "federation_id", "updated_at"],
            BrandProject: ["id", "organisation_id", "name", "year", "description"],
            Volunteer: ["id", "name", "id_number", "phone", "area_id", "skills", "joined_on",
                        "is_active", "points_balance", "created_at", "updated_at"],
            ServicePoint: ["id", "area_id", "name", "facility", "opened_on", "is_active"],
            Activity: ["id", "title", "starts_at", "ends_at", "place", "area_id",
                       "organiser_kind", "organiser_station_id", "organiser_org_id",
                       "organiser_name", "planned_participants", "actual_participants"],
            ServiceRecord: ["id", "volunteer_id", "activity_id", "area_id", "activity_starts_at",
                            "hours", "recorded_at", "is_verified", "verified_at"],
            ServiceRecordCorrection: ["id", "record_id", "kind", "old_hours", "new_hours",
                                      "reason", "changed_at"],
            PointsEntry: ["id", "volunteer_id", "kind", "amount", "balance_after",
                          "service_record_id", "reason", "created_at"],
        }  # fmt: skip

    # --- the walk -------------------------------------------------------------------------------

    def run(self) -> None:
        tree = load_tree(self.scale)
        counties = walk(tree, Level.COUNTY)
        for county in counties:
            townships = [t for t in county.children if t.level == Level.TOWNSHIP]
            # A quick run keeps every county, so that it still has urban and rural areas.
            self.townships[county.path] = townships[: self.townships_limit]
        communities = [
            community
            for county in counties
            for township in self.townships[county.path]
            for community in township.children
            if not community.is_placeholder
        ]
        self._populations(tree, communities)
        for city in walk(tree, Level.CITY):
            if not city.is_virtual:
                self._centre(city, Station.Kind.CITY_CENTRE)
        step = max(1, len(counties) // 20)
        for number, county in enumerate(counties, 1):
            self._county(county)
            self.writer.flush_if_full()
            if number % step == 0 or number == len(counties):
                self.log(f"  {number}/{len(counties)} counties")
        # The areas too: an import just before leaves them without statistics as well.
        self.writer.finish(analyze_also=(AdminArea,))

    def _populations(self, tree: list[Node], communities: list[Node]) -> None:
        """Residents per community (urban about five times rural), scaled to the scale's total
        (or its share for a partial run), and the sums for every area above."""
        rng = self.rng
        weights = [
            rng.lognormvariate(math.log(6000), 0.45)
            if c.urban_rural == AdminArea.UrbanRural.URBAN
            else rng.lognormvariate(math.log(1200), 0.55)
            for c in communities
        ]
        total = self.scale.population
        if self.townships_limit is not None:
            # A partial run keeps the full tree's average per community.
            all_communities = sum(
                1
                for county in walk(tree, Level.COUNTY)
                for t in county.children
                for c in t.children
                if not c.is_placeholder
            )
            total = total * len(communities) // max(1, all_communities)
        factor = total / max(1.0, sum(weights))
        self.population: dict[str, int] = {}
        for community, weight in zip(communities, weights, strict=True):
            self.population[community.path] = max(50, round(weight * factor))
        sums: dict[str, int] = {}
        for path, people in self.population.items():
            prefix_end = path.find("/", 1)
            while prefix_end > 0:
                prefix = path[: prefix_end + 1]
                if prefix != path:
                    sums[prefix] = sums.get(prefix, 0) + people
                prefix_end = path.find("/", prefix_end + 1)
        self.population.update(sums)
        ids = {node.path: node.id for level in Level.values for node in walk(tree, level)}
        source = f"scale data ({self.scale.name})"
        for path in sorted(self.population):
            if path in ids:
                self.writer.add(
                    AreaPopulation,
                    (
                        self.writer.new_id(AreaPopulation),
                        ids[path],
                        self.year,
                        self.population[path],
                        source,
                    ),
                )

    def _county(self, county: Node) -> None:
        rng = self.rng
        townships = self.townships[county.path]
        if not townships:
            return
        self.region = county.code[:6]
        self.ids_taken: set[str] = set()
        if not county.is_virtual:
            self._centre(county, Station.Kind.COUNTY_CENTRE)
        rate = rng.uniform(1.6, 3.4)  # workers per 1,000 residents in this county
        workers_wanted = round(self.population.get(county.path, 0) * rate / 1000)
        stations = [
            station
            for township in townships
            if not township.is_virtual
            for station in [self._township_station(county, township)]
            if station is not None
        ]
        self._contracts(county, [s for s in stations if s["operating"]])
        for station in stations:
            self.writer.add(Station, tuple(station["row"]))
        staffed = sum(len(s["staff"]) for s in stations)
        communities = [c for t in townships for c in t.children if not c.is_placeholder]
        self._community_workers(county, communities, max(0, workers_wanted - staffed))
        coverage = rng.uniform(0.6, 1.0)  # share of communities with a volunteer service point
        for township in townships:
            federation_id = self._federation(township)
            station = next((s for s in stations if s["township"] is township), None)
            for community in township.children:
                if community.is_placeholder:
                    continue
                orgs = self._orgs(township, community, federation_id)
                self._volunteers(community, station, orgs, coverage)

    # --- stations, staff and the ledger ---------------------------------------------------------

    def _centre(self, area: Node, kind: str) -> None:
        opened = datetime.date(self.year - 4, 1, 1) + datetime.timedelta(
            days=self.rng.randrange(700)
        )
        self._station(area, kind, signboard_name(kind, area_name=area.name), opened, None)

    def _station(
        self, area: Node, kind: str, signboard: str, opened: datetime.date, contractor_id
    ) -> int:
        station_id = self.writer.new_id(Station)
        operator = Station.Operator.CONTRACTOR if contractor_id else Station.Operator.GOVERNMENT
        self.writer.add(
            Station,
            (station_id, kind, area.id, signboard, signboard, "", "", "", opened,
             Station.Status.OPERATING, opened, operator, contractor_id, self.stamp, self.stamp),
        )  # fmt: skip
        self.writer.add(
            StationStatusChange,
            (self.writer.new_id(StationStatusChange), station_id, "", Station.Status.OPERATING,
             opened, "", self.stamp),
        )  # fmt: skip
        return station_id

    def _township_station(self, county: Node, township: Node) -> dict | None:
        """A township station with its staff, inspection and a year of ledger; None for the
        townships that have none yet."""
        rng = self.rng
        draw = rng.random()
        if draw < 0.06:
            return None
        profile = "good" if draw < 0.66 else "fair" if draw < 0.88 else "poor"
        kind = Station.Kind.TOWNSHIP_STATION
        signboard = signboard_name(kind, area_name=township.name, county_name=county.name)
        opened = datetime.date(self.year - 4, 3, 1) + datetime.timedelta(days=rng.randrange(900))
        building = rng.random() < 0.05
        station_id = self.writer.new_id(Station)
        status = Station.Status.BUILDING if building else Station.Status.OPERATING
        station = {
            "id": station_id,
            "township": township,
            "operating": not building,
            "profile": profile,
            "staff": [],
            "contractor_id": None,
            "row": [station_id, kind, township.id, signboard, signboard, "",
                    Station.HostFacility.PARTY_MASS_SERVICE_CENTRE, "", opened, status, opened,
                    Station.Operator.GOVERNMENT, None, self.stamp, self.stamp],
        }  # fmt: skip
        self.writer.add(
            StationStatusChange,
            (self.writer.new_id(StationStatusChange), station_id, "", status, opened, "",
             self.stamp),
        )  # fmt: skip
        if building:
            return station
        inspected = datetime.date(self.year, 6, 1) + datetime.timedelta(days=rng.randrange(150))
        failures = {"good": 0, "fair": rng.choice([0, 1]), "poor": rng.choice([1, 2, 3])}[profile]
        passed = [True] * 6
        for item in rng.sample(range(6), failures):
            passed[item] = False
        self.writer.add(
            StationInspection,
            (self.writer.new_id(StationInspection), station_id, township.id, inspected,
             "县民政局", *passed),
        )  # fmt: skip
        self._staff(station)
        self._ledger(station)
        return station

    def _worker(
        self, area: Node, *, young: bool, educated: bool, certified: bool, post: str, employer: str
    ) -> int:
        rng = self.rng
        year = self.year
        if young:
            born_from, born_to = datetime.date(year - 39, 1, 1), datetime.date(year - 23, 1, 1)
        else:
            born_from, born_to = datetime.date(year - 58, 1, 1), datetime.date(year - 23, 1, 1)
        while True:
            number, birth, gender = id_number(
                rng, region=self.region, born_from=born_from, born_to=born_to
            )
            if number not in self.ids_taken:
                self.ids_taken.add(number)
                break
        if educated:
            education = rng.choice(["college", "bachelor", "bachelor", "master"])
        else:
            education = rng.choice(["below_college", "college", "bachelor"])
        major = rng.choices(["social_work", "related", "other"], weights=[3, 3, 4])[0]
        worker_id = self.writer.new_id(Worker)
        self.writer.add(
            Worker,
            (worker_id, person_name(rng), number, birth, gender, mobile_phone(rng), education,
             major, employer, "", post, area.id, True, self.stamp, self.stamp),
        )  # fmt: skip
        if certified:
            level = rng.choices(
                [Certificate.Level.ASSISTANT, Certificate.Level.INTERMEDIATE,
                 Certificate.Level.SENIOR], weights=[730, 268, 2],
            )[0]  # fmt: skip
            self.certificate_serial += 1
            obtained = datetime.date(rng.randrange(2010, year), 11, 1)
            self.writer.add(
                Certificate,
                (self.writer.new_id(Certificate), worker_id, level,
                 f"S{obtained.year}{self.certificate_serial:09d}", obtained),
            )  # fmt: skip
        return worker_id

    def _staff(self, station: dict) -> None:
        """Resident staff by profile: good stations meet Jinan's rule (3+, ≤ 40, college, 2/3
        qualified); fair ones miss one part of it now and then; poor ones have one or two."""
        rng = self.rng
        profile = station["profile"]
        size = {"good": rng.randint(3, 5), "fair": rng.randint(2, 4), "poor": rng.randint(1, 2)}
        starts = datetime.date(self.year - 1, 1, 1) + datetime.timedelta(days=rng.randrange(300))
        for index in range(size[profile]):
            good = profile == "good" or (profile == "fair" and rng.random() < 0.8)
            worker_id = self._worker(
                station["township"],
                young=good,
                educated=good,
                certified=rng.random() < (0.85 if good else 0.4),
                post=Worker.Post.STATION_STAFF,
                employer=Worker.EmployerKind.STATION,
            )
            role = StationAssignment.Role.HEAD if index == 0 else StationAssignment.Role.RESIDENT
            self.writer.add(
                StationAssignment,
                (self.writer.new_id(StationAssignment), station["id"], station["township"].id,
                 worker_id, role, starts, None, ""),
            )  # fmt: skip
            station["staff"].append(worker_id)

    def _ledger(self, station: dict) -> None:
        """A year of the station's ledger: case sessions, community work (hours per resident week
        by profile) and supervision received."""
        rng = self.rng
        year = self.year
        profile = station["profile"]
        township = station["township"]
        communities = [c for c in township.children if not c.is_placeholder]
        staff = station["staff"]
        if not staff:
            return
        cases = {"good": rng.randint(11, 24), "fair": rng.randint(7, 14), "poor": rng.randint(2, 8)}
        supervision = {"good": 66, "fair": rng.choice([45, 63]), "poor": rng.choice([12, 30])}
        weekly = {"good": 27, "fair": rng.choice([20, 25]), "poor": 12}[profile]

        def entry(worker_id, day, community, hours, kind, reference="", people=None):
            self.writer.add(
                ServiceLogEntry,
                (self.writer.new_id(ServiceLogEntry), station["id"], township.id, worker_id, day,
                 community.id if community else None, Decimal(hours), kind, reference,
                 people or {}, 0, "", self.stamp),
            )  # fmt: skip

        for case in range(1, cases[profile] + 1):
            worker_id = rng.choice(staff)
            community = rng.choice(communities) if communities else None
            reference = f"{township.code[6:9]}-{year}-{case:03d}"
            for _session in range(rng.randint(2, 4)):
                entry(worker_id, _day(rng, year), community, "2.0", "case", reference.upper(),
                      {"lone_elderly": 1})  # fmt: skip
        for worker_id in staff:
            hours_needed = weekly * 53
            while hours_needed > 0 and communities:
                hours = rng.choice([4, 6, 8])
                kind = rng.choice(["community", "community", "group", "needs_survey"])
                entry(worker_id, _day(rng, year), rng.choice(communities), f"{hours}.0", kind)
                hours_needed -= hours
        supervised = 0
        while supervised < supervision[profile]:
            entry(rng.choice(staff), _day(rng, year), None, "3.0", "supervision_received")
            supervised += 3

    # --- contractors, contracts and monthly briefings -------------------------------------------

    def _contracts(self, county: Node, stations: list[dict]) -> None:
        """Contractors of the county, each running up to four of its stations under one contract
        with twelve monthly briefings; about one station in seven stays run by the government."""
        rng = self.rng
        contracted = [s for s in stations if rng.random() < 0.85]
        start = datetime.date(self.year - 1, 1, 1)
        end = datetime.date(self.year + 1, 12, 31)
        for first in range(0, len(contracted), 4):
            group = contracted[first : first + 4]
            self.credit_serial += 1
            contractor_id = self.writer.new_id(Contractor)
            name = f"{county.name}{CONTRACTOR_WORDS[first // 4 % 4]}社会工作服务中心"
            self.writer.add(
                Contractor,
                (contractor_id, name, Contractor.Kind.SOCIAL_ORGANISATION,
                 credit_code(registration="52", region=self.region, serial=self.credit_serial),
                 county.id, person_name(rng), mobile_phone(rng), ""),
            )  # fmt: skip
            self.contract_serial += 1
            contract_id = self.writer.new_id(Contract)
            self.writer.add(
                Contract,
                (contract_id, county.id, contractor_id,
                 f"GM-{county.code[:6]}-{self.year - 1}-{self.contract_serial:06d}",
                 f"{county.name}乡镇社会工作服务站运营项目", start, end,
                 start - datetime.timedelta(days=14), start, Contract.Status.ACTIVE, "", "",
                 Decimal(360_000 * len(group))),
            )  # fmt: skip
            for status_from, status_to, on in (
                (
                    Contract.Status.PROCUREMENT,
                    Contract.Status.SIGNED,
                    start - datetime.timedelta(14),
                ),
                (Contract.Status.SIGNED, Contract.Status.ACTIVE, start),
            ):
                self.writer.add(
                    ContractStatusChange,
                    (self.writer.new_id(ContractStatusChange), contract_id, status_from,
                     status_to, on, "", self.stamp),
                )  # fmt: skip
            for station in group:
                station["contractor_id"] = contractor_id
                station["row"][11] = Station.Operator.CONTRACTOR
                station["row"][12] = contractor_id
                through = Contract.stations.through
                self.writer.add(through, (self.writer.new_id(through), contract_id, station["id"]))
                through = Contract.townships.through
                self.writer.add(
                    through, (self.writer.new_id(through), contract_id, station["township"].id)
                )
            self._briefings(contract_id, on_time=rng.choice([0.95, 0.9, 0.8, 0.6]))

    def _briefings(self, contract_id: int, *, on_time: float) -> None:
        rng = self.rng
        for month in range(1, 13):
            period = datetime.date(self.year, month, 1)
            due = datetime.date(self.year + month // 12, month % 12 + 1, 5)
            draw = rng.random()
            report_id = self.writer.new_id(Report)
            if draw > 0.97:  # never submitted
                row = (report_id, contract_id, Report.Kind.MONTHLY, period, due,
                       Report.Status.DRAFT, 0, None, None, None, {}, {}, 0, 0, 0, 0,
                       Decimal(0), Decimal(0))  # fmt: skip
                self.writer.add(Report, row)
                continue
            submitted = due - datetime.timedelta(days=rng.randint(0, 4))
            if draw > on_time:
                submitted = due + datetime.timedelta(days=rng.randint(1, 20))
            approved = submitted + datetime.timedelta(days=rng.randint(1, 7))
            submitted_at, approved_at = _at(submitted, 10), _at(approved, 15)
            self.writer.add(
                Report,
                (report_id, contract_id, Report.Kind.MONTHLY, period, due, Report.Status.APPROVED,
                 2, submitted, submitted_at, approved_at,
                 {"case": {"count": rng.randint(2, 9), "hours": "16.0"}},
                 {"lone_elderly": rng.randint(3, 30)}, rng.randint(0, 3), rng.randint(0, 3),
                 rng.randint(2, 8), rng.randint(5, 40), Decimal(rng.randint(10, 200)),
                 Decimal(0)),
            )  # fmt: skip
            for from_status, to_status, at in (
                (Report.Status.DRAFT, Report.Status.SUBMITTED, submitted_at),
                (Report.Status.SUBMITTED, Report.Status.APPROVED, approved_at),
            ):
                self.writer.add(
                    ReportTransition,
                    (self.writer.new_id(ReportTransition), report_id, from_status, to_status, "",
                     at),
                )  # fmt: skip

    # --- workers outside the stations -----------------------------------------------------------

    def _community_workers(self, county: Node, communities: list[Node], count: int) -> None:
        """The county's other workers, in its communities: about 60 % certified in all."""
        if not communities:
            return
        rng = self.rng
        posts = [
            (Worker.Post.COMMUNITY_WORKER, Worker.EmployerKind.COMMUNITY_COMMITTEE),
            (Worker.Post.COMMUNITY_WORKER, Worker.EmployerKind.COMMUNITY_COMMITTEE),
            (Worker.Post.ORGANISATION_STAFF, Worker.EmployerKind.SOCIAL_ORGANISATION),
            (Worker.Post.CIVIL_SERVANT, Worker.EmployerKind.GOVERNMENT),
        ]
        for _index in range(count):
            post, employer = rng.choice(posts)
            self._worker(
                rng.choice(communities),
                young=rng.random() < 0.5,
                educated=rng.random() < 0.7,
                certified=rng.random() < 0.66,
                post=post,
                employer=employer,
            )

    # --- organisations --------------------------------------------------------------------------

    def _federation(self, township: Node) -> int | None:
        if township.is_virtual or self.rng.random() >= 0.65:
            return None
        federation_id = self.writer.new_id(Federation)
        founded = datetime.date(self.rng.randrange(2020, self.year + 1), 6, 1)
        self.writer.add(
            Federation,
            (federation_id, f"{township.name}社区社会组织联合会", township.id, founded, ""),
        )
        return federation_id

    def _orgs(self, township: Node, community: Node, federation_id: int | None) -> list[tuple]:
        """Organisations of a community; returns (id, name) of the active ones."""
        rng = self.rng
        urban = community.urban_rural == AdminArea.UrbanRural.URBAN
        count = max(1, round(rng.gauss(11.5, 3.5))) if urban else max(0, round(rng.gauss(5.8, 2.2)))
        active = []
        for index in range(count):
            theme, org_type = ORG_THEMES[index % len(ORG_THEMES)]
            suffix = "" if index < len(ORG_THEMES) else str(index // len(ORG_THEMES) + 1)
            name = f"{community.name}{theme}{suffix}"
            org_id = self.writer.new_id(CommunityOrg)
            founded = datetime.date(rng.randrange(2012, self.year + 1), rng.randint(1, 12), 1)
            status = rng.choices(["active", "dormant", "deregistered"], weights=[92, 5, 3])[0]
            brand_year = rng.randrange(2022, self.year + 1) if rng.random() < 0.004 else None
            if rng.random() < 0.2:
                self.credit_serial += 1
                code = credit_code(registration="52", region=self.region, serial=self.credit_serial)
                standing = (CommunityOrg.Standing.REGISTERED, code, "县民政局", founded, None, None)
            else:
                filing_body = township.id if rng.random() < 0.5 else community.id
                standing = (CommunityOrg.Standing.FILED, "", "", None, filing_body, founded)
            self.writer.add(
                CommunityOrg,
                (org_id, name, org_type, community.id, founded, person_name(rng),
                 rng.randint(8, 120), *standing, status, CommunityOrg.PartyOrganisation.NONE,
                 brand_year, federation_id if rng.random() < 0.6 else None, self.stamp),
            )  # fmt: skip
            if brand_year:
                self.writer.add(
                    BrandProject,
                    (self.writer.new_id(BrandProject), org_id, f"{name}品牌项目", brand_year, ""),
                )
            if status == "active":
                active.append((org_id, name))
        return active

    # --- volunteers -----------------------------------------------------------------------------

    def _volunteers(
        self, community: Node, station: dict | None, orgs: list[tuple], coverage: float
    ) -> None:
        """Volunteers of a community, its service point, the year's activities and the hours
        served at them (85 % verified, earning 10 points an hour like the default rule)."""
        rng = self.rng
        year = self.year
        people = self.population.get(community.path, 0)
        count = round(people * self.volunteer_share * rng.uniform(0.5, 1.5))
        if rng.random() < coverage:
            self.writer.add(
                ServicePoint,
                (self.writer.new_id(ServicePoint), community.id, f"{community.name}志愿服务站",
                 f"{community.name}综合服务中心", datetime.date(year - 2, 7, 1), True),
            )  # fmt: skip
        if not count:
            return
        activities = []
        for number in range(max(1, count // 12)):
            day = _day(rng, year)
            activity_id = self.writer.new_id(Activity)
            if station and station["operating"] and (not orgs or rng.random() < 0.4):
                organiser = ("station", station["id"], None, station["row"][4])
            elif orgs:
                org_id, org_name = rng.choice(orgs)
                organiser = ("organisation", None, org_id, org_name)
            else:
                organiser = ("organisation", None, None, f"{community.name}居民委员会")
            self.writer.add(
                Activity,
                (activity_id, f"{community.name}志愿服务活动{number + 1}", _at(day, 9),
                 _at(day, 12), community.name, community.id, *organiser, 20, 15),
            )  # fmt: skip
            activities.append((activity_id, day))
        for _volunteer in range(count):
            while True:
                number, _birth, _gender = id_number(
                    rng,
                    region=self.region,
                    born_from=datetime.date(year - 70, 1, 1),
                    born_to=datetime.date(year - 18, 1, 1),
                )
                if number not in self.ids_taken:
                    self.ids_taken.add(number)
                    break
            volunteer_id = self.writer.new_id(Volunteer)
            balance = 0
            records = []
            for activity_id, day in rng.sample(activities, min(len(activities), rng.randint(0, 4))):
                hours = Decimal(rng.choice(["1.50", "2.00", "2.50", "3.00"]))
                record_id = self.writer.new_id(ServiceRecord)
                verified = rng.random() < 0.85
                at = _at(day, 13)
                records.append((record_id, activity_id, _at(day, 9), hours, at, verified))
                if verified:
                    balance += int(hours * 10)
            skills = rng.sample(SKILLS, rng.randint(0, 2))
            joined = datetime.date(rng.randrange(2016, year + 1), rng.randint(1, 12), 1)
            self.writer.add(
                Volunteer,
                (volunteer_id, person_name(rng), number, mobile_phone(rng), community.id, skills,
                 joined, True, balance, self.stamp, self.stamp),
            )  # fmt: skip
            running = 0
            for record_id, activity_id, starts_at, hours, at, verified in records:
                self.writer.add(
                    ServiceRecord,
                    (record_id, volunteer_id, activity_id, community.id, starts_at, hours, at,
                     verified, at if verified else None),
                )  # fmt: skip
                if verified:
                    running += int(hours * 10)
                    self.writer.add(
                        ServiceRecordCorrection,
                        (self.writer.new_id(ServiceRecordCorrection), record_id, "verify", hours,
                         hours, "", at),
                    )  # fmt: skip
                    self.writer.add(
                        PointsEntry,
                        (self.writer.new_id(PointsEntry), volunteer_id, "earn",
                         int(hours * 10), running, record_id, f"{hours} verified hours", at),
                    )  # fmt: skip


def generate(
    *,
    scale_name: str,
    seed: int = 1,
    year: int = 2025,
    volunteer_share: float = 0.01,
    townships: int | None = None,
    replace: bool = False,
    log: Callable[[str], None] = print,
) -> Result:
    """Writes the scale's tree (imported when missing) and a registry over it, all-or-nothing.

    Raises RegistryPresent when the database already holds registry rows, unless `replace`,
    which first deletes every row of the generated tables.
    """
    scale = SCALES[scale_name]
    started = time.monotonic()
    with transaction.atomic():
        import_seconds = areas_ensure(scale, log=log)
        if replace:
            registry_delete()
        present = registry_present(year=year)
        if present:
            raise RegistryPresent(", ".join(present))
        connection = connections["default"]
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                # Parents are written first, so row-by-row checks hold; checking at commit instead
                # would queue an event per row for millions of rows.
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
                if cursor.fetchone()[0]:
                    # A superuser may skip the foreign-key triggers altogether: each checked row
                    # costs a lookup and a row lock on its parent, about a third of the COPY
                    # time. The generator hands out every key itself (parents before children),
                    # and tests/test_scale_data.py checks that they all hold.
                    cursor.execute("SET LOCAL session_replication_role = replica")
        generator = Generator(
            scale, seed=seed, year=year, volunteer_share=volunteer_share, townships=townships,
            log=log,
        )  # fmt: skip
        generator.run()
    writer = generator.writer
    return Result(
        rows={model._meta.db_table: writer.rows[model] for model in writer.models},
        seconds={model._meta.db_table: writer.seconds[model] for model in writer.models},
        total_seconds=time.monotonic() - started,
        import_seconds=import_seconds,
    )
