"""The metrics of the policy documents, each with a fixed key used by the API and the exports.

Every compute function reads its facts with a fixed number of grouped queries and returns a
(numerator, denominator) pair for every area of the tree (see reports.engine).
"""

import datetime
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal

from django.db.models import Count, F, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from charity.models import LedgerEntry
from charity.selectors import LINKED_Q, signed_amount_sum
from orgs.models import BrandProject, CommunityOrg, Federation
from projects.models import Contract, Report
from reports.engine import AreaRow, Metric, Tree, ratio_facts, sum_facts
from stations.models import AdminArea, ServiceLogEntry, Station
from stations.rules import ledger_figures, staffing_checks, worker_hours
from stations.station_selectors import six_haves_result, with_latest_inspection
from talent.models import Worker
from talent.qualifications import (
    certified_condition,
    professional_staff_condition,
    social_work_qualification_condition,
)
from volunteers.models import ServicePoint, ServiceRecord

Level = AdminArea.Level
URBAN, RURAL = AdminArea.UrbanRural.URBAN, AdminArea.UrbanRural.RURAL
HUNDRED = Decimal(100)


def counted_community(kind: str):
    """Real communities of one kind; placeholder communities exist only in the statistics."""

    def predicate(row: AreaRow) -> bool:
        return row.level == Level.COMMUNITY and row.urban_rural == kind and not row.is_placeholder

    return predicate


def real_township(row: AreaRow) -> bool:
    return row.level == Level.TOWNSHIP and not row.is_virtual


def grouped_counts(rows: Iterable[tuple[str, int]]) -> dict[str, int]:
    return dict(rows)


def active_orgs_per_community(tree: Tree) -> dict[str, int]:
    """Active organisations per community path (one query)."""
    return grouped_counts(
        CommunityOrg.objects.filter(
            status=CommunityOrg.Status.ACTIVE, community__path__startswith=tree.root_path
        )
        .values("community__path")
        .annotate(n=Count("pk"))
        .values_list("community__path", "n")
    )


def population(tree: Tree, year: int):
    """Residents: the area's own figure, else the sum of its children's (one query)."""
    figures = tree.population(year)
    return {path: (figures.get(path), None) for path in tree.rows}


def orgs_min(kind: str):
    def compute(tree: Tree, year: int):
        leaves = [path for path, row in tree.rows.items() if counted_community(kind)(row)]
        rolled = tree.roll_up_min(active_orgs_per_community(tree), leaves)
        return {path: rolled.get(path, (None, Decimal(0))) for path in tree.rows}

    return compute


def orgs_avg(kind: str):
    def compute(tree: Tree, year: int):
        per_community = active_orgs_per_community(tree)
        numerators = {
            path: count
            for path, count in per_community.items()
            if path in tree.rows and counted_community(kind)(tree.rows[path])
        }
        return ratio_facts(tree, numerators, tree.count(counted_community(kind)))

    return compute


def brand_orgs(tree: Tree, year: int):
    """Active organisations named brand organisations in or before the year (one query)."""
    return sum_facts(
        tree,
        grouped_counts(
            CommunityOrg.objects.filter(
                status=CommunityOrg.Status.ACTIVE,
                brand_year__lte=year,
                community__path__startswith=tree.root_path,
            )
            .values("community__path")
            .annotate(n=Count("pk"))
            .values_list("community__path", "n")
        ),
    )


def brand_projects(tree: Tree, year: int):
    """Brand projects named in or before the year (one query)."""
    return sum_facts(
        tree,
        grouped_counts(
            BrandProject.objects.filter(
                year__lte=year, organisation__community__path__startswith=tree.root_path
            )
            .values("organisation__community__path")
            .annotate(n=Count("pk"))
            .values_list("organisation__community__path", "n")
        ),
    )


