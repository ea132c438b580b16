"""The county's yearly summary of its purchased services (contracts, payments, briefings by state,
evaluation scores): the figures, their cost in queries, the PDF from the admin, the Excel."""

import datetime
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from projects import evaluations, selectors, workflow
from projects.models import AnnualPlan, Report
from stations.pdf import cjk_font_path
from tests.projects.conftest import make_contract

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2025, 6, 20)
CHANGELIST = "/admin/projects/annualplan/"


@pytest.fixture
def today(monkeypatch):
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *args: TODAY)
    return TODAY


@pytest.fixture
def plan(tree):
    return AnnualPlan.objects.create(
        area=tree.county_a,
        year=2025,
        goals="全覆盖",
        budget="1000000",
        procurement_method="公开招标",
        submitted_on=datetime.date(2025, 4, 2),
    )


@pytest.fixture
def year_of_work(actors, tree, indicators, today):
    """One active contract with three instalments, five briefings due by 20 June in every state,
    and its 2025 evaluation (90 on 服务数量 weighing 40, 80 on 服务质量 weighing 60: 84, good)."""
    contract = make_contract(
        actor=actors.county_admin,
        area=tree.county_a,
        contractor=actors.contractor_org,
        status="active",
        instalments=[
            {"due_date": datetime.date(2025, 3, 1), "amount": "100000.00"},
            {"due_date": datetime.date(2025, 9, 1), "amount": "100000.00"},
            {"due_date": datetime.date(2026, 3, 1), "amount": "100000.00"},
        ],
    )

    def monthly(month: int) -> Report:
        return Report.objects.get(
            contract=contract, kind="monthly", period=datetime.date(2025, month, 1)
        )

    for month in (1, 2, 3):
        workflow.report_transition(
            actor=actors.contractor, report_id=monthly(month).pk, action="submit"
        )
    # January and February came in on time; March on 20 June, late. April and May are missing.
    Report.objects.filter(pk=monthly(1).pk).update(first_submitted_on=datetime.date(2025, 2, 3))
    Report.objects.filter(pk=monthly(2).pk).update(first_submitted_on=datetime.date(2025, 3, 5))
    workflow.report_transition(actor=actors.reviewer, report_id=monthly(1).pk, action="approve")
    workflow.report_transition(
        actor=actors.reviewer, report_id=monthly(2).pk, action="return", reason="补充照片"
    )
    evaluations.evaluation_save(
        actor=actors.county_admin,
        contract=contract,
        year=2025,
        evaluated_on=datetime.date(2025, 6, 18),
        scores={indicators[0].pk: Decimal(90), indicators[1].pk: Decimal(80)},
    )
    return contract


def test_the_summary_holds_payments_briefings_by_state_and_scores(
    actors, plan, year_of_work, django_assert_num_queries
):
    with django_assert_num_queries(4):
        report = selectors.county_annual_report(actor=actors.county_admin, plan=plan)

    (row,) = report["contracts"]
    assert {key: row[key] for key in row if key not in ("title", "contractor")} == {
        "number": "DS-2025-001",
        "status": "Active",
        "start_date": datetime.date(2025, 1, 1),
        "end_date": datetime.date(2027, 12, 31),
        "price": Decimal("300000.00"),
        "payments_scheduled": Decimal("200000.00"),
        "payments_due": Decimal("100000.00"),
        "reports_due": 5,
        "reports_submitted": 3,
        "reports_on_time": 2,
        "reports_late": 1,
        "reports_missing": 2,
        "reports_waiting": 1,
        "reports_returned": 1,
        "reports_approved": 1,
        "completeness": 60.0,
        "timeliness": 40.0,
        "score": Decimal("84.00"),
        "grade": "Good",
        "scores": [
            {"indicator": "服务数量", "weight": Decimal("40.00"), "score": Decimal("90.00")},
            {"indicator": "服务质量", "weight": Decimal("60.00"), "score": Decimal("80.00")},
        ],
    }
    assert (
        report["contracted"],
        report["payments_scheduled"],
        report["payments_due"],
        report["plan_days_late"],
        report["evaluated"],
    ) == (Decimal("300000.00"), Decimal("200000.00"), Decimal("100000.00"), 2, 1)


