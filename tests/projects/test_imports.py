"""Excel/CSV imports of contractors, annual plans and contracts: row-numbered errors, all or
nothing, scoped to the importer's county, a template to download, the import_records command."""

import datetime
import io
from decimal import Decimal

from django.core.management import CommandError, call_command

import pytest
from openpyxl import load_workbook

from projects.imports import contract_import, contractor_import, plan_import
from projects.models import AnnualPlan, Contract, Contractor, ContractStatusChange, Report
from stations.exports import xlsx_bytes
from stations.models import Station
from stations.tabular import ImportRejected
from tests.factories import ContractorFactory, valid_credit_code
from tests.projects.conftest import make_contract
from tests.projects.test_staff_on_post import make_station

pytestmark = pytest.mark.django_db

CODE_A = valid_credit_code(9001)
CODE_B = valid_credit_code(9002)


def csv(text: str) -> io.BytesIO:
    return io.BytesIO(text.encode())


def rejected(importer, text, actor) -> list[str]:
    with pytest.raises(ImportRejected) as raised:
        importer(csv(text), actor=actor, name="file.csv")
    return raised.value.messages()


# --- contractors ---------------------------------------------------------------------------------


def test_contractors_are_created_and_updated_by_credit_code(actors, tree):
    stored = ContractorFactory(area=tree.county_a, credit_code=CODE_B, name="旧名称")
    text = (
        "credit_code,name,kind,area,contact_person\n"
        f"{CODE_A},阳光社工,social_org,150602000000,张敏\n"
        f"{CODE_B},新名称,Enterprise,150602000000,\n"
    )

    result = contractor_import(csv(text), actor=actors.county_admin, name="c.csv")

    assert (result.created, result.updated) == (1, 1)
    assert Contractor.objects.get(credit_code=CODE_A).contact_person == "张敏"
    stored.refresh_from_db()
    assert (stored.name, stored.kind) == ("新名称", "enterprise")


def test_a_bad_contractor_file_names_every_row_and_writes_nothing(actors, tree):
    text = (
        "credit_code,name,kind,area\n"
        f"{CODE_A},甲,social_org,150602000000\n"
        "91150602MA0000001X,乙,social_org,150602000000\n"
        f"{CODE_B},丙,charity,150602000000\n"
        f"{CODE_A},丁,social_org,150602000000\n"
    )

    errors = rejected(contractor_import, text, actors.county_admin)

    assert errors == [
        "Row 3, column credit_code: The check character of this unified social credit code is "
        "wrong.",
        "Row 4, column kind: “charity” is not one of the choices.",
        "Row 5, column credit_code: This appears again in the file (first on row 2).",
    ]
    assert Contractor.objects.filter(credit_code__in=[CODE_A, CODE_B]).count() == 0


def test_a_county_imports_only_its_own_contractors(actors, tree):
    other = ContractorFactory(area=tree.county_b, credit_code=CODE_B, name="康巴什机构")
    text = (
        "credit_code,name,kind,area\n"
        f"{CODE_A},甲,social_org,150603000000\n"
        f"{CODE_B},改名,social_org,150602000000\n"
    )

    errors = rejected(contractor_import, text, actors.county_admin)

    assert errors == [
        "Row 2, column area: No area with code “150603000000” within your reach.",
        "Row 3, column credit_code: This contractor is kept by another area; it cannot be "
        "changed here.",
    ]
    other.refresh_from_db()
    assert (other.name, other.area) == ("康巴什机构", tree.county_b)
    assert not Contractor.objects.filter(credit_code=CODE_A).exists()


def test_an_account_without_an_area_or_no_account_cannot_import(actors):
    text = f"credit_code,name,kind,area\n{CODE_A},甲,social_org,150602000000\n"

    assert rejected(contractor_import, text, actors.nobody) == [
        "Your account has no area; it cannot import."
    ]
    assert rejected(contractor_import, text, None) == [
        "Give the account to import as (--as-user on the command line)."
    ]
    assert not Contractor.objects.filter(credit_code=CODE_A).exists()


# --- annual plans --------------------------------------------------------------------------------