def federation_coverage(tree: Tree, year: int):
    """Townships with a federation of community organisations, over real townships (one query)."""
    with_federation = {
        path: 1
        for path in Federation.objects.filter(
            Q(founded_on__isnull=True) | Q(founded_on__year__lte=year),
            township__path__startswith=tree.root_path,
        ).values_list("township__path", flat=True)
        if path in tree.rows and real_township(tree.rows[path])
    }
    return ratio_facts(tree, with_federation, tree.count(real_township))


def active_workers(tree: Tree, *, condition: Q | None = None) -> dict[str, int]:
    """Active workers per area path (one query), those meeting `condition` if given.

    A person counts once, in their own area (where the record is kept): an area they are only
    linked to does not count them again, so that the city's total is its counties' sum.
    """
    workers = Worker.objects.filter(is_active=True, area__path__startswith=tree.root_path)
    if condition is not None:
        workers = workers.filter(condition)
    return grouped_counts(
        workers.values("area__path").annotate(n=Count("pk")).values_list("area__path", "n")
    )


def talent_total(tree: Tree, year: int):
    return sum_facts(tree, active_workers(tree))


def talent_per_mille(tree: Tree, year: int):
    return ratio_facts(tree, active_workers(tree), tree.population(year))


def certified_per_10k(tree: Tree, year: int):
    """Active workers holding a certificate obtained by the check date, per 10,000 residents."""
    certified = active_workers(tree, condition=certified_condition(check_date(year)))
    return ratio_facts(tree, certified, tree.population(year))


def professional_staff_total(tree: Tree, year: int):
    """Active workers meeting Beijing's professional staff rule on the check date (one query)."""
    return sum_facts(
        tree, active_workers(tree, condition=professional_staff_condition(check_date(year)))
    )


def social_work_qualified_share(tree: Tree, year: int):
    """Active workers with Jinan's social-work qualification on the check date, over active
    workers (two queries)."""
    qualified = active_workers(
        tree, condition=social_work_qualification_condition(check_date(year))
    )
    return ratio_facts(tree, qualified, tree.roll_up(active_workers(tree)))


def real_community(row: AreaRow) -> bool:
    return row.level == Level.COMMUNITY and not row.is_placeholder


def volunteer_point_coverage(tree: Tree, year: int):
    """Real communities with an active volunteer service point, over real communities (one query)."""
    covered = {
        path: 1
        for path in ServicePoint.objects.filter(
            is_active=True, area__path__startswith=tree.root_path
        )
        .values_list("area__path", flat=True)
        .order_by()  # the model's ordering would join DISTINCT's columns (one row per point)
        .distinct()
        if path in tree.rows and real_community(tree.rows[path])
    }
    return ratio_facts(tree, covered, tree.count(real_community))


def verified_volunteer_hours(tree: Tree, year: int):
    """Verified hours of activities held in the year, where the activity took place (one query;
    read from the record's copies of its activity's area and start, kept in step by
    volunteers.services, so that no activity is joined)."""
    return sum_facts(
        tree,
        dict(
            ServiceRecord.objects.filter(
                is_verified=True,
                activity_starts_at__year=year,
                area__path__startswith=tree.root_path,
            )
            .values("area__path")
            .annotate(total=Sum("hours"))
            .values_list("area__path", "total")
        ),
    )


def charity_linked_yuan(tree: Tree, year: int):
    """Yuan disbursed in the year to linkage projects, needs and activities, net of reversals,
    by the funds of each area (one query)."""
    rows = (
        LedgerEntry.objects.filter(
            LINKED_Q,
            area__path__startswith=tree.root_path,
            booked_on__year=year,
        )
        .values("area__path")
        .annotate(total=signed_amount_sum())
        .values_list("area__path", "total")
    )
    return sum_facts(tree, {path: -total for path, total in rows})


def check_date(year: int) -> datetime.date:
    """Rules are judged at the end of the year, or today while the year is running."""
    return min(datetime.date(year, 12, 31), timezone.localdate())


