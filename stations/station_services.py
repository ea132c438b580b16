"""Writes to the service network: stations, their status, and six-haves inspections with evidence.

Every service checks that the actor reaches the station's area, validates, then saves. The checks
that need no actor live in `*_validate` functions, which the admin forms run too, so that a broken
rule shows on the form instead of failing on save.
"""

import datetime
from collections.abc import Iterable
from decimal import Decimal
from pathlib import PurePath

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from projects.models import Contract, Contractor
from stations.access import actor_root_path, area_assert_in_scope, area_in_scope, scope_to_actor
from stations.areas import codes_in_path
from stations.evidence import sniff_content_type
from stations.models import (
    AdminArea,
    InspectionEvidence,
    ServiceLogEntry,
    StaffingRule,
    Station,
    StationAssignment,
    StationInspection,
    StationStatusChange,
)
from stations.rules import COMMUNITY_KINDS, RESIDENT_ROLES, SUPERVISION_KINDS
from stations.signboards import signboard_name
from talent.models import WORKER_REACH, Worker

Kind = Station.Kind
Status = Station.Status
Level = AdminArea.Level

KIND_LEVELS: dict[str, int] = {
    Kind.CITY_CENTRE: Level.CITY,
    Kind.COUNTY_CENTRE: Level.COUNTY,
    Kind.TOWNSHIP_STATION: Level.TOWNSHIP,
    Kind.COMMUNITY_ROOM: Level.COMMUNITY,
}
LEVEL_KINDS: dict[int, str] = {level: kind for kind, level in KIND_LEVELS.items()}
# Kinds of which an area has at most one open body (the UniqueConstraint on Station says the same).
ONE_PER_AREA_KINDS = (Kind.CITY_CENTRE, Kind.COUNTY_CENTRE, Kind.TOWNSHIP_STATION)
# The lifecycle. A closed body stays closed: reopening is a new station (its history stays apart).
STATUS_TRANSITIONS: dict[str, set[str]] = {
    Status.PLANNED: {Status.BUILDING, Status.OPERATING, Status.CLOSED},
    Status.BUILDING: {Status.OPERATING, Status.SUSPENDED, Status.CLOSED},
    Status.OPERATING: {Status.SUSPENDED, Status.CLOSED},
    Status.SUSPENDED: {Status.OPERATING, Status.CLOSED},
    Status.CLOSED: set(),
}
OPEN_STATUSES = (Status.OPERATING, Status.SUSPENDED)
Role = StationAssignment.Role
LogKind = ServiceLogEntry.Kind
# Kinds only resident staff record: the service work the ledger rules count, and the supervision
# the station's staff receive. A supervisor records supervision given, training and other work.
RESIDENT_KINDS = (*COMMUNITY_KINDS, LogKind.SUPERVISION_RECEIVED)


def _error(field: str, message: str, code: str) -> ValidationError:
    return ValidationError({field: ValidationError(message, code=code)})


# --- stations ------------------------------------------------------------------------------------


def station_signboard(station: Station, *, names: dict[str, str] | None = None) -> str:
    """The station's signboard name from its area and the area's ancestors.

    `names` maps area codes to names (imports pass every name at once); without it, one query
    reads the names of the area's ancestors.
    """
    area = station.area
    codes = codes_in_path(area.path) if area.path else [area.code]
    if names is None:
        names = dict(AdminArea.objects.filter(code__in=codes[-3:-1]).values_list("code", "name"))
    parent = names.get(codes[-2], "") if len(codes) >= 2 else ""
    grandparent = names.get(codes[-3], "") if len(codes) >= 3 else ""
    county = township = ""
    if station.kind == Kind.TOWNSHIP_STATION:
        county = parent
    elif station.kind == Kind.COMMUNITY_ROOM:
        county, township = grandparent, parent
    return signboard_name(
        station.kind, area_name=area.name, township_name=township, county_name=county
    )


# Codes per query of the signboard refresh, well under SQLite's limit of bound parameters.
REFRESH_BATCH = 500


