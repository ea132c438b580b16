"""The station rules of purchased-service contracts (Jinan plan), checked on every write path.

- A station is served by at most one contract at a time (terms overlapping, a terminated contract
  counting up to its termination).
- The county total station and the township stations of the same county may not be contracted to
  the same contractor over overlapping periods.
Cost: two queries whatever the number of stations.
"""

from django.db.models import Case, F, Q, QuerySet, When
from django.utils.translation import gettext as _

from projects.models import Contract, Contractor
from stations.models import Station


def contract_station_ids(contract: Contract) -> list[int]:
    """The ids of the stations a stored contract serves."""
    if contract.pk is None:
        return []
    return list(contract.stations.values_list("pk", flat=True))


def contract_set_stations(contract: Contract, station_ids: list[int]) -> None:
    """Sets the stations a contract serves (validated by `station_rule_errors` first)."""
    contract.stations.set(station_ids)


def lock_for_station_rules(contract: Contract, station_ids: list[int]) -> None:
    """Locks the contractor and the stations (by pk) until commit, before the rules are checked.

    Two saves naming the same station, or the same contractor's county and township stations,
    then run one after the other, so that both cannot pass `station_rule_errors`. A fixed order
    (contractor, then stations by pk) keeps concurrent saves from deadlocking. Cost: two queries.
    """
    if contract.contractor_id is not None:
        list(
            Contractor.objects.select_for_update()
            .filter(pk=contract.contractor_id)
            .values_list("pk", flat=True)
        )
    if station_ids:
        list(
            Station.objects.select_for_update()
            .filter(pk__in=station_ids)
            .order_by("pk")
            .values_list("pk", flat=True)
        )


def station_prefetch() -> list[str]:
    """What a contract list prefetches to show its stations without a query per row."""
    return ["stations"]


def prefetched_station_ids(contract: Contract) -> list[int]:
    return [station.pk for station in contract.stations.all()]


def overlapping_contracts(contract: Contract) -> QuerySet:
    """Other contracts whose running period overlaps this one's."""
    return (
        Contract.objects.exclude(pk=contract.pk)
        .annotate(
            running_until=Case(
                When(
                    terminated_on__isnull=False,
                    terminated_on__lt=F("end_date"),
                    then=F("terminated_on"),
                ),
                default=F("end_date"),
            )
        )
        .filter(start_date__lte=contract.effective_end, running_until__gte=contract.start_date)
    )


def _county_code(station: Station) -> str | None:
    if station.kind == Station.Kind.COUNTY_CENTRE:
        return station.area.code
    if station.kind == Station.Kind.TOWNSHIP_STATION:
        return station.area.parent_id
    return None


def station_rule_errors(contract: Contract, station_ids: list[int]) -> list[str]:
    """Messages for each station rule the contract would break with these stations."""
    if not station_ids:
        return []
    errors = []
    stations = list(Station.objects.filter(pk__in=station_ids).select_related("area"))
    unknown = set(station_ids) - {station.pk for station in stations}
    if unknown:
        errors.append(
            _("Unknown stations: %(ids)s.") % {"ids": ", ".join(str(pk) for pk in sorted(unknown))}
        )
    outside = [str(s) for s in stations if not s.area.path.startswith(contract.area.path)]
    if outside:
        errors.append(
            _("These stations are not in %(county)s: %(names)s.")
            % {"county": contract.area.name, "names": "、".join(outside)}
        )
    if contract.status == Contract.Status.TERMINATED:
        return errors
    # One query over the contract–station links of the overlapping contracts.
    links = Contract.stations.through.objects.filter(
        contract__in=overlapping_contracts(contract).values("pk")
    ).filter(
        Q(station_id__in=station_ids)
        | Q(
            contract__contractor_id=contract.contractor_id,
            station__kind__in=[Station.Kind.COUNTY_CENTRE, Station.Kind.TOWNSHIP_STATION],
        )
    )
    taken = links.values(
        "station_id",
        "station__name",
        "station__signboard_name",
        "station__kind",
        "station__area__code",
        "station__area__parent_id",
        "contract__number",
        "contract__contractor_id",
        "contract__start_date",
        "contract__end_date",
    )
    ours = set(station_ids)
    counties_centre = {_county_code(s) for s in stations if s.kind == Station.Kind.COUNTY_CENTRE}
    counties_township = {
        _county_code(s) for s in stations if s.kind == Station.Kind.TOWNSHIP_STATION
    }
    for row in taken:
        row = {key.removeprefix("station__"): value for key, value in row.items()}
        name = row["name"] or row["signboard_name"]
        if row["station_id"] in ours:
            errors.append(
                _(
                    "%(station)s is already served by contract %(number)s "
                    "(%(start)s to %(end)s) over an overlapping period."
                )
                % {
                    "station": name,
                    "number": row["contract__number"],
                    "start": row["contract__start_date"],
                    "end": row["contract__end_date"],
                }
            )
            continue
        if row["contract__contractor_id"] != contract.contractor_id:
            continue
        if (
            row["kind"] == Station.Kind.TOWNSHIP_STATION
            and row["area__parent_id"] in counties_centre
        ) or (row["kind"] == Station.Kind.COUNTY_CENTRE and row["area__code"] in counties_township):
            errors.append(
                _(
                    "The county total station and a township station of the same county may not "
                    "be contracted to the same contractor: %(station)s is already under its "
                    "contract %(number)s."
                )
                % {"station": name, "number": row["contract__number"]}
            )
    errors.extend(
        _(
            "The county total station and a township station of the same county may not be "
            "contracted to the same contractor (county %(code)s)."
        )
        % {"code": county}
        for county in sorted(counties_centre & counties_township)
    )
    return errors