def operating_township_stations(tree: Tree, qs=None) -> list[Station]:
    """The operating township stations of the subtree, with their areas (one query)."""
    qs = qs if qs is not None else Station.objects.all()
    return list(
        qs.filter(
            kind=Station.Kind.TOWNSHIP_STATION,
            status=Station.Status.OPERATING,
            area__path__startswith=tree.root_path,
        ).select_related("area")
    )


def station_share(tree: Tree, stations: list[Station], passed: set[int]):
    """Share of `stations` (by their township) whose pk is in `passed`, in percent."""
    totals: dict[str, int] = defaultdict(int)
    good: dict[str, int] = defaultdict(int)
    for station in stations:
        totals[station.area.path] += 1
        good[station.area.path] += station.pk in passed
    return ratio_facts(tree, good, tree.roll_up(totals))


def township_station_coverage(tree: Tree, year: int):
    """Real townships with an operating township station, over real townships (one query)."""
    covered = {
        station.area.path: 1
        for station in operating_township_stations(tree)
        if real_township(tree.rows.get(station.area.path, _NO_ROW))
    }
    return ratio_facts(tree, covered, tree.count(real_township))


def station_staffing_share(tree: Tree, year: int):
    """Operating township stations meeting their staffing rule (four queries)."""
    stations = operating_township_stations(tree)
    checks = staffing_checks(stations, on=check_date(year))
    return station_share(tree, stations, {pk for pk, check in checks.items() if check.passed})


def station_six_haves_share(tree: Tree, year: int):
    """Operating township stations meeting the six haves by their latest inspection (one query)."""
    stations = operating_township_stations(tree, with_latest_inspection(Station.objects.all()))
    passed = {station.pk for station in stations if six_haves_result(station).meets_standard}
    return station_share(tree, stations, passed)


def station_cases_supervision_share(tree: Tree, year: int):
    """Operating township stations with enough cases and supervision hours in the year."""
    stations = operating_township_stations(tree)
    figures = ledger_figures(stations, year=year, as_of=check_date(year))
    passed = {pk for pk, f in figures.items() if f.cases_met and f.supervision_met}
    return station_share(tree, stations, passed)


def resident_hours_share(tree: Tree, year: int):
    """Resident workers of township stations meeting the rule's weekly hours in communities.

    One per (station, worker), judged by the figure the station page shows
    (`stations.rules.worker_hours`): hours of entries naming a community logged while resident
    at the station, over the weeks resident there in the year (to the check date). Four queries.
    """
    start, end = datetime.date(year, 1, 1), check_date(year)
    if end < start:
        return ratio_facts(tree, {}, {})
    stations = list(
        Station.objects.filter(
            kind=Station.Kind.TOWNSHIP_STATION, area__path__startswith=tree.root_path
        ).select_related("area")
    )
    paths = {station.pk: station.area.path for station in stations}
    workers: dict[str, int] = defaultdict(int)
    meeting: dict[str, int] = defaultdict(int)
    for station_id, figures in worker_hours(stations, year=year, as_of=end).items():
        for figure in figures:
            if figure.days_on_post:
                workers[paths[station_id]] += 1
                meeting[paths[station_id]] += figure.met
    return ratio_facts(tree, meeting, tree.roll_up(workers))


def community_social_work_coverage(tree: Tree, year: int):
    """Real communities with an operating community room or served in the station ledger in
    the year, over real communities (two queries)."""
    rooms = Station.objects.filter(
        kind=Station.Kind.COMMUNITY_ROOM,
        status=Station.Status.OPERATING,
        area__path__startswith=tree.root_path,
    ).values_list("area__path", flat=True)
    served = (
        ServiceLogEntry.objects.filter(
            community__path__startswith=tree.root_path, served_on__year=year
        )
        .values_list("community__path", flat=True)
        # Without this the ledger's ordering (date, station, entry) joins DISTINCT's columns and
        # the query returns every entry of the year: 4.5 s for Jiangsu in the national tables.
        .order_by()
        .distinct()
    )
    covered = {
        path: 1 for path in {*rooms, *served} if real_community(tree.rows.get(path, _NO_ROW))
    }
    return ratio_facts(tree, covered, tree.count(real_community))