def test_plans_are_created_and_updated_by_county_and_year(actors, tree):
    AnnualPlan.objects.create(
        area=tree.county_a, year=2025, goals="旧", budget="1", procurement_method="招标"
    )
    text = (
        "area,year,goals,budget,procurement_method,submitted_on\n"
        "150602000000,2025,全覆盖,1000000,公开招标,2025-04-02\n"
        "150602000000,2026,巩固,1200000.50,竞争性磋商,\n"
    )

    result = plan_import(csv(text), actor=actors.county_admin)

    assert (result.created, result.updated) == (1, 1)
    plans = AnnualPlan.objects.filter(area=tree.county_a).order_by("year")
    assert [(p.year, p.goals, p.budget, p.submitted_on) for p in plans] == [
        (2025, "全覆盖", Decimal("1000000.00"), datetime.date(2025, 4, 2)),
        (2026, "巩固", Decimal("1200000.50"), None),
    ]
    assert plans[0].days_late() == 2


def test_a_bad_plan_file_is_refused_by_row(actors, tree):
    text = (
        "area,year,goals,budget,procurement_method\n"
        "150602001000,2025,全覆盖,1000,招标\n"
        "150602000000,二〇二五,全覆盖,-5,招标\n"
        "150603000000,2025,全覆盖,1000,招标\n"
        "150602000000,2025,全覆盖,1000,招标\n"
        "150602000000,2025,重复,1000,招标\n"
    )

    errors = rejected(plan_import, text, actors.county_admin)

    assert errors == [
        "Row 2, column area: Choose a county-level area (the county civil-affairs bureau).",
        "Row 3, column year: “二〇二五” is not a whole number.",
        "Row 4, column area: No area with code “150603000000” within your reach.",
        "Row 6, column year: This appears again in the file (first on row 5).",
    ]
    assert AnnualPlan.objects.count() == 0


def test_a_negative_budget_is_named_by_its_column(actors, tree):
    text = "area,year,goals,budget,procurement_method\n150602000000,2025,全覆盖,-5,招标\n"

    assert rejected(plan_import, text, actors.county_admin) == [
        "Row 2, column budget: Ensure this value is greater than or equal to 0."
    ]
    assert AnnualPlan.objects.count() == 0


# --- contracts -----------------------------------------------------------------------------------

CONTRACT_HEADER = "number,title,area,contractor,start_date,price,townships,stations,plan_year"


def test_contracts_are_imported_with_townships_stations_plan_and_status(actors, tree):
    station = make_station(tree.town_a1, "交通街道社工站")
    contractor = ContractorFactory(area=tree.county_a, credit_code=CODE_A)
    plan = AnnualPlan.objects.create(
        area=tree.county_a, year=2025, goals="全覆盖", budget="1", procurement_method="招标"
    )
    text = (
        f"{CONTRACT_HEADER},signed_on,activated_on\n"
        f"DS-2025-101,交通街道社工站项目,150602000000,{CODE_A},2025-01-01,300000,"
        f"150602001000,{station.pk},2025,2024-12-20,2025-01-01\n"
        f"DS-2025-102,公园街道项目,150602000000,{CODE_A},2025-02-01,200000,"
        "150602002000,,,,\n"
    )

    result = contract_import(csv(text), actor=actors.county_admin, name="contracts.csv")

    assert (result.created, result.updated) == (2, 0)
    first = Contract.objects.get(number="DS-2025-101")
    assert (first.contractor, first.plan, first.status, first.end_date, first.price) == (
        contractor,
        plan,
        "active",
        datetime.date(2027, 12, 31),
        Decimal("300000.00"),
    )
    assert (first.signed_on, first.activated_on) == (
        datetime.date(2024, 12, 20),
        datetime.date(2025, 1, 1),
    )
    assert list(first.townships.values_list("code", flat=True)) == ["150602001000"]
    assert list(first.stations.values_list("pk", flat=True)) == [station.pk]
    assert list(
        ContractStatusChange.objects.filter(contract=first).values_list("to_status", "actor")
    ) == [
        ("procurement", actors.county_admin.pk),
        ("signed", actors.county_admin.pk),
        ("active", actors.county_admin.pk),
    ]
    second = Contract.objects.get(number="DS-2025-102")
    assert (second.status, second.plan) == ("procurement", None)