def station_signboards_refresh(*, area_codes: Iterable[str]) -> int:
    """Regenerates the signboard names of the stations whose name reads the renamed or moved
    areas `area_codes`: stations of those areas and of their children and grandchildren (a
    signboard names the area and at most two ancestors). A station's name that was its old
    signboard name (the default a new station gets) follows it. Returns the stations changed.

    Runs in the caller's transaction (the area's rename). Cost: per batch of 500 codes one
    query for the stations and one for their ancestors' names, then one bulk UPDATE.
    """
    codes = sorted(set(area_codes))
    changed: dict[int, Station] = {}
    for first in range(0, len(codes), REFRESH_BATCH):
        batch = codes[first : first + REFRESH_BATCH]
        stations = list(
            Station.objects.filter(
                Q(area__code__in=batch)
                | Q(area__parent_id__in=batch)
                | Q(area__parent__parent_id__in=batch)
            )
            .select_related("area")
            .only("pk", "kind", "name", "signboard_name", "area__code", "area__name", "area__path")
        )
        ancestors = {
            code for station in stations for code in codes_in_path(station.area.path)[-3:-1]
        }
        names = dict(AdminArea.objects.filter(code__in=ancestors).values_list("code", "name"))
        for station in stations:
            signboard = station_signboard(station, names=names)
            if station.pk not in changed and signboard != station.signboard_name:
                if station.name == station.signboard_name:
                    station.name = signboard
                station.signboard_name = signboard
                station.updated_at = timezone.now()
                changed[station.pk] = station
    Station.objects.bulk_update(
        changed.values(), ["signboard_name", "name", "updated_at"], batch_size=500
    )
    return len(changed)


def _stored_station(station: Station) -> Station | None:
    if station.pk is None:
        return None
    return Station.objects.filter(pk=station.pk).select_related("area").first()