def _contract_path(county_path: str, station_paths: list[str]) -> str:
    """The area a contract's briefings count in: the deepest area holding all its stations
    (a station's township, say), else the purchasing county."""
    if not station_paths:
        return county_path
    segments = [path.strip("/").split("/") for path in station_paths]
    shared = []
    for codes in zip(*segments, strict=False):
        if len(set(codes)) > 1:
            break
        shared.append(codes[0])
    common = "/" + "".join(f"{code}/" for code in shared)
    return common if common.startswith(county_path) else county_path


def monthly_report_timeliness(tree: Tree, year: int):
    """Monthly briefings due in the year (up to today) that were first submitted by their due
    date, over those due (two queries).

    Each contract's briefings count once, in the area of its stations (else its county), so a
    contract serving two townships is not counted twice in their county.
    """
    start, end = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    contracts = Contract.objects.filter(
        Q(area__path__startswith=tree.root_path)
        | Q(stations__area__path__startswith=tree.root_path)
    ).values("pk")
    stations: dict[int, list[str]] = defaultdict(list)
    for contract_id, path in Contract.stations.through.objects.filter(
        contract_id__in=contracts
    ).values_list("contract_id", "station__area__path"):
        stations[contract_id].append(path)
    due: dict[str, int] = defaultdict(int)
    on_time: dict[str, int] = defaultdict(int)
    for contract_id, county_path, due_count, on_time_count in (
        Report.objects.filter(
            kind=Report.Kind.MONTHLY,
            contract_id__in=contracts,
            due_date__range=(start, end),
            due_date__lt=timezone.localdate(),
        )
        .values("contract_id", "contract__area__path")
        .annotate(
            due=Count("pk"),
            on_time=Count("pk", filter=Q(first_submitted_on__lte=F("due_date"))),
        )
        .values_list("contract_id", "contract__area__path", "due", "on_time")
    ):
        path = _contract_path(county_path, stations[contract_id])
        due[path] += due_count
        on_time[path] += on_time_count
    return ratio_facts(tree, on_time, tree.roll_up(due))


_NO_ROW = AreaRow(0, "", "", "", -1, "", True, True)


