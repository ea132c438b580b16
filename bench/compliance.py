"""Benchmark: a full compliance run for a province and for the nation, beside a hand-written floor.

    DATABASE_URL=postgres://…/wushe_bench .venv/bin/python -m bench.compliance [--year Y]

The platform's figures come from its own code path (`reports.engine.Tree` and the metric
functions of `reports.metric_defs`, then `reports.services.compliance_run_execute` for the whole
run with its snapshot). The floor computes the same numerators and denominators for every area
with two hand-written SQL statements: the subtree's paths, and one statement that groups every
fact by area and rolls it up to every ancestor along the materialised path (each path segment
is a 12-digit code and a slash, so the ancestor at depth k is `substr(path, 1, 1 + 13 k)`).

The floor covers the metrics that are counts, sums, minima and populations. Five metrics judge
stations or contracts by configurable rules in Python (staffing, six haves, cases and
supervision, resident hours, briefing timeliness); they are timed with the platform run but not
in the floor, and `covered_metrics` in the JSON says which are compared.
"""

import argparse
import datetime
import statistics
import time
from collections import defaultdict
from decimal import Decimal

from bench.common import (
    analyze,
    assert_scratch_database,
    data_year,
    machine,
    say,
    write_results,
)  # sets Django up

# isort: split
from django.db import connection
from django.utils import timezone

from charity.models import LedgerEntry
from orgs.models import BrandProject, CommunityOrg, Federation
from reports.engine import Tree
from reports.metric_defs import metric_by_key
from reports.models import ComplianceRun
from reports.services import QueryCounter, compliance_run_execute
from stations.models import AdminArea, AreaPopulation, ServiceLogEntry, Station
from talent.models import Certificate, Worker
from volunteers.models import ServicePoint, ServiceRecord

SEGMENT = 13  # a 12-digit code and its slash
COVERED = [
    "population",
    "township_station_coverage",
    "community_social_work_coverage",
    "talent_total",
    "talent_per_mille",
    "certified_per_10k",
    "urban_community_orgs_min",
    "urban_community_orgs_avg",
    "rural_community_orgs_min",
    "rural_community_orgs_avg",
    "brand_orgs",
    "brand_projects",
    "volunteer_point_coverage",
    "verified_volunteer_hours",
    "charity_linked_yuan",
    "federation_coverage",
]
FOUR_PLACES = Decimal("0.0001")


def _tables() -> dict[str, str]:
    models = {
        "area": AdminArea,
        "population": AreaPopulation,
        "worker": Worker,
        "certificate": Certificate,
        "org": CommunityOrg,
        "brand_project": BrandProject,
        "federation": Federation,
        "station": Station,
        "log": ServiceLogEntry,
        "point": ServicePoint,
        "record": ServiceRecord,
        "ledger": LedgerEntry,
    }
    return {name: connection.ops.quote_name(model._meta.db_table) for name, model in models.items()}