def station_validate(station: Station, *, stored: Station | None = None) -> None:
    """Every rule of a station that needs no actor; raises ValidationError naming the fields.

    Cost: a few small queries (the stored row, the open body of the area, the county's contracts).
    """
    if stored is None:
        stored = _stored_station(station)
    area = station.area if station.area_id else None
    if area is not None and not station.kind:
        station.kind = LEVEL_KINDS.get(area.level, "")
    errors: dict[str, list[ValidationError]] = {}

    def add(field: str, message: str, code: str) -> None:
        errors.setdefault(field, []).append(ValidationError(message, code=code))

    if area is not None and station.kind in KIND_LEVELS:
        expected = KIND_LEVELS[station.kind]
        if area.level != expected:
            add(
                "area",
                _("A %(kind)s belongs to a %(expected)s area; %(area)s is a %(level)s area.")
                % {
                    "kind": str(Kind(station.kind).label).lower(),
                    "expected": str(Level(expected).label).lower(),
                    "area": area.name,
                    "level": str(Level(area.level).label).lower(),
                },
                "station_area_level",
            )
    if stored is not None:
        if area is not None and stored.area_id != area.pk:
            add(
                "area",
                _("A station cannot move to another area; close it and record a new one."),
                "station_area_fixed",
            )
        if station.kind != stored.kind:
            add("kind", _("The kind of a station cannot change."), "station_kind_fixed")
        if station.status != stored.status:
            if station.status not in STATUS_TRANSITIONS.get(stored.status, set()):
                add(
                    "status",
                    _("A station cannot go from “%(from)s” to “%(to)s”.")
                    % {
                        "from": Status(stored.status).label,
                        "to": Status(station.status).label
                        if station.status in Status.values
                        else station.status,
                    },
                    "station_status_transition",
                )
            if station.status_since and station.status_since == stored.status_since:
                if stored.status_since < timezone.localdate():
                    add(
                        "status_since",
                        _("Give the date of this status change."),
                        "station_status_date_missing",
                    )
            elif station.status_since and station.status_since < stored.status_since:
                add(
                    "status_since",
                    _("A status change cannot be dated before the previous one (%(date)s).")
                    % {"date": stored.status_since.isoformat()},
                    "station_status_date_order",
                )
        elif station.status_since != stored.status_since:
            # The date belongs to the status change on record (`StationStatusChange`): moving it
            # alone would leave the history saying otherwise.
            add(
                "status_since",
                _(
                    "The status date changes only with the status; the current status dates "
                    "from %(date)s."
                )
                % {"date": stored.status_since.isoformat()},
                "station_status_date_without_change",
            )
    if station.status_since and station.status_since > timezone.localdate():
        add(
            "status_since",
            _("A status change cannot be dated in the future."),
            "station_status_date_future",
        )
    if station.status in OPEN_STATUSES and station.opened_on is None:
        add(
            "opened_on",
            _("An operating or suspended station needs its opening date."),
            "station_opening_date_missing",
        )
    if (
        station.status in OPEN_STATUSES
        and station.opened_on
        and station.status_since
        and station.opened_on > station.status_since
    ):
        add(
            "opened_on",
            _("The opening date cannot be after the date of the current status."),
            "station_opening_date_order",
        )
    if station.operator == Station.Operator.CONTRACTOR and not station.contractor_id:
        add(
            "contractor",
            _("Name the contractor that runs the station."),
            "station_contractor_missing",
        )
    if station.operator == Station.Operator.GOVERNMENT and station.contractor_id:
        add(
            "contractor",
            _("A station run by the government directly has no contractor."),
            "station_contractor_unexpected",
        )
    if (station.longitude is None) != (station.latitude is None):
        add(
            "latitude",
            _("Give both coordinates or neither."),
            "station_coordinates_pair",
        )
    if area is not None and station.kind in ONE_PER_AREA_KINDS and station.status != Status.CLOSED:
        other = (
            Station.objects.filter(area=area, kind=station.kind)
            .exclude(status=Status.CLOSED)
            .exclude(pk=station.pk)
            .values_list("pk", "signboard_name")
            .first()
        )
        if other is not None:
            add(
                "area",
                _("%(area)s already has a %(kind)s: %(name)s (station %(pk)d).")
                % {
                    "area": area.name,
                    "kind": Kind(station.kind).label.lower(),
                    "name": other[1],
                    "pk": other[0],
                },
                "station_one_per_area",
            )
    if area is not None and station.contractor_id and "contractor" not in errors:
        conflict = _same_contractor_conflict(station, area)
        if conflict:
            add("contractor", conflict, "station_contractor_same_as_county")
    if (
        area is not None
        and station.contractor_id
        and "contractor" not in errors
        and _contract_check_due(station, stored)
        and not _covered_by_contract(station, area)
    ):
        add(
            "contractor",
            _(
                "%(contractor)s has no contract in force for this station: a signed or active "
                "contract of theirs, running today (or, for a station not yet open, starting "
                "later), that names the station or its township. Record the contract first, or "
                "say who runs the station."
            )
            % {"contractor": station.contractor.name},
            "station_contractor_without_contract",
        )
    if errors:
        raise ValidationError(errors)
    if area is not None:
        station.signboard_name = station_signboard(station)
    station.full_clean(exclude=["signboard_name"] if area is None else None)


def _contract_check_due(station: Station, stored: Station | None) -> bool:
    """Whether a contractor-run station must show its contract now: when it is recorded, when
    who runs it changes, and when it opens. A closed station is history; a city centre's
    contract is not bought by a county, so none is on the platform to check."""
    if station.status == Status.CLOSED or station.kind == Kind.CITY_CENTRE:
        return False
    if stored is None:
        return True
    return (
        stored.contractor_id != station.contractor_id
        or stored.operator != station.operator
        or (station.status == Status.OPERATING and stored.status != Status.OPERATING)
    )


def _covered_by_contract(station: Station, area: AdminArea) -> bool:
    """Whether the station's contractor holds a contract in force that covers the station.

    In force: signed or active, and running today (a station not yet open may be covered by a
    contract starting later). Covering: the contract names the station; or, for a township
    station, its township among the landing townships (a room, its township); or, for a county
    centre, the contract is the county's own and names no landing township (the total
    station's contract). Cost: one query.
    """
    today = timezone.localdate()
    contracts = Contract.objects.filter(
        contractor_id=station.contractor_id,
        status__in=[Contract.Status.SIGNED, Contract.Status.ACTIVE],
        end_date__gte=today,
    )
    if station.status in OPEN_STATUSES:
        contracts = contracts.filter(start_date__lte=today)
    covers = Q(stations=station.pk) if station.pk else Q(pk__in=[])
    if station.kind == Kind.TOWNSHIP_STATION:
        covers |= Q(townships=area)
    elif station.kind == Kind.COMMUNITY_ROOM and area.parent_id:
        covers |= Q(townships__code=area.parent_id)
    elif station.kind == Kind.COUNTY_CENTRE:
        covers |= Q(area=area, townships__isnull=True)
    return contracts.filter(covers).exists()


