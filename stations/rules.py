"""The rules of township stations: staffing (Jinan) and the yearly ledger figures (Jinan, Beijing).

Which rule applies
    A `StaffingRule` belongs to an area. A station is judged by the most specific rule up the area
    tree from its own area (the township's, else the county's, else the city's, else the province's),
    and by `StaffingRule()`'s defaults when there is none. The seeds' rules are about township
    (street) stations, so only township stations pass or fail (`applies`); the figures of centres
    and rooms are computed all the same, for information.

Staffing (on a date, default today)
    Resident staff are the workers with a "station head" or "resident social worker" assignment
    running on that date (supervisors are not resident). The station passes when it has at least
    `min_resident_staff` of them, every one is at most `max_age` full years old on that date (from
    the birth date in the ID number) and has at least `min_education`, and the qualified ones
    (talent's Jinan social-work qualification, or Beijing's professional staff, as the rule says)
    are at least `qualified_numerator / qualified_denominator` of them: qualified × denominator ≥
    staff × numerator, so that 2 of 3 pass and 3 of 5 do not.

Ledger figures (per station and calendar year; for the current year, up to the as-of date)
    - Hours in communities per resident worker per week = C / W, where C is the total of the hours
      of the station's entries in the period that name a community served and were logged by a
      worker holding a resident assignment at the station on the entry's date, and W is the
      resident-weeks: for every resident assignment at the station, the days it overlaps the period
      (both ends included) divided by 7, summed. Three residents on post all year give W = 3 × 365/7;
      one who joined on 1 July adds 184/7. No resident-weeks: no figure (and the rule fails).
      `worker_hours` splits it by resident worker (each one's C over their own W), since the
      rule is about each worker: the station's figure can pass while one of its workers is short.
    - Service cases = the number of distinct case references among the station's individual-case
      entries in the period: the sessions of one case count once, and a case with sessions in two
      years counts in both.
    - Supervision hours = the total hours of the station's supervision entries (given or received)
      in the period. Each session is recorded once at the station supervised: by its supervisor
      ("given"), or, when the supervisor is not on the platform, by one of the staff ("received").
    Who records what (`station_services.log_entry_problems`): supervision given only a supervisor
    of the station; service work (the community kinds) and supervision received only its head
    and resident social workers, so that a supervisor's sessions never count as the station's
    cases or community hours.

Cost: `staffing_checks` and `ledger_figures` take stations already loaded (with their areas) and
issue a fixed number of queries whatever their number: the rules (1), the resident assignments
with workers and certificates (2), and for the ledger the grouped entry totals (1) and the resident
assignments' dates (1).
"""

import datetime
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from stations.areas import codes_in_path
from stations.models import ServiceLogEntry, StaffingRule, Station, StationAssignment
from talent.identity import age_on
from talent.models import Certificate
from talent.qualifications import has_social_work_qualification, is_professional_staff

Role = StationAssignment.Role
LogKind = ServiceLogEntry.Kind
RESIDENT_ROLES = (Role.HEAD, Role.RESIDENT)
SUPERVISION_KINDS = (LogKind.SUPERVISION_GIVEN, LogKind.SUPERVISION_RECEIVED)
# Kinds of work done in a community: they name the community served.
COMMUNITY_KINDS = (
    LogKind.INDIVIDUAL_CASE,
    LogKind.GROUP_WORK,
    LogKind.COMMUNITY_ACTIVITY,
    LogKind.NEEDS_SURVEY,
)
RULE_KINDS = (Station.Kind.TOWNSHIP_STATION,)
WEEK = Decimal(7)
TWO_PLACES = Decimal("0.01")


def education_rank(education: str) -> int:
    """The position of an education level in talent's list, lowest first."""
    from talent.models import Worker

    return Worker.Education.values.index(education)


# --- which rule applies --------------------------------------------------------------------------


def rules_for(stations: Iterable[Station]) -> dict[int, StaffingRule]:
    """The rule each station is judged by (by station pk). One query for all the stations.

    A default rule is an unsaved `StaffingRule()` (its `area_id` is None).
    """
    stations = list(stations)
    codes = {code for station in stations for code in codes_in_path(station.area.path)}
    by_code = {
        rule.area.code: rule
        for rule in StaffingRule.objects.filter(area__code__in=codes).select_related("area")
    }
    default = StaffingRule()
    found = {}
    for station in stations:
        found[station.pk] = next(
            (
                by_code[code]
                for code in reversed(codes_in_path(station.area.path))
                if code in by_code
            ),
            default,
        )
    return found


def rule_source(rule: StaffingRule) -> dict:
    """Where a rule comes from, for the API and the admin."""
    if rule.area_id is None:
        return {"area": None, "area_name": None, "label": _("the default rule")}
    return {
        "area": rule.area.code,
        "area_name": rule.area.name,
        "label": _("the rule of %(area)s") % {"area": rule.area.name},
    }