# One statement for every figure. `facts` holds (leaf path, fact, amount, shallowest depth the
# amount counts at); the final SELECT adds each fact to every ancestor down from that depth.
# Populations count up to (not including) the nearest ancestor with a figure of its own.
FLOOR_SQL = """
WITH RECURSIVE depth(k) AS (SELECT 1 UNION ALL SELECT k + 1 FROM depth WHERE k < 8),
sub AS (
    SELECT id, path, level, urban_rural, is_virtual, is_placeholder
    FROM {area} WHERE path LIKE %(root)s
),
real_community AS (SELECT id, path, urban_rural FROM sub WHERE level = 4 AND NOT is_placeholder),
real_township AS (SELECT id, path FROM sub WHERE level = 3 AND NOT is_virtual),
org_count AS (
    SELECT o.community_id, COUNT(*) AS n FROM {org} o JOIN real_community c ON c.id = o.community_id
    WHERE o.status = %(org_active)s GROUP BY o.community_id
),
own AS (
    SELECT a.path, p.population FROM {population} p JOIN sub a ON a.id = p.area_id
    WHERE p.year = %(year)s
),
blocker AS (
    SELECT o.path, MAX(d.k) AS k FROM own o
    JOIN depth d ON d.k < (length(o.path) - 1) / 13
    JOIN own b ON b.path = substr(o.path, 1, 1 + 13 * d.k)
    GROUP BY o.path
),
facts(path, fact, amount, from_depth) AS (
    SELECT o.path, 'population', o.population, COALESCE(b.k, 0) + 1
    FROM own o LEFT JOIN blocker b ON b.path = o.path
    UNION ALL
    SELECT a.path, 'workers', COUNT(*), 1 FROM {worker} w JOIN sub a ON a.id = w.area_id
    WHERE w.is_active GROUP BY a.path
    UNION ALL
    SELECT a.path, 'certified_workers', COUNT(DISTINCT w.id), 1
    FROM {worker} w JOIN sub a ON a.id = w.area_id JOIN {certificate} c ON c.worker_id = w.id
    WHERE w.is_active AND c.obtained_on < %(next_year_start)s GROUP BY a.path
    UNION ALL
    SELECT path, 'townships', 1, 1 FROM real_township
    UNION ALL
    SELECT t.path, 'townships_with_station', 1, 1 FROM real_township t
    WHERE EXISTS (
        SELECT 1 FROM {station} s
        WHERE s.area_id = t.id AND s.kind = %(township_station)s AND s.status = %(operating)s
    )
    UNION ALL
    SELECT t.path, 'townships_with_federation', 1, 1 FROM real_township t
    WHERE EXISTS (
        SELECT 1 FROM {federation} f
        WHERE f.township_id = t.id AND (f.founded_on IS NULL OR f.founded_on < %(next_year_start)s)
    )
    UNION ALL
    SELECT path, 'communities', 1, 1 FROM real_community
    UNION ALL
    SELECT c.path, 'communities_served', 1, 1 FROM real_community c
    WHERE EXISTS (
        SELECT 1 FROM {station} s
        WHERE s.area_id = c.id AND s.kind = %(community_room)s AND s.status = %(operating)s
    ) OR EXISTS (
        SELECT 1 FROM {log} l
        WHERE l.community_id = c.id AND l.served_on BETWEEN %(year_start)s AND %(year_end)s
    )
    UNION ALL
    SELECT c.path, 'communities_with_point', 1, 1 FROM real_community c
    WHERE EXISTS (SELECT 1 FROM {point} p WHERE p.area_id = c.id AND p.is_active)
    UNION ALL
    SELECT c.path, 'communities_' || c.urban_rural, 1, 1 FROM real_community c
    WHERE c.urban_rural IN (%(urban)s, %(rural)s)
    UNION ALL
    SELECT c.path, 'orgs_' || c.urban_rural, COALESCE(n.n, 0), 1
    FROM real_community c LEFT JOIN org_count n ON n.community_id = c.id
    WHERE c.urban_rural IN (%(urban)s, %(rural)s)
    UNION ALL
    SELECT a.path, 'brand_orgs', COUNT(*), 1 FROM {org} o JOIN sub a ON a.id = o.community_id
    WHERE o.status = %(org_active)s AND o.brand_year <= %(year)s GROUP BY a.path
    UNION ALL
    SELECT a.path, 'brand_projects', COUNT(*), 1
    FROM {brand_project} bp JOIN {org} o ON o.id = bp.organisation_id
    JOIN sub a ON a.id = o.community_id
    WHERE bp.year <= %(year)s GROUP BY a.path
    UNION ALL
    SELECT a.path, 'volunteer_hours', SUM(r.hours), 1
    FROM {record} r JOIN sub a ON a.id = r.area_id
    WHERE r.is_verified AND r.activity_starts_at >= %(year_start_at)s
      AND r.activity_starts_at < %(next_year_start_at)s
    GROUP BY a.path
    UNION ALL
    SELECT a.path, 'charity_yuan',
           SUM(CASE WHEN e.direction = %(money_in)s THEN -e.amount ELSE e.amount END), 1
    FROM {ledger} e JOIN sub a ON a.id = e.area_id LEFT JOIN {ledger} r ON r.id = e.reverses_id
    WHERE e.booked_on BETWEEN %(year_start)s AND %(year_end)s
      AND (e.kind = %(disbursement)s OR (e.kind = %(reversal)s AND r.kind = %(disbursement)s))
    GROUP BY a.path
)
SELECT substr(f.path, 1, 1 + 13 * d.k) AS area_path, f.fact,
       SUM(f.amount), MIN(f.amount), COUNT(*)
FROM facts f JOIN depth d
  ON d.k >= %(root_depth)s AND d.k >= f.from_depth AND d.k <= (length(f.path) - 1) / 13
GROUP BY substr(f.path, 1, 1 + 13 * d.k), f.fact
"""