def _same_contractor_conflict(station: Station, area: AdminArea) -> str | None:
    """Jinan: a county's total station and its township stations are not run by one contractor."""
    if station.kind == Kind.TOWNSHIP_STATION and area.parent_id:
        clash = Station.objects.filter(
            area_id=AdminArea.objects.filter(code=area.parent_id).values("pk")[:1],
            kind=Kind.COUNTY_CENTRE,
            contractor_id=station.contractor_id,
        ).exclude(status=Status.CLOSED)
        if clash.exists():
            return _(
                "This contractor runs the county centre; the county centre and the township "
                "stations of one county are not contracted to the same entity."
            )
    if station.kind == Kind.COUNTY_CENTRE:
        clash = Station.objects.filter(
            area__parent_id=area.code,
            kind=Kind.TOWNSHIP_STATION,
            contractor_id=station.contractor_id,
        ).exclude(status=Status.CLOSED)
        if clash.exists():
            return _(
                "This contractor runs a township station of this county; the county centre and "
                "the township stations of one county are not contracted to the same entity."
            )
    return None


def contractors_within_reach(*, actor) -> QuerySet[Contractor]:
    """The contractors an actor may name as running a station: those kept by an area in the
    actor's subtree or by one above it (a contractor registered with the city serves its counties).
    """
    root = actor_root_path(actor)
    if root is None:
        return Contractor.objects.none()
    if root == "":
        return Contractor.objects.all()
    codes = codes_in_path(root)
    return Contractor.objects.filter(Q(area__path__startswith=root) | Q(area__code__in=codes[:-1]))


def _assert_contractor_in_scope(station: Station, *, actor) -> None:
    if (
        station.contractor_id
        and not contractors_within_reach(actor=actor).filter(pk=station.contractor_id).exists()
    ):
        raise _error("contractor", _("No such contractor within your reach."), "out_of_scope")


@transaction.atomic
def station_save(*, actor, station: Station, note: str = "") -> Station:
    """Creates or updates a station; a new station or a changed status adds a status change.

    The status history is written only here (and through `station_change_status`, which calls
    this), so that it always agrees with the station's status.
    """
    area_assert_in_scope(station.area if station.area_id else None, actor=actor)
    stored = _stored_station(station)
    if stored is not None:
        area_assert_in_scope(stored.area, actor=actor)
    _assert_contractor_in_scope(station, actor=actor)
    if station.status_since is None:
        unchanged = stored is not None and stored.status == station.status
        station.status_since = stored.status_since if unchanged else timezone.localdate()
    station_validate(station, stored=stored)
    station.name = station.name or station.signboard_name
    station.save()
    if stored is None or stored.status != station.status:
        StationStatusChange.objects.create(
            station=station,
            from_status=stored.status if stored else "",
            to_status=station.status,
            changed_on=station.status_since,
            note=note,
            recorded_by=actor if actor and actor.pk else None,
        )
    return station


@transaction.atomic
def station_change_status(
    *, actor, station: Station, status: str, on: datetime.date, note: str = ""
) -> Station:
    """Moves a station to `status` on date `on`; opening sets the opening date if it had none."""
    station.status = status
    station.status_since = on
    if status == Status.OPERATING and station.opened_on is None:
        station.opened_on = on
    return station_save(actor=actor, station=station, note=note)


@transaction.atomic
def station_delete(*, actor, station: Station) -> None:
    """Deletes a station recorded by mistake; one with a record of work is closed instead."""
    area_assert_in_scope(station.area, actor=actor)
    if station.inspections.exists():
        raise ValidationError(
            _("%(name)s has inspections on record; close it instead of deleting it.")
            % {"name": station},
            code="station_has_records",
        )
    _assert_nothing_recorded(station)
    station.delete()


