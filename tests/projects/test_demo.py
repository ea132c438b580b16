"""The Ordos demo of purchased services: every report state, and a second run changes nothing."""

import pytest

from projects.models import Contract, Contractor, Evaluation, Report, ReportTransition

pytestmark = pytest.mark.django_db


def _load_all() -> None:
    # The steps projects.demo depends on, in the order of load_demo.DEMO_STEPS.
    from orgs import demo as orgs_demo
    from projects import demo as projects_demo
    from stations import demo as stations_demo
    from stations import network_demo
    from talent import demo as talent_demo

    stations_demo.load()
    talent_demo.load()
    network_demo.load_network()
    orgs_demo.load()
    projects_demo.load()


def _snapshot() -> dict:
    return {
        "contractors": Contractor.objects.count(),
        "contracts": Contract.objects.count(),
        "evaluations": Evaluation.objects.count(),
        "transitions": ReportTransition.objects.count(),
        "reports": sorted(
            Report.objects.values_list("contract__number", "kind", "period", "status", "version")
        ),
    }


def test_demo_has_reports_in_every_state_and_is_idempotent():
    _load_all()
    first = _snapshot()

    from projects import demo as projects_demo

    projects_demo.load()
    second = _snapshot()

    states = set(Report.objects.values_list("status", flat=True))
    assert states == set(Report.Status.values)
    assert second == first