PATHS_SQL = "SELECT path FROM {area} WHERE path LIKE %(root)s"


def floor_parameters(root_path: str, year: int) -> dict:
    zone = timezone.get_current_timezone()
    return {
        "root": root_path + "%",
        "root_depth": max(1, (len(root_path) - 1) // SEGMENT),
        "year": year,
        "year_start": datetime.date(year, 1, 1),
        "year_end": datetime.date(year, 12, 31),
        "next_year_start": datetime.date(year + 1, 1, 1),
        # `starts_at__year` in the platform is the year in the site's time zone.
        "year_start_at": datetime.datetime(year, 1, 1, tzinfo=zone),
        "next_year_start_at": datetime.datetime(year + 1, 1, 1, tzinfo=zone),
        "org_active": CommunityOrg.Status.ACTIVE,
        "township_station": Station.Kind.TOWNSHIP_STATION,
        "community_room": Station.Kind.COMMUNITY_ROOM,
        "operating": Station.Status.OPERATING,
        "urban": AdminArea.UrbanRural.URBAN,
        "rural": AdminArea.UrbanRural.RURAL,
        "money_in": LedgerEntry.Direction.IN,
        "disbursement": LedgerEntry.Kind.DISBURSEMENT,
        "reversal": LedgerEntry.Kind.REVERSAL,
    }


def floor_facts(root_path: str, year: int) -> dict[str, dict[str, tuple]]:
    """The covered metrics' (numerator, denominator) for every area, from two SQL statements."""
    tables = _tables()
    params = floor_parameters(root_path, year)
    with connection.cursor() as cursor:
        cursor.execute(PATHS_SQL.format(**tables), params)
        paths = [row[0] for row in cursor.fetchall()]
        cursor.execute(FLOOR_SQL.format(**tables), params)
        rows = cursor.fetchall()
    total: dict[str, dict[str, Decimal]] = defaultdict(dict)
    smallest: dict[str, dict[str, tuple[Decimal, Decimal]]] = defaultdict(dict)
    for path, fact, amount_sum, amount_min, count in rows:
        total[fact][path] = Decimal(str(amount_sum))
        smallest[fact][path] = (Decimal(str(amount_min)), Decimal(count))

    def ratio(numerator: str, denominator: str) -> dict[str, tuple]:
        return {
            path: (total[numerator].get(path, Decimal(0)), total[denominator].get(path))
            for path in paths
        }

    def summed(numerator: str) -> dict[str, tuple]:
        return {path: (total[numerator].get(path, Decimal(0)), None) for path in paths}

    def minimum(fact: str) -> dict[str, tuple]:
        return {path: smallest[fact].get(path, (None, Decimal(0))) for path in paths}

    return {
        "population": {path: (total["population"].get(path), None) for path in paths},
        "township_station_coverage": ratio("townships_with_station", "townships"),
        "community_social_work_coverage": ratio("communities_served", "communities"),
        "talent_total": summed("workers"),
        "talent_per_mille": ratio("workers", "population"),
        "certified_per_10k": ratio("certified_workers", "population"),
        "urban_community_orgs_min": minimum("orgs_urban"),
        "urban_community_orgs_avg": ratio("orgs_urban", "communities_urban"),
        "rural_community_orgs_min": minimum("orgs_rural"),
        "rural_community_orgs_avg": ratio("orgs_rural", "communities_rural"),
        "brand_orgs": summed("brand_orgs"),
        "brand_projects": summed("brand_projects"),
        "volunteer_point_coverage": ratio("communities_with_point", "communities"),
        "verified_volunteer_hours": summed("volunteer_hours"),
        "charity_linked_yuan": summed("charity_yuan"),
        "federation_coverage": ratio("townships_with_federation", "townships"),
    }


def _normal(number) -> Decimal | None:
    if number is None:
        return None
    return Decimal(str(number)).quantize(FOUR_PLACES)


def differences(platform: dict, floor: dict, *, limit: int = 10) -> list[str]:
    """Where the platform's figures and the floor's differ (empty when they are equal).

    Compares numerator, denominator and value of every covered metric for every area; a
    numerator of 0 and "none" are the same figure for sums and ratios.
    """
    catalogue = metric_by_key()
    found = []
    for key in COVERED:
        metric = catalogue[key]
        ours, theirs = platform[key], floor[key]
        if set(ours) != set(theirs):
            found.append(f"{key}: areas differ ({len(ours)} against {len(theirs)})")
            continue
        for path, (numerator, denominator) in ours.items():
            other_numerator, other_denominator = theirs[path]
            mine = (
                _normal(numerator),
                _normal(denominator),
                _normal(metric.value(numerator, denominator)),
            )
            other = (
                _normal(other_numerator),
                _normal(other_denominator),
                _normal(metric.value(other_numerator, other_denominator)),
            )
            if mine != other:
                found.append(f"{key} {path}: platform {mine}, floor {other}")
                if len(found) >= limit:
                    return found
    return found


def platform_facts(root_path: str, year: int, keys: list[str]) -> tuple[dict, float, int]:
    """The chosen metrics' facts through the platform's code, with seconds and queries."""
    catalogue = metric_by_key()
    counter = QueryCounter()
    started = time.perf_counter()
    with connection.execute_wrapper(counter):
        tree = Tree(root_path)
        facts = {key: catalogue[key].compute(tree, year) for key in keys}
    return facts, time.perf_counter() - started, counter.count


def _timed_floor(root_path: str, year: int) -> tuple[dict, float, int]:
    counter = QueryCounter()
    started = time.perf_counter()
    with connection.execute_wrapper(counter):
        facts = floor_facts(root_path, year)
    return facts, time.perf_counter() - started, counter.count


def full_run(root: AdminArea, year: int) -> dict:
    """compliance_run_execute for `root`, as the Celery task runs it."""
    run = compliance_run_execute(run_id=ComplianceRun.objects.create(area=root, year=year).pk)
    if run.status != ComplianceRun.Status.COMPLETE:
        raise SystemExit(f"The compliance run of {root.code} failed: {run.error}")
    return {
        "seconds": round((run.finished_at - run.started_at).total_seconds(), 3),
        "queries": run.query_count,
    }


def measure_subtree(
    label: str, roots: list[AdminArea], floor_root: str, year: int, *, rounds: int = 1
) -> dict:
    """Platform against floor over `roots` (one subtree, or every top-level area for the nation).

    With `rounds` > 1 the two sides are timed that many times, alternately, and the medians are
    compared: the first side to read a subtree otherwise pays for the cold cache (seen: 徐州市
    1.25x, 2.34x and 0.58x in three single-round runs of the same code and data).
    """
    all_keys = list(metric_by_key())
    covered: dict[str, dict] = {key: {} for key in COVERED}
    covered_each, floor_each = [], []
    covered_queries = all_queries = 0
    all_seconds = 0.0
    runs = []
    areas = 0
    for round_number in range(rounds):
        round_seconds = 0.0
        for root in roots:
            facts, seconds, queries = platform_facts(root.path, year, COVERED)
            round_seconds += seconds
            if round_number == 0:
                covered_queries += queries
                for key in COVERED:
                    covered[key].update(facts[key])
                areas += len(facts["population"])
        covered_each.append(round_seconds)
        floor, floor_seconds, floor_queries = _timed_floor(floor_root, year)
        floor_each.append(floor_seconds)
    for root in roots:
        _facts, seconds, queries = platform_facts(root.path, year, all_keys)
        all_seconds += seconds
        all_queries += queries
        runs.append(full_run(root, year))
    covered_seconds = statistics.median(covered_each)
    floor_seconds = statistics.median(floor_each)
    found = differences(covered, floor)
    if found:
        raise SystemExit(
            f"{label}: the platform's figures differ from the floor's:\n  " + "\n  ".join(found)
        )
    run_seconds = sum(run["seconds"] for run in runs)
    figures = {
        "roots": [root.code for root in roots],
        "areas": areas,
        "floor_seconds": round(floor_seconds, 3),
        "floor_queries": floor_queries,
        "platform_covered_seconds": round(covered_seconds, 3),
        "platform_covered_queries": covered_queries,
        "ratio_platform_to_floor": round(covered_seconds / floor_seconds, 2)
        if floor_seconds
        else None,
        "rounds": rounds,
        "platform_covered_seconds_each": [round(value, 3) for value in covered_each],
        "floor_seconds_each": [round(value, 3) for value in floor_each],
        "platform_all_metrics_seconds": round(all_seconds, 3),
        "platform_all_metrics_queries": all_queries,
        "full_run_seconds": round(run_seconds, 3),
        "full_run_queries": sum(run["queries"] for run in runs),
        "full_run_queries_per_root": [run["queries"] for run in runs],
        "figures_equal": True,
    }
    say(
        f"  {label}: {areas:,} areas; floor {floor_seconds:.2f} s ({floor_queries} queries), "
        f"platform {covered_seconds:.2f} s ({covered_queries} queries) = "
        f"{figures['ratio_platform_to_floor']}x; all metrics {all_seconds:.2f} s "
        f"({all_queries} queries); full run {run_seconds:.2f} s"
        + (f" (medians of {rounds} rounds)" if rounds > 1 else "")
    )
    return figures


def default_province() -> AdminArea:
    """Jiangsu when present, else the top-level area with the most areas below it."""
    found = AdminArea.objects.filter(code="320000000000").first()
    if found:
        return found
    roots = list(AdminArea.objects.filter(parent__isnull=True).order_by("code"))
    if not roots:
        raise SystemExit("No areas: load data first (manage.py generate_scale_data or load_demo).")
    return max(roots, key=lambda root: AdminArea.objects.filter(path__startswith=root.path).count())


def smaller_part(area: AdminArea) -> AdminArea:
    """The child of `area` with the most areas below it among those with an operating township
    station (else among all children): the second, smaller scale.

    Metrics skip their rule queries when a subtree has no station at all, so the two scales are
    compared where both have stations.
    """
    children = list(AdminArea.objects.filter(parent=area).order_by("code"))
    if not children:
        return area
    with_stations = [
        child
        for child in children
        if Station.objects.filter(
            kind=Station.Kind.TOWNSHIP_STATION,
            status=Station.Status.OPERATING,
            area__path__startswith=child.path,
        ).exists()
    ]
    return max(
        with_stations or children,
        key=lambda child: AdminArea.objects.filter(path__startswith=child.path).count(),
    )


def run(
    *, year: int | None = None, province: str | None = None, nation: bool = True, out=None
) -> dict:
    assert_scratch_database()
    analyze()
    started = machine()
    year = year or data_year()
    root = AdminArea.objects.get(code=province) if province else default_province()
    part = smaller_part(root)
    say(f"Compliance {year}: {root.code} {root.name} and, for scale, {part.code} {part.name}")
    figures = {"year": year, "covered_metrics": COVERED, "all_metrics": list(metric_by_key())}
    # Three alternating rounds where a round takes seconds; the nation's one round takes minutes.
    figures["small"] = measure_subtree("small", [part], part.path, year, rounds=3)
    figures["province"] = measure_subtree("province", [root], root.path, year, rounds=3)
    if nation:
        roots = list(AdminArea.objects.filter(parent__isnull=True).order_by("code"))
        figures["nation"] = measure_subtree("nation", roots, "/", year)
    figures["queries_independent_of_areas"] = (
        figures["small"]["platform_all_metrics_queries"]
        == figures["province"]["platform_all_metrics_queries"]
    )
    target = write_results("compliance", figures, started=started, out=out)
    say(f"Wrote {target}")
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--year", type=int)
    parser.add_argument("--province", help="code of the province-scale root (default: Jiangsu)")
    parser.add_argument("--no-nation", action="store_true", help="skip the national run")
    args = parser.parse_args()
    run(year=args.year, province=args.province, nation=not args.no_nation)


if __name__ == "__main__":
    main()
