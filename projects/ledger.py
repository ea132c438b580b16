"""Figures of a report drawn from the stations' service ledger (stations.ServiceLogEntry)."""

import datetime
from collections import Counter
from decimal import Decimal

from django.db.models import Count, Sum

from projects.models import Report


def report_span(report: Report) -> tuple[datetime.date, datetime.date]:
    """The days a report covers: its month for a briefing, the term so far for the others."""
    start = report.period
    end = (start.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    if report.kind != Report.Kind.MONTHLY:
        start = report.contract.start_date
    return start, end - datetime.timedelta(days=1)


def _hours(total) -> str:
    # As the report keeps them (one decimal); SQLite's SUM drops the trailing ".0".
    return str(Decimal(str(total or 0)).quantize(Decimal("0.1")))


def ledger_figures(report: Report) -> tuple[dict, dict]:
    """(services by kind, people by group) the ledger records for the report's stations and span.

    Two queries: the services grouped by kind in SQL, the people-served counts summed here (they
    are a JSON object per entry).
    """
    from stations.models import ServiceLogEntry

    start, end = report_span(report)
    entries = ServiceLogEntry.objects.filter(
        station__contracts=report.contract_id, served_on__gte=start, served_on__lte=end
    )
    services = {
        row["kind"]: {"count": row["count"], "hours": _hours(row["hours"])}
        for row in entries.values("kind").annotate(count=Count("pk"), hours=Sum("hours"))
    }
    people: Counter = Counter()
    for served in entries.values_list("people_served", flat=True):
        people.update({group: int(number) for group, number in (served or {}).items()})
    return services, dict(people)