def test_two_rows_for_one_station_reject_the_whole_file(actors, tree):
    station = make_station(tree.town_a1, "交通街道社工站")
    ContractorFactory(area=tree.county_a, credit_code=CODE_A)
    ContractorFactory(area=tree.county_a, credit_code=CODE_B)
    text = (
        f"{CONTRACT_HEADER}\n"
        f"DS-1,甲,150602000000,{CODE_A},2025-01-01,1000,,{station.pk},\n"
        f"DS-2,乙,150602000000,{CODE_B},2025-06-01,1000,,{station.pk},\n"
    )

    errors = rejected(contract_import, text, actors.county_admin)

    assert errors == [
        "Row 3, column stations: 交通街道社工站 is already served by contract DS-1 "
        "(2025-01-01 to 2027-12-31) over an overlapping period."
    ]
    assert Contract.objects.count() == 0
    assert ContractStatusChange.objects.count() == 0


def test_a_contract_file_out_of_scope_or_wrong_is_refused_by_row(actors, tree):
    ContractorFactory(area=tree.county_a, credit_code=CODE_A)
    ContractorFactory(area=tree.county_b, credit_code=CODE_B)
    theirs = make_contract(actor=actors.other_county_admin, area=tree.county_b, number="KBS-1")
    text = (
        f"{CONTRACT_HEADER},activated_on\n"
        f"DS-1,甲,150603000000,{CODE_A},2025-01-01,1000,,,,\n"
        f"DS-2,乙,150602000000,{CODE_B},2025-01-01,1000,,,,\n"
        f"DS-3,丙,150602000000,{CODE_A},2025-13-01,abc,150603001000,-1,2030,\n"
        f"KBS-1,改,150602000000,{CODE_A},2025-01-01,1000,,,,\n"
        f"DS-4,丁,150602000000,{CODE_A},2025-01-01,1000,150602001001,,,2025-01-01\n"
        f"DS-5,戊,150602000000,{CODE_A},2025-01-01,1000,,,2025,\n"
    )

    errors = rejected(contract_import, text, actors.county_admin)

    assert errors == [
        "Row 2, column area: No area with code “150603000000” within your reach.",
        f"Row 3, column contractor: No contractor with credit code “{CODE_B}” within your reach.",
        "Row 4, column start_date: “2025-13-01” is not a date (YYYY-MM-DD).",
        "Row 4, column price: “abc” is not a number.",
        "Row 4, column townships: No area with code “150603001000” within your reach.",
        "Row 4, column stations: No station “-1” within your reach (give its id or its area's "
        "code).",
        "Row 4, column plan_year: 东胜区 has no annual plan for 2030.",
        "Row 5, column number: This contract number belongs to another county's contract.",
        "Row 6, column townships: 巴音孟克社区 is not a township.",
        "Row 7, column plan_year: 东胜区 has no annual plan for 2025.",
    ]
    assert list(Contract.objects.values_list("number", flat=True)) == ["KBS-1"]
    theirs.refresh_from_db()
    assert theirs.title == "社工站运营项目"


def test_activation_without_signing_and_dates_of_a_running_contract_are_refused(actors, tree):
    ContractorFactory(area=tree.county_a, credit_code=CODE_A)
    running = make_contract(
        actor=actors.county_admin,
        area=tree.county_a,
        number="DS-9",
        contractor=Contractor.objects.get(credit_code=CODE_A),
        status="active",
    )
    reports = Report.objects.filter(contract=running).count()
    text = (
        f"{CONTRACT_HEADER},signed_on,activated_on\n"
        f"DS-8,甲,150602000000,{CODE_A},2025-01-01,1000,,,,,2025-01-01\n"
        f"DS-9,乙,150602000000,{CODE_A},2025-01-01,1000,,,,2025-02-02,\n"
    )

    errors = rejected(contract_import, text, actors.county_admin)

    assert errors == [
        "Row 2, column signed_on: Give the signing date as well.",
        "Row 3, column signed_on: The contract is already “Active”; this date can only be "
        "changed in the admin.",
    ]
    running.refresh_from_db()
    assert (running.title, running.signed_on) == ("社工站运营项目", datetime.date(2025, 1, 1))
    assert Report.objects.filter(contract=running).count() == reports


