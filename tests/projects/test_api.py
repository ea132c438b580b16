import datetime
import io

from django.db import connection
from django.test.utils import CaptureQueriesContext

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from projects.models import AnnualPlan, Contract, Report
from stations.pdf import cjk_font_path
from stations.roles import Role
from tests.factories import ContractorFactory, make_user
from tests.projects.conftest import make_contract

pytestmark = pytest.mark.django_db

MONTHLY = "/api/v1/reports/monthly/"


@pytest.fixture
def stranger(tree):
    """A contractor account of another contractor in the same county."""
    user = make_user("other_contractor", area=tree.county_a, role=Role.CONTRACTOR)
    user.contractor = ContractorFactory(area=tree.county_a)
    user.is_staff = False
    user.save()
    return user


def test_contractor_lists_only_its_contracts(api, actors, tree, contract, stranger):
    make_contract(
        actor=actors.county_admin,
        area=tree.county_a,
        number="DS-2025-002",
        contractor=stranger.contractor,
    )

    mine = api(actors.contractor).get("/api/v1/contracts/").json()
    staff = api(actors.county_admin).get("/api/v1/contracts/").json()

    assert [row["number"] for row in mine["results"]] == ["DS-2025-001"]
    assert sorted(row["number"] for row in staff["results"]) == ["DS-2025-001", "DS-2025-002"]


@pytest.mark.parametrize(
    ("_case", "url"),
    [
        ("contract", "/api/v1/contracts/{contract}/"),
        ("report", MONTHLY + "{report}/"),
        ("submit", MONTHLY + "{report}/submit/"),
    ],
)
def test_another_contractor_gets_404(api, contract, report, stranger, _case, url):
    url = url.format(contract=contract.pk, report=report.pk)

    response = api(stranger).post(url, {}) if url.endswith("submit/") else api(stranger).get(url)

    assert response.status_code == 404
    assert Report.objects.get(pk=report.pk).status == "draft"


def test_other_county_gets_404(api, actors, report):
    response = api(actors.other_county_admin).post(MONTHLY + f"{report.pk}/approve/", {})

    assert response.status_code == 404
    assert Report.objects.get(pk=report.pk).status == "draft"


def test_contractor_fills_in_and_submits_then_a_stale_submit_is_refused(api, actors, report):
    client = api(actors.contractor)

    saved = client.patch(
        MONTHLY + f"{report.pk}/",
        {"version": 0, "cases_opened": 2, "people_served": {"lone_elderly": 5}},
        format="json",
    )
    submitted = client.post(MONTHLY + f"{report.pk}/submit/", {"version": 1}, format="json")
    again = client.post(MONTHLY + f"{report.pk}/submit/", {"version": 1}, format="json")

    assert saved.status_code == 200, saved.json()
    assert saved.json()["version"] == 1
    assert submitted.status_code == 200
    assert submitted.json()["status"] == "submitted"
    assert again.status_code == 400
    assert again.json() == {
        "version": ["Someone else changed this report in the meantime; reload it and try again."]
    }
    assert Report.objects.get(pk=report.pk).version == 2


def test_reviewer_returns_with_a_reason_or_not_at_all(api, actors, report):
    api(actors.contractor).post(MONTHLY + f"{report.pk}/submit/", {}, format="json")
    client = api(actors.reviewer)

    refused = client.post(MONTHLY + f"{report.pk}/return/", {"reason": ""}, format="json")
    returned = client.post(MONTHLY + f"{report.pk}/return/", {"reason": "补充"}, format="json")

    assert refused.status_code == 400
    assert refused.json() == {"reason": ["Give the reason for returning the report."]}
    assert returned.status_code == 200
    assert (returned.json()["status"], returned.json()["return_reason"]) == ("returned", "补充")


def test_approving_a_draft_is_a_400(api, actors, report):
    response = api(actors.reviewer).post(MONTHLY + f"{report.pk}/approve/", {}, format="json")

    assert response.status_code == 400
    assert response.json() == {"detail": ["Only a submitted report can be approved."]}
    assert Report.objects.get(pk=report.pk).status == "draft"


def test_the_mid_term_endpoint_lists_only_mid_term_reports(api, actors, contract):
    response = api(actors.contractor).get("/api/v1/reports/mid-term/")

    assert [row["period"] for row in response.json()["results"]] == ["2026-06-01"]


