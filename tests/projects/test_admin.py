import pytest

from projects import workflow
from projects.models import Contract, Report
from tests.factories import ContractorFactory

pytestmark = pytest.mark.django_db


def test_contract_changelist_has_no_query_per_row(
    client, actors, tree, django_assert_max_num_queries
):
    from tests.projects.conftest import make_contract

    client.force_login(actors.county_admin)
    make_contract(actor=actors.county_admin, area=tree.county_a, number="A-0", status="signed")
    client.get("/admin/projects/contract/")
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        assert client.get("/admin/projects/contract/").status_code == 200
    for n in range(1, 4):
        make_contract(
            actor=actors.county_admin, area=tree.county_a, number=f"A-{n}", status="signed"
        )
    with CaptureQueriesContext(connection) as more:
        assert client.get("/admin/projects/contract/").status_code == 200

    assert len(more) == len(few)


def test_admin_refuses_instalments_not_adding_up(client, actors, tree):
    client.force_login(actors.county_admin)
    contractor = ContractorFactory(area=tree.county_a)
    data = {
        "number": "ADM-1",
        "title": "社工站",
        "area": tree.county_a.pk,
        "contractor": contractor.pk,
        "start_date": "2025-01-01",
        "price": "1000.00",
        "instalments-TOTAL_FORMS": "1",
        "instalments-INITIAL_FORMS": "0",
        "instalments-0-due_date": "2025-06-30",
        "instalments-0-amount": "999.00",
        "status_changes-TOTAL_FORMS": "0",
        "status_changes-INITIAL_FORMS": "0",
    }

    response = client.post("/admin/projects/contract/add/", data)

    assert response.status_code == 200
    assert "The instalments add up to 999.00 yuan, not the price of 1000.00 yuan." in (
        response.content.decode()
    )
    assert Contract.objects.count() == 0

    data["instalments-0-amount"] = "1000.00"
    created = client.post("/admin/projects/contract/add/", data)
    assert created.status_code == 302
    assert Contract.objects.get().instalments.count() == 1


def test_admin_approves_submitted_reports(client, actors, report):
    workflow.report_transition(actor=actors.contractor, report_id=report.pk, action="submit")
    client.force_login(actors.reviewer)

    response = client.post(
        "/admin/projects/report/",
        {"action": "approve_selected", "_selected_action": [report.pk]},
    )

    assert response.status_code == 302
    assert Report.objects.get(pk=report.pk).status == "approved"


def test_report_of_another_county_is_404_in_the_admin(client, actors, report):
    client.force_login(actors.other_county_admin)

    response = client.get(f"/admin/projects/report/{report.pk}/change/")

    assert response.status_code == 404