# --- staffing ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Failure:
    code: str
    message: str
    people: tuple[str, ...] = ()


@dataclass
class StaffingCheck:
    station_id: int
    on: datetime.date
    rule: StaffingRule
    applies: bool
    resident_staff: list[str] = field(default_factory=list)
    qualified: int = 0
    failures: list[Failure] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.failures

    def as_dict(self) -> dict:
        return {
            "on": self.on,
            "applies": self.applies,
            "passed": self.passed,
            "rule": rule_source(self.rule),
            "resident_staff": len(self.resident_staff),
            "qualified": self.qualified,
            "failures": [
                {"code": failure.code, "message": failure.message, "people": list(failure.people)}
                for failure in self.failures
            ],
        }


def resident_assignments(station_ids: Sequence[int], on: datetime.date) -> dict[int, list]:
    """The resident assignments running on `on`, with workers and certificates, by station pk.

    Cost: two queries (the assignments with their workers, then the workers' certificates).
    """
    assignments = (
        StationAssignment.objects.filter(
            station_id__in=station_ids, role__in=RESIDENT_ROLES, starts_on__lte=on
        )
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=on))
        .select_related("worker")
        .prefetch_related(Prefetch("worker__certificates", queryset=Certificate.objects.all()))
        .order_by("station_id", "worker__name", "pk")
    )
    by_station: dict[int, list] = defaultdict(list)
    for assignment in assignments:
        by_station[assignment.station_id].append(assignment)
    return by_station


def check_staffing(
    station: Station, assignments: list, rule: StaffingRule, on: datetime.date
) -> StaffingCheck:
    """Judges one station's resident staff (already loaded) against a rule. No query."""
    workers = [assignment.worker for assignment in assignments]
    check = StaffingCheck(
        station_id=station.pk,
        on=on,
        rule=rule,
        applies=station.kind in RULE_KINDS,
        resident_staff=[worker.name for worker in workers],
    )
    if len(workers) < rule.min_resident_staff:
        check.failures.append(
            Failure(
                "too_few_staff",
                _("%(count)d resident staff; the rule asks for at least %(minimum)d.")
                % {"count": len(workers), "minimum": rule.min_resident_staff},
            )
        )
    over_age = [
        f"{worker.name} ({age_on(worker.birth_date, on)})"
        for worker in workers
        if age_on(worker.birth_date, on) > rule.max_age
    ]
    if over_age:
        check.failures.append(
            Failure(
                "over_age",
                _("Older than %(age)d on %(date)s: %(people)s.")
                % {"age": rule.max_age, "date": on.isoformat(), "people": ", ".join(over_age)},
                tuple(over_age),
            )
        )
    minimum = education_rank(rule.min_education)
    below = [worker.name for worker in workers if education_rank(worker.education) < minimum]
    if below:
        check.failures.append(
            Failure(
                "below_education",
                _("Education below %(education)s: %(people)s.")
                % {"education": rule.get_min_education_display(), "people": ", ".join(below)},
                tuple(below),
            )
        )
    qualifies = (
        is_professional_staff
        if rule.qualification == StaffingRule.Qualification.PROFESSIONAL
        else has_social_work_qualification
    )
    unqualified = [worker.name for worker in workers if not qualifies(worker, on)]
    check.qualified = len(workers) - len(unqualified)
    if workers and check.qualified * rule.qualified_denominator < (
        len(workers) * rule.qualified_numerator
    ):
        check.failures.append(
            Failure(
                "too_few_qualified",
                _(
                    "%(qualified)d of %(count)d resident staff qualified; the rule asks for at "
                    "least %(numerator)d/%(denominator)d. Not qualified: %(people)s."
                )
                % {
                    "qualified": check.qualified,
                    "count": len(workers),
                    "numerator": rule.qualified_numerator,
                    "denominator": rule.qualified_denominator,
                    "people": ", ".join(unqualified),
                },
                tuple(unqualified),
            )
        )
    return check


def staffing_checks(
    stations: Iterable[Station],
    *,
    on: datetime.date | None = None,
    rules: dict[int, StaffingRule] | None = None,
) -> dict[int, StaffingCheck]:
    """The staffing check of every station on `on` (default today), by station pk.

    Cost: three queries whatever the number of stations (see the module docstring).
    """
    stations = list(stations)
    on = on or timezone.localdate()
    rules = rules if rules is not None else rules_for(stations)
    assignments = resident_assignments([station.pk for station in stations], on)
    return {
        station.pk: check_staffing(station, assignments.get(station.pk, []), rules[station.pk], on)
        for station in stations
    }


# --- ledger figures ------------------------------------------------------------------------------