def _assert_nothing_recorded(station: Station) -> None:
    if station.assignments.exists() or station.service_log_entries.exists():
        raise ValidationError(
            _("%(name)s has staff or ledger records; close it instead of deleting it.")
            % {"name": station},
            code="station_has_records",
        )


# --- six-haves inspections -----------------------------------------------------------------------


def inspection_validate(inspection: StationInspection) -> None:
    """The inspection's own rules: a real station, not in the future, one a day."""
    if inspection.station_id:
        inspection.area_id = inspection.station.area_id
    if inspection.pk is not None:
        stored_station = (
            StationInspection.objects.filter(pk=inspection.pk)
            .values_list("station_id", flat=True)
            .first()
        )
        if stored_station is not None and stored_station != inspection.station_id:
            raise _error(
                "station",
                _("An inspection cannot move to another station."),
                "inspection_station_fixed",
            )
    if inspection.inspected_on and inspection.inspected_on > timezone.localdate():
        raise _error(
            "inspected_on",
            _("An inspection cannot be dated in the future."),
            "inspection_date_future",
        )
    inspection.full_clean()


@transaction.atomic
def inspection_save(*, actor, inspection: StationInspection) -> StationInspection:
    """Creates or updates a six-haves inspection of a station the actor reaches."""
    station = inspection.station if inspection.station_id else None
    area_assert_in_scope(station.area if station else None, actor=actor, field="station")
    if inspection.pk is not None:
        stored_area = (
            AdminArea.objects.filter(
                pk=StationInspection.objects.filter(pk=inspection.pk).values("area_id")[:1]
            )
            .only("path")
            .first()
        )
        area_assert_in_scope(stored_area, actor=actor, field="station")
    inspection_validate(inspection)
    inspection.save()
    return inspection


@transaction.atomic
def inspection_delete(*, actor, inspection: StationInspection) -> None:
    """Deletes an inspection and its evidence files."""
    area_assert_in_scope(inspection.area, actor=actor, field="station")
    files = [evidence.file.name for evidence in inspection.evidence.all()]
    inspection.delete()
    _delete_files_on_commit(files)


def _delete_files_on_commit(names: list[str]) -> None:
    from django.core.files.storage import default_storage

    def delete() -> None:
        for name in names:
            if name:
                default_storage.delete(name)

    transaction.on_commit(delete)


def evidence_validate(evidence: InspectionEvidence) -> None:
    """Checks the file (type from its bytes, size) and fills in its type, name and size."""
    evidence.full_clean(exclude=["content_type", "original_name", "size"])
    upload = evidence.file
    evidence.content_type = sniff_content_type(upload) or ""
    evidence.original_name = PurePath(upload.name or "").name[-200:]
    evidence.size = upload.size


@transaction.atomic
def evidence_add(*, actor, evidence: InspectionEvidence) -> InspectionEvidence:
    """Stores an evidence file of an inspection the actor reaches. Files are never replaced."""
    inspection = evidence.inspection if evidence.inspection_id else None
    area_assert_in_scope(inspection.area if inspection else None, actor=actor, field="inspection")
    if evidence.pk is not None:
        raise ValidationError(
            _("Evidence files are not changed; delete the file and add another."),
            code="evidence_immutable",
        )
    evidence_validate(evidence)
    evidence.uploaded_by = actor if actor and actor.pk else None
    evidence.save()
    return evidence


@transaction.atomic
def evidence_delete(*, actor, evidence: InspectionEvidence) -> None:
    """Deletes an evidence file (row now, file once the transaction commits)."""
    area_assert_in_scope(evidence.inspection.area, actor=actor, field="inspection")
    name = evidence.file.name
    evidence.delete()
    _delete_files_on_commit([name])


# --- rules ---------------------------------------------------------------------------------------


def rule_validate(rule: StaffingRule) -> None:
    rule.full_clean()


@transaction.atomic
def rule_save(*, actor, rule: StaffingRule) -> StaffingRule:
    """Creates or updates the station rule of an area the actor reaches."""
    area_assert_in_scope(rule.area if rule.area_id else None, actor=actor)
    if rule.pk is not None:
        stored = StaffingRule.objects.filter(pk=rule.pk).select_related("area").first()
        if stored is not None:
            area_assert_in_scope(stored.area, actor=actor)
    rule_validate(rule)
    rule.save()
    return rule