def test_a_signed_contract_is_activated_not_before_its_signing(actors, tree):
    contractor = ContractorFactory(area=tree.county_a, credit_code=CODE_A)
    make_contract(
        actor=actors.county_admin,
        area=tree.county_a,
        number="DS-6",
        contractor=contractor,
        status="signed",
    )
    header = "number,title,area,contractor,start_date,price,activated_on\n"
    row = f"DS-6,甲,150602000000,{CODE_A},2025-01-01,1000,"

    errors = rejected(contract_import, header + row + "2024-12-31\n", actors.county_admin)
    result = contract_import(csv(header + row + "2025-02-01\n"), actor=actors.county_admin)

    assert errors == ["Row 2, column activated_on: A contract cannot start before it is signed."]
    assert result.updated == 1
    contract = Contract.objects.get(number="DS-6")
    assert (contract.status, contract.signed_on, contract.activated_on) == (
        "active",
        datetime.date(2025, 1, 1),
        datetime.date(2025, 2, 1),
    )


def test_reimporting_a_contract_updates_it(actors, tree):
    contractor = ContractorFactory(area=tree.county_a, credit_code=CODE_A)
    make_contract(
        actor=actors.county_admin, area=tree.county_a, number="DS-7", contractor=contractor
    )
    text = (
        "number,title,area,contractor,start_date,price,end_date,settlement_method\n"
        f"DS-7,新标题,150602000000,{CODE_A},2025-01-01,450000,2026-12-31,按季度\n"
    )

    result = contract_import(csv(text), actor=actors.county_admin)

    assert (result.created, result.updated) == (0, 1)
    contract = Contract.objects.get(number="DS-7")
    assert (contract.title, contract.price, contract.end_date, contract.settlement_method) == (
        "新标题",
        Decimal("450000.00"),
        datetime.date(2026, 12, 31),
        "按季度",
    )


def test_a_contract_brings_its_payment_schedule(actors, tree):
    ContractorFactory(area=tree.county_a, credit_code=CODE_A)
    text = (
        "number,title,area,contractor,start_date,price,instalments\n"
        f"DS-P,甲,150602000000,{CODE_A},2025-01-01,300000,"
        "2025-03-31:100000； 2025-12-31：200000\n"
    )

    contract_import(csv(text), actor=actors.county_admin)

    contract = Contract.objects.get(number="DS-P")
    assert list(contract.instalments.values_list("due_date", "amount")) == [
        (datetime.date(2025, 3, 31), Decimal("100000.00")),
        (datetime.date(2025, 12, 31), Decimal("200000.00")),
    ]


@pytest.mark.parametrize(
    ("_case", "cell", "message"),
    [
        (
            "not adding up",
            "2025-03-31:100000",
            "Row 2, column instalments: The instalments add up to 100000 yuan, not the price "
            "of 300000 yuan.",
        ),
        (
            "no colon",
            "2025-03-31 100000",
            "Row 2, column instalments: Write each instalment as date:amount (e.g. "
            "2025-03-31:100000), not “2025-03-31 100000”.",
        ),
        (
            "a bad date",
            "2025-02-30:300000",
            "Row 2, column instalments: “2025-02-30” is not a date (YYYY-MM-DD).",
        ),
        (
            "nothing to pay",
            "2025-03-31:0",
            "Row 2, column instalments: An instalment must be more than 0 yuan, not "
            "“2025-03-31:0”.",
        ),
        (
            "fractions of a fen",
            "2025-03-31:300000.001",
            "Row 2, column instalments: An instalment is in yuan with at most two decimals, "
            "not “2025-03-31:300000.001”.",
        ),
    ],
)
def test_a_bad_payment_schedule_is_refused(actors, tree, _case, cell, message):
    ContractorFactory(area=tree.county_a, credit_code=CODE_A)
    text = (
        "number,title,area,contractor,start_date,price,instalments\n"
        f"DS-P,甲,150602000000,{CODE_A},2025-01-01,300000,{cell}\n"
    )

    assert rejected(contract_import, text, actors.county_admin) == [message]
    assert Contract.objects.count() == 0