@dataclass
class LedgerFigures:
    station_id: int
    year: int
    period_start: datetime.date
    period_end: datetime.date | None  # None: the year has not started by the as-of date
    rule: StaffingRule
    applies: bool
    community_hours: Decimal = Decimal(0)
    resident_weeks: Decimal = Decimal(0)
    cases: int = 0
    supervision_hours: Decimal = Decimal(0)
    entries: int = 0

    @property
    def hours_per_resident_week(self) -> Decimal | None:
        if not self.resident_weeks:
            return None
        return (self.community_hours / self.resident_weeks).quantize(
            TWO_PLACES, rounding=ROUND_HALF_UP
        )

    @property
    def community_hours_met(self) -> bool:
        figure = self.hours_per_resident_week
        return figure is not None and figure >= self.rule.min_community_hours_per_week

    @property
    def cases_met(self) -> bool:
        return self.cases >= self.rule.min_service_cases

    @property
    def supervision_met(self) -> bool:
        return self.supervision_hours >= self.rule.min_supervision_hours

    @property
    def passed(self) -> bool:
        return self.community_hours_met and self.cases_met and self.supervision_met

    def as_dict(self) -> dict:
        rule = self.rule
        return {
            "year": self.year,
            "period_start": self.period_start,
            "period_end": self.period_end,
            "applies": self.applies,
            "passed": self.passed,
            "rule": rule_source(rule),
            "entries": self.entries,
            "community_hours": self.community_hours,
            "resident_weeks": self.resident_weeks.quantize(TWO_PLACES, rounding=ROUND_HALF_UP),
            "hours_per_resident_week": self.hours_per_resident_week,
            "min_hours_per_resident_week": rule.min_community_hours_per_week,
            "community_hours_met": self.community_hours_met,
            "cases": self.cases,
            "min_cases": rule.min_service_cases,
            "cases_met": self.cases_met,
            "supervision_hours": self.supervision_hours,
            "min_supervision_hours": rule.min_supervision_hours,
            "supervision_met": self.supervision_met,
        }


def ledger_period(
    year: int, as_of: datetime.date | None = None
) -> tuple[datetime.date, datetime.date | None]:
    """The calendar year, cut at the as-of date (default today); end None if not yet begun."""
    as_of = as_of or timezone.localdate()
    start, end = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    end = min(end, as_of)
    return start, (end if end >= start else None)


def overlap_days(
    starts_on: datetime.date,
    ends_on: datetime.date | None,
    period_start: datetime.date,
    period_end: datetime.date,
) -> int:
    """Days of an assignment inside the period, both ends included (0 when apart)."""
    first = max(starts_on, period_start)
    last = min(ends_on or period_end, period_end)
    return max((last - first).days + 1, 0)


def ledger_figures(
    stations: Iterable[Station],
    *,
    year: int,
    as_of: datetime.date | None = None,
    rules: dict[int, StaffingRule] | None = None,
) -> dict[int, LedgerFigures]:
    """The ledger figures of every station for `year`, by station pk (see the module docstring).

    Cost: three queries whatever the number of stations: the rules, one grouped query over the
    entries, and the dates of the resident assignments.
    """
    stations = list(stations)
    ids = [station.pk for station in stations]
    rules = rules if rules is not None else rules_for(stations)
    start, end = ledger_period(year, as_of)
    figures = {
        station.pk: LedgerFigures(
            station_id=station.pk,
            year=year,
            period_start=start,
            period_end=end,
            rule=rules[station.pk],
            applies=station.kind in RULE_KINDS,
        )
        for station in stations
    }
    if end is None or not ids:
        return figures

    by_resident = _by_resident_on_the_day()
    totals = (
        ServiceLogEntry.objects.filter(station_id__in=ids, served_on__range=(start, end))
        .values("station_id")
        .annotate(
            entries=Count("pk"),
            community_hours=Sum("hours", filter=Q(community__isnull=False) & Q(by_resident)),
            cases=Count("case_reference", filter=Q(kind=LogKind.INDIVIDUAL_CASE), distinct=True),
            supervision_hours=Sum("hours", filter=Q(kind__in=SUPERVISION_KINDS)),
        )
        .order_by()
    )
    for row in totals:
        figure = figures[row["station_id"]]
        figure.entries = row["entries"]
        figure.community_hours = row["community_hours"] or Decimal(0)
        figure.cases = row["cases"]
        figure.supervision_hours = row["supervision_hours"] or Decimal(0)

    assignments = (
        StationAssignment.objects.filter(
            station_id__in=ids, role__in=RESIDENT_ROLES, starts_on__lte=end
        )
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=start))
        .values_list("station_id", "starts_on", "ends_on")
    )
    days: dict[int, int] = defaultdict(int)
    for station_id, starts_on, ends_on in assignments:
        days[station_id] += overlap_days(starts_on, ends_on, start, end)
    for station_id, total in days.items():
        figures[station_id].resident_weeks = Decimal(total) / WEEK
    return figures