def test_create_contract_with_instalments(api, actors, tree):
    contractor = ContractorFactory(area=tree.county_a)
    payload = {
        "number": "DS-2026-009",
        "title": "交通街道社工站",
        "area": tree.county_a.code,
        "townships": [tree.town_a1.code],
        "contractor": contractor.pk,
        "start_date": "2026-01-01",
        "price": "90000.00",
        "instalments": [
            {"due_date": "2026-03-31", "amount": "45000.00"},
            {"due_date": "2026-12-31", "amount": "45000.00"},
        ],
    }

    response = api(actors.county_admin).post("/api/v1/contracts/", payload, format="json")

    assert response.status_code == 201, response.json()
    contract = Contract.objects.get(number="DS-2026-009")
    assert contract.end_date == datetime.date(2028, 12, 31)
    assert list(contract.townships.values_list("code", flat=True)) == [tree.town_a1.code]
    assert contract.instalments.count() == 2


def test_instalments_not_adding_up_is_a_400(api, actors, tree):
    payload = {
        "number": "DS-2026-010",
        "title": "x",
        "area": tree.county_a.code,
        "contractor": ContractorFactory(area=tree.county_a).pk,
        "start_date": "2026-01-01",
        "price": "90000.00",
        "instalments": [{"due_date": "2026-03-31", "amount": "45000.00"}],
    }

    response = api(actors.county_admin).post("/api/v1/contracts/", payload, format="json")

    assert response.status_code == 400
    assert response.json() == {
        "instalments": ["The instalments add up to 45000.00 yuan, not the price of 90000.00 yuan."]
    }
    assert Contract.objects.count() == 0


def test_contractor_cannot_create_contracts(api, actors, tree):
    response = api(actors.contractor).post("/api/v1/contracts/", {}, format="json")

    assert response.status_code == 403
    assert Contract.objects.count() == 0


def test_contract_transition_endpoint(api, actors, tree):
    contract = make_contract(actor=actors.county_admin, area=tree.county_a)

    response = api(actors.county_admin).post(
        f"/api/v1/contracts/{contract.pk}/transition/",
        {"to_status": "signed", "effective_on": "2025-01-01"},
        format="json",
    )

    assert response.status_code == 200
    assert response.json()["status"] == "signed"


def _list_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_lists_do_not_query_per_row(api, actors, tree):
    client = api(actors.county_admin)
    for n in range(2):
        make_contract(
            actor=actors.county_admin, area=tree.county_a, number=f"A-{n}", status="active"
        )
    _list_queries(client, "/api/v1/contracts/")  # caches the user's permissions
    few_contracts = _list_queries(client, "/api/v1/contracts/")
    few_reports = _list_queries(client, MONTHLY)
    for n in range(2, 5):
        make_contract(
            actor=actors.county_admin, area=tree.county_a, number=f"A-{n}", status="active"
        )

    assert _list_queries(client, "/api/v1/contracts/") == few_contracts
    assert _list_queries(client, MONTHLY) == few_reports


def test_plan_lateness_in_the_api(api, actors, tree):
    AnnualPlan.objects.create(
        area=tree.county_a,
        year=2025,
        goals="全覆盖",
        budget="1000000",
        procurement_method="公开招标",
        submitted_on=datetime.date(2025, 4, 2),
    )

    rows = api(actors.city_admin).get("/api/v1/plans/").json()["results"]

    assert [(row["due_date"], row["days_late"]) for row in rows] == [("2025-03-31", 2)]


@pytest.fixture
def plan(tree):
    return AnnualPlan.objects.create(
        area=tree.county_a,
        year=2025,
        goals="全覆盖",
        budget="1000000",
        procurement_method="公开招标",
        submitted_on=datetime.date(2025, 3, 20),
    )


def test_county_report_as_excel(api, actors, contract, plan):
    response = api(actors.county_admin).get(f"/api/v1/plans/{plan.pk}/county-report/")

    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.values)
    assert rows[0][0] == "Contract number"
    assert rows[1][:3] == ("DS-2025-001", "社工站运营项目", actors.contractor_org.name)


@pytest.mark.skipif(
    cjk_font_path() is None,
    reason="fonts-wqy-zenhei is not installed (apt-get install fonts-wqy-zenhei; .ci/run does it)",
)
def test_county_report_as_pdf(api, actors, contract, plan):
    response = api(actors.county_admin).get(f"/api/v1/plans/{plan.pk}/county-report/?as=pdf")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert "东胜区" in text
    assert "Due to the city by 2025-11-30." in text


def test_county_report_unknown_format_is_a_400(api, actors, plan):
    response = api(actors.county_admin).get(f"/api/v1/plans/{plan.pk}/county-report/?as=doc")

    assert response.status_code == 400
    assert response.json() == {"as": ["Choose xlsx or pdf."]}


def test_contractor_cannot_reach_plans(api, actors, plan):
    response = api(actors.contractor).get(f"/api/v1/plans/{plan.pk}/")

    assert response.status_code == 403
    assert AnnualPlan.objects.count() == 1
