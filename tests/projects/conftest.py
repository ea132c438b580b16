"""Contracts, reports and indicators for the purchased-services tests."""

import datetime
from decimal import Decimal

import pytest

from projects import services, workflow
from projects.models import Contract, EvaluationIndicator, Report
from tests.factories import ContractorFactory

START = datetime.date(2025, 1, 1)


@pytest.fixture(autouse=True)
def _attachments_in_tmp(settings, tmp_path):
    settings.PROJECTS_ATTACHMENT_ROOT = tmp_path / "attachments"


def make_contract(
    *,
    actor,
    area,
    contractor=None,
    number="DS-2025-001",
    start=START,
    price="300000.00",
    status=Contract.Status.PROCUREMENT,
    townships=None,
    station_ids=None,
    instalments=None,
) -> Contract:
    """A contract built through the services, moved to `status` on its start date."""
    contract = services.contract_save(
        actor=actor,
        contract=Contract(
            area=area,
            contractor=contractor or ContractorFactory(area=area),
            number=number,
            title="社工站运营项目",
            start_date=start,
            price=Decimal(price),
        ),
        townships=townships,
        station_ids=station_ids,
        instalments=instalments,
    )
    path = {
        Contract.Status.PROCUREMENT: [],
        Contract.Status.SIGNED: [Contract.Status.SIGNED],
        Contract.Status.ACTIVE: [Contract.Status.SIGNED, Contract.Status.ACTIVE],
    }[status]
    for step in path:
        contract = services.contract_transition(
            actor=actor, contract=contract, to_status=step, effective_on=start
        )
    if status == Contract.Status.ACTIVE:
        workflow.report_schedule_generate(contract_id=contract.pk)
    return contract


@pytest.fixture
def contract(actors, tree):
    """An active 3-year contract of county A with the contractor of the `contractor` actor."""
    return make_contract(
        actor=actors.county_admin,
        area=tree.county_a,
        contractor=actors.contractor_org,
        status=Contract.Status.ACTIVE,
    )


@pytest.fixture
def report(contract):
    """The January 2025 monthly briefing of `contract` (a draft, due 5 February)."""
    return Report.objects.get(contract=contract, kind=Report.Kind.MONTHLY, period=START)


@pytest.fixture
def indicators(tree):
    """County A's 2025 indicators: 40 + 60 = 100."""
    return [
        EvaluationIndicator.objects.create(
            area=tree.county_a, year=2025, name="服务数量", weight=Decimal(40), position=1
        ),
        EvaluationIndicator.objects.create(
            area=tree.county_a, year=2025, name="服务质量", weight=Decimal(60), position=2
        ),
    ]