def test_the_summary_costs_four_queries_for_more_contracts(
    actors, tree, plan, year_of_work, django_assert_num_queries
):
    for number in ("DS-2025-002", "DS-2025-003"):
        make_contract(actor=actors.county_admin, area=tree.county_a, number=number)

    with django_assert_num_queries(4):
        report = selectors.county_annual_report(actor=actors.county_admin, plan=plan)

    assert [row["number"] for row in report["contracts"]] == [
        "DS-2025-001",
        "DS-2025-002",
        "DS-2025-003",
    ]
    assert [row["payments_scheduled"] for row in report["contracts"]] == [
        Decimal("200000.00"),
        Decimal("0.00"),
        Decimal("0.00"),
    ]


@pytest.mark.skipif(
    cjk_font_path() is None,
    reason="fonts-wqy-zenhei is not installed (apt-get install fonts-wqy-zenhei; .ci/run does it)",
)
def test_the_admin_gives_the_summary_as_a_pdf_with_the_figures(client, actors, plan, year_of_work):
    client.force_login(actors.county_admin)

    response = client.post(
        CHANGELIST, {"action": "county_report_pdf", "_selected_action": [plan.pk]}
    )

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    flat = " ".join(text.split())
    for expected in [
        "东胜区: purchased social-work services in 2025",
        "Budget 1000000.00 yuan; contracted 300000.00 yuan.",
        "1 contracts; monthly briefings due 5, submitted 3, on time 2; 1 contracts evaluated.",
        "Annual plan submitted on 2025-04-02 (2 days late).",
        "DS-2025-001",
        "300000.00",
        "200000.00",
        "100000.00",
        "60.0%",
        "服务数量 90.00 (40.00)",
        "服务质量 80.00 (60.00)",
        "84.00",
        "Good",
    ]:
        assert expected in flat, expected


def test_another_county_gets_no_summary_of_this_one(client, actors, plan, year_of_work):
    client.force_login(actors.other_county_admin)

    response = client.post(
        CHANGELIST, {"action": "county_report_pdf", "_selected_action": [plan.pk]}
    )

    assert response.status_code == 302
    assert response.get("Content-Type", "").startswith("text/html")
    assert client.get(f"{CHANGELIST}{plan.pk}/change/").status_code == 404


def test_the_excel_summary_has_the_payments_and_states(api, actors, plan, year_of_work):
    response = api(actors.county_admin).get(f"/api/v1/plans/{plan.pk}/county-report/")

    rows = list(load_workbook(io.BytesIO(response.content)).active.values)
    header = rows[0]
    values = dict(zip(header, rows[1], strict=True))
    assert {
        key: values[key]
        for key in (
            "Payments scheduled in the year (yuan)",
            "Payments due to date (yuan)",
            "Late",
            "Missing",
            "Awaiting review",
            "Returned",
            "Approved",
            "Score",
        )
    } == {
        "Payments scheduled in the year (yuan)": "200000.00",
        "Payments due to date (yuan)": "100000.00",
        "Late": 1,
        "Missing": 2,
        "Awaiting review": 1,
        "Returned": 1,
        "Approved": 1,
        "Score": "84.00",
    }


def test_names_with_markup_characters_are_printed_as_written(api, actors, plan, year_of_work):
    # reportlab reads a little markup in paragraphs: an unclosed "<b" in a name was a 500.
    actors.contractor_org.name = "阳光<b>社工 & <i服务中心"
    actors.contractor_org.save(update_fields=["name"])

    response = api(actors.county_admin).get(f"/api/v1/plans/{plan.pk}/county-report/?as=pdf")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert "<b>" in text
    assert "<i" in text