def test_an_xlsx_contract_file_is_read(actors, tree):
    ContractorFactory(area=tree.county_a, credit_code=CODE_A)
    data = xlsx_bytes(
        ["number", "title", "area", "contractor", "start_date", "price"],
        [["DS-X", "表格导入", "150602000000", CODE_A, datetime.date(2025, 3, 1), 1000]],
    )

    result = contract_import(io.BytesIO(data), actor=actors.county_admin, name="c.xlsx")

    assert result.created == 1
    assert Contract.objects.get(number="DS-X").start_date == datetime.date(2025, 3, 1)


# --- admin pages and the command -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("_case", "model", "header"),
    [
        ("contractors", "contractor", "credit_code"),
        ("plans", "annualplan", "area"),
        ("contracts", "contract", "number"),
    ],
)
def test_the_template_downloads_and_its_example_imports(client, actors, tree, _case, model, header):
    if model == "contract":
        # The example names the demo's contractor and plan.
        ContractorFactory(area=tree.county_a, credit_code="52150602MJY123456F")
        AnnualPlan.objects.create(
            area=tree.county_a, year=2026, goals="全覆盖", budget="1", procurement_method="招标"
        )
        make_station(tree.town_a1, "交通街道社工站")
    client.force_login(actors.county_admin)

    page = client.get(f"/admin/projects/{model}/import/")
    template = client.get(f"/admin/projects/{model}/import/template/")

    assert page.status_code == 200
    assert f'href="/admin/projects/{model}/import/template/"' in page.content.decode()
    assert template.status_code == 200
    rows = list(load_workbook(io.BytesIO(template.content)).active.values)
    assert rows[0][0] == header
    assert len(rows) == 2
    upload = io.BytesIO(template.content)
    upload.name = "template.xlsx"
    response = client.post(f"/admin/projects/{model}/import/", {"file": upload})
    assert response.status_code == 302, response.context["errors"]
    follow = client.get(response["Location"])
    assert "1 created, 0 updated, 0 unchanged." in [str(m) for m in follow.context["messages"]]


def test_the_admin_import_page_lists_the_problems_and_writes_nothing(client, actors, tree):
    client.force_login(actors.county_admin)
    upload = io.BytesIO(
        f"credit_code,name,kind,area\n{CODE_A},甲,social_org,150603000000\n".encode()
    )
    upload.name = "c.csv"

    response = client.post("/admin/projects/contractor/import/", {"file": upload})

    assert response.status_code == 200
    assert response.context["errors"] == [
        "Row 2, column area: No area with code “150603000000” within your reach."
    ]
    assert not Contractor.objects.filter(credit_code=CODE_A).exists()


def test_a_viewer_gets_no_import_page_nor_template(client, actors):
    client.force_login(actors.viewer)

    assert client.get("/admin/projects/contract/import/").status_code == 403
    assert client.get("/admin/projects/contract/import/template/").status_code == 403


def test_the_import_records_command_imports_as_the_given_user(tmp_path, actors, tree):
    path = tmp_path / "contractors.csv"
    path.write_text(f"credit_code,name,kind,area\n{CODE_A},甲,social_org,150602000000\n")
    out = io.StringIO()

    call_command(
        "import_records", "contractors", str(path), "--as-user", "county_a_admin", stdout=out
    )

    assert out.getvalue().strip() == "1 created, 0 updated, 0 unchanged."
    assert Contractor.objects.get(credit_code=CODE_A).area == tree.county_a


def test_the_import_records_command_without_a_user_writes_nothing(tmp_path, actors):
    path = tmp_path / "contractors.csv"
    path.write_text(f"credit_code,name,kind,area\n{CODE_A},甲,social_org,150602000000\n")
    err = io.StringIO()

    with pytest.raises(CommandError, match="1 problem"):
        call_command("import_records", "contractors", str(path), stderr=err)

    assert err.getvalue().strip() == (
        "Give the account to import as (--as-user on the command line)."
    )
    assert not Contractor.objects.filter(credit_code=CODE_A).exists()
    assert Station.objects.count() == 0
