"""A blank briefing is prefilled from the stations' service ledger."""

import datetime
from decimal import Decimal

import pytest

from projects import workflow
from projects.models import Report
from stations.models import ServiceLogEntry
from tests.projects.conftest import START, make_contract
from tests.projects.test_staff_on_post import make_station, make_worker

pytestmark = pytest.mark.django_db


@pytest.fixture
def briefing(actors, tree):
    """January's briefing of an active contract serving 交通街道社工站, with its ledger."""
    station = make_station(tree.town_a1, "交通街道社工站")
    worker = make_worker(1, tree.town_a1)
    contract = make_contract(
        actor=actors.county_admin,
        area=tree.county_a,
        contractor=actors.contractor_org,
        status="active",
        station_ids=[station.pk],
    )
    entries = [
        (datetime.date(2025, 1, 3), "case", "BJ-1", "2.0", {"lone_elderly": 1}),
        (datetime.date(2025, 1, 20), "case", "BJ-2", "1.5", {"lone_elderly": 2}),
        (datetime.date(2025, 1, 31), "group", "", "3.0", {"children": 6}),
        (datetime.date(2025, 2, 1), "group", "", "4.0", {"children": 9}),  # February
    ]
    for served_on, kind, reference, hours, people in entries:
        ServiceLogEntry.objects.create(
            station=station,
            area=station.area,
            worker=worker,
            served_on=served_on,
            kind=kind,
            case_reference=reference,
            hours=Decimal(hours),
            people_served=people,
        )
    return Report.objects.get(contract=contract, kind="monthly", period=START)


def test_a_blank_draft_is_prefilled_from_the_ledger_of_its_month(actors, briefing):
    report = workflow.report_prefill_from_ledger(actor=actors.contractor, report_id=briefing.pk)

    stored = Report.objects.get(pk=briefing.pk)
    assert stored.services_delivered == {
        "case": {"count": 2, "hours": "3.5"},
        "group": {"count": 1, "hours": "3.0"},
    }
    assert stored.people_served == {"lone_elderly": 3, "children": 6}
    assert (report.version, stored.version) == (1, 1)


def test_a_draft_with_services_is_not_overwritten(actors, briefing):
    workflow.report_update_content(
        actor=actors.contractor,
        report_id=briefing.pk,
        data={"services_delivered": {"case": {"count": 9, "hours": "9"}}},
    )

    workflow.report_prefill_from_ledger(actor=actors.contractor, report_id=briefing.pk)

    stored = Report.objects.get(pk=briefing.pk)
    assert stored.services_delivered == {"case": {"count": 9, "hours": "9.0"}}
    assert (stored.people_served, stored.version) == ({}, 1)