@transaction.atomic
def rule_delete(*, actor, rule: StaffingRule) -> None:
    """Deletes an area's rule; its stations fall back to the rule above (or the default)."""
    area_assert_in_scope(rule.area, actor=actor)
    rule.delete()


# --- staff assignments ---------------------------------------------------------------------------


def _covers(assignment, day: datetime.date) -> bool:
    return assignment.starts_on <= day and (assignment.ends_on is None or assignment.ends_on >= day)


def assignment_validate(assignment: StationAssignment) -> None:
    """The assignment's own rules and "no worker resident at two stations at once".

    Cost: three small queries (the stored row, overlapping resident assignments, ledger entries
    the change would leave without an assignment).
    """
    if assignment.station_id:
        assignment.area_id = assignment.station.area_id
    assignment.full_clean()
    errors: dict[str, list[ValidationError]] = {}

    def add(field: str, message: str, code: str) -> None:
        errors.setdefault(field, []).append(ValidationError(message, code=code))

    stored = None
    if assignment.pk is not None:
        stored = StationAssignment.objects.filter(pk=assignment.pk).first()
    if stored is not None:
        if stored.station_id != assignment.station_id:
            add("station", _("An assignment cannot move to another station."), "assignment_fixed")
        if stored.worker_id != assignment.worker_id:
            add("worker", _("An assignment cannot pass to another worker."), "assignment_fixed")
    station = assignment.station
    if station.status == Status.CLOSED and assignment.starts_on > station.status_since:
        add(
            "starts_on",
            _("The station closed on %(date)s.") % {"date": station.status_since.isoformat()},
            "assignment_station_closed",
        )
    if assignment.role in RESIDENT_ROLES:
        clash = (
            StationAssignment.objects.filter(
                worker_id=assignment.worker_id,
                role__in=RESIDENT_ROLES,
                starts_on__lte=assignment.ends_on or datetime.date.max,
            )
            .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=assignment.starts_on))
            .exclude(pk=assignment.pk)
            .select_related("station")
            .first()
        )
        if clash is not None:
            add(
                "worker",
                _(
                    "%(worker)s is already resident staff at %(station)s from %(start)s to "
                    "%(end)s; a worker is resident at one station at a time."
                )
                % {
                    "worker": assignment.worker.name,
                    "station": clash.station,
                    "start": clash.starts_on.isoformat(),
                    "end": clash.ends_on.isoformat() if clash.ends_on else _("open end"),
                },
                "assignment_overlap",
            )
    if stored is not None and not errors:
        stranded = _entries_left_uncovered(assignment)
        if stranded:
            add(
                "starts_on",
                _(
                    "%(count)d ledger entries of %(worker)s at this station (first on %(date)s) "
                    "would fall outside every assignment."
                )
                % {
                    "count": len(stranded),
                    "worker": assignment.worker.name,
                    "date": stranded[0].isoformat(),
                },
                "assignment_strands_entries",
            )
    if errors:
        raise ValidationError(errors)


def _entries_left_uncovered(assignment: StationAssignment | None, *, deleted=None) -> list:
    """Dates of the worker's ledger entries at the station that no assignment would cover once
    `assignment` is saved (or `deleted` is deleted)."""
    changed = assignment or deleted
    others = list(
        StationAssignment.objects.filter(
            station_id=changed.station_id, worker_id=changed.worker_id
        ).exclude(pk=changed.pk)
    )
    if assignment is not None:
        others.append(assignment)
    dates = ServiceLogEntry.objects.filter(
        station_id=changed.station_id, worker_id=changed.worker_id
    ).values_list("served_on", flat=True)
    return sorted(day for day in set(dates) if not any(_covers(other, day) for other in others))


def _assert_worker_in_scope(worker, *, actor) -> None:
    """A worker kept in the actor's subtree, or linked to an area in it (WORKER_REACH).

    Cost: none when the own area is in reach, else one query for the links.
    """
    reached = worker is not None and (
        area_in_scope(worker.area, actor=actor)
        or scope_to_actor(
            Worker.objects.filter(pk=worker.pk), actor=actor, area_field=WORKER_REACH
        ).exists()
    )
    if not reached:
        raise _error("worker", _("No such worker within your reach."), "out_of_scope")