REGISTRY: list[Metric] = [
    Metric(
        key="population",
        name=_("Resident population"),
        unit="persons",
        combine="sum",
        compute=population,
        description=_("The area's own figure for the year, else the sum of its children's."),
    ),
    Metric(
        key="township_station_coverage",
        name=_("Townships with an operating social-work station"),
        unit="%",
        combine="ratio",
        scale=HUNDRED,
        compute=township_station_coverage,
    ),
    Metric(
        key="community_social_work_coverage",
        name=_("Communities served by social work"),
        unit="%",
        combine="ratio",
        scale=HUNDRED,
        compute=community_social_work_coverage,
        description=_("A community room, or the station ledger naming the community in the year."),
    ),
    Metric(
        key="talent_total",
        name=_("Social-work workers"),
        unit="persons",
        combine="sum",
        compute=talent_total,
        description=_("Active workers in the registry."),
    ),
    Metric(
        key="talent_per_mille",
        name=_("Social-work workers per 1,000 residents"),
        unit="‰",
        combine="ratio",
        scale=Decimal(1000),
        compute=talent_per_mille,
        per_population=True,
    ),
    Metric(
        key="certified_per_10k",
        name=_("Certified social workers per 10,000 residents"),
        unit="per 10k",
        combine="ratio",
        scale=Decimal(10000),
        compute=certified_per_10k,
        per_population=True,
    ),
    Metric(
        key="professional_staff_total",
        name=_("Professional social workers"),
        unit="persons",
        combine="sum",
        compute=professional_staff_total,
        description=_(
            "Active workers with an intermediate or senior certificate, the assistant "
            "certificate held 3 years or more, or a social-work bachelor's degree or above."
        ),
    ),
    Metric(
        key="social_work_qualified_share",
        name=_("Workers with a social-work qualification"),
        unit="%",
        combine="ratio",
        scale=HUNDRED,
        compute=social_work_qualified_share,
        description=_(
            "Active workers with a social-work or related degree (college or above) or a "
            "national certificate, over active workers."
        ),
    ),
    Metric(
        key="urban_community_orgs_min",
        name=_("Fewest organisations in an urban community"),
        unit="orgs",
        combine="min",
        compute=orgs_min(URBAN),
    ),
    Metric(
        key="urban_community_orgs_avg",
        name=_("Organisations per urban community"),
        unit="orgs",
        combine="ratio",
        compute=orgs_avg(URBAN),
    ),
    Metric(
        key="rural_community_orgs_min",
        name=_("Fewest organisations in a rural community"),
        unit="orgs",
        combine="min",
        compute=orgs_min(RURAL),
    ),
    Metric(
        key="rural_community_orgs_avg",
        name=_("Organisations per rural community"),
        unit="orgs",
        combine="ratio",
        compute=orgs_avg(RURAL),
    ),
    Metric(
        key="monthly_report_timeliness",
        name=_("Monthly briefings submitted on time"),
        unit="%",
        combine="ratio",
        scale=HUNDRED,
        compute=monthly_report_timeliness,
        description=_(
            "Monthly briefings due in the year that were first submitted by their due date."
        ),
    ),
    Metric(
        key="brand_orgs",
        name=_("Brand community organisations"),
        unit="orgs",
        combine="sum",
        compute=brand_orgs,
    ),
    Metric(
        key="brand_projects",
        name=_("Brand projects"),
        unit="projects",
        combine="sum",
        compute=brand_projects,
    ),
    Metric(
        key="station_staffing_share",
        name=_("Township stations meeting the staffing rule"),
        unit="%",
        combine="ratio",
        scale=HUNDRED,
        compute=station_staffing_share,
    ),
    Metric(
        key="station_six_haves_share",
        name=_("Township stations meeting the six haves"),
        unit="%",
        combine="ratio",
        scale=HUNDRED,
        compute=station_six_haves_share,
    ),
    Metric(
        key="station_cases_supervision_share",
        name=_("Township stations with enough cases and supervision"),
        unit="%",
        combine="ratio",
        scale=HUNDRED,
        compute=station_cases_supervision_share,
    ),
    Metric(
        key="resident_hours_share",
        name=_("Resident workers meeting the weekly community hours"),
        unit="%",
        combine="ratio",
        scale=HUNDRED,
        compute=resident_hours_share,
    ),
    Metric(
        key="volunteer_point_coverage",
        name=_("Communities with a volunteer service point"),
        unit="%",
        combine="ratio",
        scale=HUNDRED,
        compute=volunteer_point_coverage,
    ),
    Metric(
        key="verified_volunteer_hours",
        name=_("Verified volunteer hours"),
        unit="hours",
        combine="sum",
        compute=verified_volunteer_hours,
    ),
    Metric(
        key="charity_linked_yuan",
        name=_("Charity yuan linked"),
        unit="yuan",
        combine="sum",
        compute=charity_linked_yuan,
    ),
    Metric(
        key="federation_coverage",
        name=_("Townships with a federation of community organisations"),
        unit="%",
        combine="ratio",
        scale=HUNDRED,
        compute=federation_coverage,
    ),
]


def metrics() -> list[Metric]:
    """Every metric, in display order."""
    return list(REGISTRY)


def metric_by_key() -> dict[str, Metric]:
    return {metric.key: metric for metric in REGISTRY}