# --- per resident worker ------------------------------------------------------------------------


@dataclass
class WorkerHours:
    """One resident worker's hours in communities at a station in a year, per week on post."""

    worker_id: int
    name: str
    minimum: Decimal
    community_hours: Decimal = Decimal(0)
    days_on_post: int = 0

    @property
    def resident_weeks(self) -> Decimal:
        return Decimal(self.days_on_post) / WEEK

    @property
    def hours_per_week(self) -> Decimal | None:
        if not self.days_on_post:
            return None
        return (self.community_hours / self.resident_weeks).quantize(
            TWO_PLACES, rounding=ROUND_HALF_UP
        )

    @property
    def met(self) -> bool:
        figure = self.hours_per_week
        return figure is not None and figure >= self.minimum

    def as_dict(self) -> dict:
        return {
            "worker": self.worker_id,
            "name": self.name,
            "days_on_post": self.days_on_post,
            "resident_weeks": self.resident_weeks.quantize(TWO_PLACES, rounding=ROUND_HALF_UP),
            "community_hours": self.community_hours,
            "hours_per_week": self.hours_per_week,
            "min_hours_per_week": self.minimum,
            "met": self.met,
        }


def _by_resident_on_the_day() -> Exists:
    """The entry was logged by a worker holding a resident assignment at its station that day."""
    return Exists(
        StationAssignment.objects.filter(
            station_id=OuterRef("station_id"),
            worker_id=OuterRef("worker_id"),
            role__in=RESIDENT_ROLES,
            starts_on__lte=OuterRef("served_on"),
        ).filter(Q(ends_on__isnull=True) | Q(ends_on__gte=OuterRef("served_on")))
    )


def worker_hours(
    stations: Iterable[Station],
    *,
    year: int,
    as_of: datetime.date | None = None,
    rules: dict[int, StaffingRule] | None = None,
) -> dict[int, list[WorkerHours]]:
    """Jinan's "24 hours a week in communities" for each resident worker, by station pk.

    The station's figure (`LedgerFigures.hours_per_resident_week`) split by worker: a worker's
    community hours C (as counted there: entries naming a community, logged while resident at
    the station) over their own resident-weeks W (the days their resident assignments at the
    station overlap the period, divided by 7). Workers who were never resident in the period are
    left out; the list is by name. Cost: three queries whatever the number of stations.
    """
    stations = list(stations)
    ids = [station.pk for station in stations]
    rules = rules if rules is not None else rules_for(stations)
    found: dict[int, list[WorkerHours]] = {station.pk: [] for station in stations}
    start, end = ledger_period(year, as_of)
    if end is None or not ids:
        return found
    assignments = (
        StationAssignment.objects.filter(
            station_id__in=ids, role__in=RESIDENT_ROLES, starts_on__lte=end
        )
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=start))
        .values_list("station_id", "worker_id", "worker__name", "starts_on", "ends_on")
    )
    by_key: dict[tuple[int, int], WorkerHours] = {}
    for station_id, worker_id, name, starts_on, ends_on in assignments:
        key = (station_id, worker_id)
        if key not in by_key:
            minimum = rules[station_id].min_community_hours_per_week
            by_key[key] = WorkerHours(worker_id=worker_id, name=name, minimum=minimum)
        by_key[key].days_on_post += overlap_days(starts_on, ends_on, start, end)
    totals = (
        ServiceLogEntry.objects.filter(
            station_id__in=ids, served_on__range=(start, end), community__isnull=False
        )
        .filter(_by_resident_on_the_day())
        .values("station_id", "worker_id")
        .annotate(hours=Sum("hours"))
        .order_by()
    )
    for row in totals:
        figure = by_key.get((row["station_id"], row["worker_id"]))
        if figure is not None:
            figure.community_hours = row["hours"] or Decimal(0)
    for (station_id, _worker_id), figure in sorted(
        by_key.items(), key=lambda item: (item[1].name, item[0][1])
    ):
        found[station_id].append(figure)
    return found


# --- both, for a page or a subtree ---------------------------------------------------------------


def rule_results(
    stations: Iterable[Station], *, on: datetime.date | None = None, year: int | None = None
) -> tuple[dict[int, StaffingCheck], dict[int, LedgerFigures]]:
    """The staffing checks on `on` and the ledger figures of `year` (default: `on`'s year).

    Cost: five queries whatever the number of stations (the rules are read once for both).
    """
    stations = list(stations)
    on = on or timezone.localdate()
    rules = rules_for(stations)
    return (
        staffing_checks(stations, on=on, rules=rules),
        ledger_figures(stations, year=year or on.year, as_of=on, rules=rules),
    )