@transaction.atomic
def assignment_save(*, actor, assignment: StationAssignment) -> StationAssignment:
    """Puts a worker on a station's staff (or changes the assignment)."""
    station = assignment.station if assignment.station_id else None
    area_assert_in_scope(station.area if station else None, actor=actor, field="station")
    _assert_worker_in_scope(assignment.worker if assignment.worker_id else None, actor=actor)
    if assignment.pk is not None:
        stored = StationAssignment.objects.filter(pk=assignment.pk).select_related("area").first()
        if stored is not None:
            area_assert_in_scope(stored.area, actor=actor, field="station")
    # Serialises concurrent assignments of one worker, so that two cannot both pass the overlap
    # check (on PostgreSQL; SQLite writes one transaction at a time anyway).
    Worker.objects.select_for_update().filter(pk=assignment.worker_id).exists()
    assignment_validate(assignment)
    assignment.save()
    return assignment


@transaction.atomic
def assignment_delete(*, actor, assignment: StationAssignment) -> None:
    """Deletes an assignment recorded by mistake; one with ledger entries is ended instead."""
    area_assert_in_scope(assignment.area, actor=actor, field="station")
    if _entries_left_uncovered(None, deleted=assignment):
        raise ValidationError(
            _("This worker has ledger entries under this assignment; give it an end date instead."),
            code="assignment_has_entries",
        )
    assignment.delete()


# --- the service ledger --------------------------------------------------------------------------


def normalise_case_reference(value: str) -> str:
    return "".join((value or "").split()).upper()


def log_entry_problems(
    entry: ServiceLogEntry,
    *,
    roles: set[str],
    other_hours: Decimal,
    community: AdminArea | None,
) -> dict[str, list[str]]:
    """The ledger's rules for one entry, given what the database says around it (no query).

    `roles` are the worker's roles at the station on the entry's date, `other_hours` the worker's
    hours in other entries that day.
    """
    problems: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        problems.setdefault(field, []).append(message)

    station = entry.station
    day = entry.served_on
    if day > timezone.localdate():
        add("served_on", _("An entry cannot be dated in the future."))
    if station.opened_on is None or day < station.opened_on:
        add("served_on", _("The station had not opened by this date."))
    elif station.status == Status.CLOSED and day > station.status_since:
        add(
            "served_on",
            _("The station closed on %(date)s.") % {"date": station.status_since.isoformat()},
        )
    if not roles:
        add(
            "worker",
            _("%(worker)s is not on the staff of this station on %(date)s.")
            % {"worker": entry.worker.name, "date": day.isoformat()},
        )
    elif entry.kind == LogKind.SUPERVISION_GIVEN and Role.SUPERVISOR not in roles:
        add("kind", _("Supervision given is recorded by a supervisor of the station."))
    elif entry.kind in RESIDENT_KINDS and not roles & set(RESIDENT_ROLES):
        # A supervisor's own sessions with clients would count towards the station's cases and
        # community hours, which the rules measure for its resident staff only.
        add(
            "kind",
            _(
                "Service work and supervision received are recorded by the station's head or "
                "resident social workers."
            ),
        )
    if entry.kind in COMMUNITY_KINDS and community is None:
        add("community", _("Name the community or village served."))
    if entry.kind in SUPERVISION_KINDS and community is not None:
        add("community", _("Supervision is not work in a community; leave the community empty."))
    if community is not None and (
        community.level != AdminArea.Level.COMMUNITY
        or not community.path.startswith(station.area.path)
    ):
        add(
            "community",
            _("%(community)s is not a community or village within %(area)s.")
            % {"community": community.name, "area": station.area.name},
        )
    if entry.kind == LogKind.INDIVIDUAL_CASE and not entry.case_reference:
        add("case_reference", _("Individual case work needs the case's reference."))
    if entry.kind != LogKind.INDIVIDUAL_CASE and entry.case_reference:
        add("case_reference", _("Only individual case work has a case reference."))
    if entry.hours is not None and other_hours + entry.hours > 24:
        add(
            "hours",
            _("%(worker)s already has %(hours)s hours on %(date)s; a day has 24.")
            % {
                "worker": entry.worker.name,
                "hours": Decimal(other_hours).quantize(Decimal("0.1")),
                "date": day.isoformat(),
            },
        )
    return problems


def _roles_on(station_id: int, worker_id: int, day: datetime.date) -> set[str]:
    return set(
        StationAssignment.objects.filter(
            station_id=station_id, worker_id=worker_id, starts_on__lte=day
        )
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=day))
        .values_list("role", flat=True)
    )


def log_entry_validate(entry: ServiceLogEntry) -> None:
    """Field validation and the ledger's rules (see `log_entry_problems`). A few queries."""
    if entry.station_id:
        entry.area_id = entry.station.area_id
    entry.case_reference = normalise_case_reference(entry.case_reference)
    entry.full_clean(validate_constraints=False)
    if entry.pk is not None:
        stored_station = (
            ServiceLogEntry.objects.filter(pk=entry.pk).values_list("station_id", flat=True).first()
        )
        if stored_station is not None and stored_station != entry.station_id:
            raise _error("station", _("An entry cannot move to another station."), "entry_fixed")
    other_hours = ServiceLogEntry.objects.filter(
        worker_id=entry.worker_id, served_on=entry.served_on
    ).exclude(pk=entry.pk).aggregate(total=Sum("hours"))["total"] or Decimal(0)
    problems = log_entry_problems(
        entry,
        roles=_roles_on(entry.station_id, entry.worker_id, entry.served_on),
        other_hours=other_hours,
        community=entry.community if entry.community_id else None,
    )
    if problems:
        raise ValidationError(problems)


def log_entry_stale_message() -> str:
    return _(
        "Someone else changed this ledger entry while you were editing it. Reload the page to "
        "see their changes, then make yours again."
    )


def log_entry_lock(*, entry_id: int, expected_version: int | None) -> ServiceLogEntry | None:
    """The stored entry, locked until the transaction ends, once the caller's version is checked.

    `expected_version` is the version the caller loaded (None: not checked). Under the lock two
    editors who loaded the same version cannot both pass: the second waits, then reads the
    first one's version. Raises ValidationError on `version` (code "stale_version").
    """
    stored = (
        ServiceLogEntry.objects.select_for_update(of=("self",))
        .select_related("area")
        .filter(pk=entry_id)
        .first()
    )
    if stored is not None:
        _log_entry_assert_version(stored, expected_version)
    return stored


def _log_entry_assert_version(stored: ServiceLogEntry, expected_version: int | None) -> None:
    if expected_version is not None and expected_version != stored.version:
        raise _error("version", log_entry_stale_message(), "stale_version")


@transaction.atomic
def log_entry_save(
    *, actor, entry: ServiceLogEntry, expected_version: int | None = None
) -> ServiceLogEntry:
    """Records (or corrects) a ledger entry of a station the actor reaches.

    A correction raises the entry's version; with `expected_version` (the version the editor
    loaded) a correction over someone else's is refused on `version` and nothing is written.
    """
    station = entry.station if entry.station_id else None
    area_assert_in_scope(station.area if station else None, actor=actor, field="station")
    if entry.pk is not None:
        # The entry's row is locked before the worker's (below), in that order everywhere.
        stored = log_entry_lock(entry_id=entry.pk, expected_version=None)
        if stored is not None:
            # Scope first: an entry out of reach tells nothing, not even that it changed.
            area_assert_in_scope(stored.area, actor=actor, field="station")
            _log_entry_assert_version(stored, expected_version)
            entry.version = stored.version + 1
    if entry.worker_id:
        # Entries of one worker are saved one at a time: two recorded at once would each see
        # the other missing from the day's hours and together pass 24.
        worker_model = ServiceLogEntry._meta.get_field("worker").related_model
        list(worker_model.objects.select_for_update().filter(pk=entry.worker_id).values("pk"))
    log_entry_validate(entry)
    if entry.pk is None:
        entry.recorded_by = actor if actor and actor.pk else None
    entry.save()
    return entry


@transaction.atomic
def log_entry_delete(*, actor, entry: ServiceLogEntry) -> None:
    area_assert_in_scope(entry.area, actor=actor, field="station")
    entry.delete()
