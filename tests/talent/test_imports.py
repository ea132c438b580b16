"""The workforce sheet import: Chinese labels, updates in reach, refusals across counties, bad
files that write nothing, the import_records command and the admin import page."""

import datetime
import io
from pathlib import Path

from django.core.management import CommandError, call_command

import pytest
from openpyxl import Workbook

from stations.tabular import ImportRejected
from talent.imports import worker_import
from talent.models import Certificate, Worker, WorkerAreaLink
from tests.talent.factories import make_id_number

pytestmark = pytest.mark.django_db

HEADER = (
    "name,id_number,phone,education,major,post,area_code,"
    "certificate_level,certificate_number,certificate_date\n"
)
ID_1 = make_id_number(datetime.date(1991, 4, 5), serial=11)
ID_2 = make_id_number(datetime.date(1986, 12, 1), serial=22)
ID_3 = make_id_number(datetime.date(2001, 8, 19), region="150603", serial=33)
GOOD = (
    HEADER
    + f"孙丽,{ID_1},13811112222,本科,社会工作,社工站工作人员,150602001000,助理社会工作师,A201915000001,2019-09-15\n"
    + f"吴刚,{ID_2},,大专,相关专业,社区工作者,150602001001,,,\n"
    + f"郑洁,{ID_3},0477-8500001,master,other,civil_servant,150603000000,intermediate,B202115000002,2021/9/12\n"
)


def write(tmp_path: Path, text: str, name: str = "workers.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def counts() -> tuple[int, int]:
    return Worker.objects.count(), Certificate.objects.count()


def test_a_good_file_creates_workers_and_certificates(tmp_path, tree):
    result = worker_import(write(tmp_path, GOOD))

    assert (result.rows, result.created, result.certificates_created) == (3, 3, 2)
    first = Worker.objects.get(id_number=ID_1)
    assert (
        first.name,
        first.education,
        first.major,
        first.post,
        first.area,
        first.birth_date,
        first.gender,
    ) == (
        "孙丽",
        "bachelor",
        "social_work",
        "station_staff",
        tree.town_a1,
        datetime.date(1991, 4, 5),
        "male",
    )
    certificate = Certificate.objects.get(number="B202115000002")
    assert (certificate.worker.id_number, certificate.level, certificate.obtained_on) == (
        ID_3,
        "intermediate",
        datetime.date(2021, 9, 12),
    )
    assert Worker.objects.get(id_number=ID_2).phone == ""


def test_an_xlsx_file_is_read(tmp_path, tree):
    workbook = Workbook()
    sheet = workbook.active
    for line in GOOD.strip().splitlines():
        sheet.append(line.split(","))
    sheet["J2"] = datetime.datetime(2019, 9, 15)  # noqa: DTZ001 (a date cell, as Excel keeps it)
    workbook.save(tmp_path / "workers.xlsx")

    result = worker_import(tmp_path / "workers.xlsx")

    assert result.created == 3
    assert Certificate.objects.get(number="A201915000001").obtained_on == datetime.date(2019, 9, 15)


def test_a_second_import_updates_in_place_and_counts_unchanged_rows(tmp_path, tree):
    worker_import(write(tmp_path, GOOD))
    changed = GOOD.replace("13811112222", "13899990000").replace("2021/9/12", "2021-09-13")

    result = worker_import(write(tmp_path, changed))

    assert (result.created, result.updated, result.unchanged) == (0, 1, 2)
    assert (result.certificates_created, result.certificates_updated) == (0, 1)
    assert Worker.objects.get(id_number=ID_1).phone == "13899990000"
    assert Certificate.objects.get(number="B202115000002").obtained_on == datetime.date(2021, 9, 13)
    assert counts() == (3, 2)


def test_a_county_updates_its_own_worker_from_a_file(tmp_path, workforce, actors):
    row = f"王芳,{workforce.worker_a.id_number},13900000000,硕士,社会工作,社区工作者,150602001001,,,\n"

    result = worker_import(write(tmp_path, HEADER + row), actor=actors.county_admin)

    assert (result.created, result.updated) == (0, 1)
    worker = Worker.objects.get(pk=workforce.worker_a.pk)
    assert (worker.phone, worker.education, worker.major) == (
        "13900000000",
        "master",
        "social_work",
    )


def test_a_person_kept_by_another_county_is_linked_not_overwritten(tmp_path, workforce, actors):
    rows = (
        HEADER
        + f"孙丽,{ID_1},13811112222,本科,社会工作,社工站工作人员,150602001000,,,\n"
        + f"赵敏,{workforce.worker_b.id_number},13911110000,本科,社会工作,社区工作者,150602001001,"
        + "assistant,A202215000009,2022-09-10\n"
    )
    before = Worker.objects.filter(pk=workforce.worker_b.pk).values().get()

    result = worker_import(write(tmp_path, rows), actor=actors.county_admin)

    assert (result.created, result.updated, result.unchanged, result.linked) == (1, 0, 1, 1)
    assert str(result).endswith(
        "1 people kept by another bureau were linked to your areas (their records unchanged)."
    )
    stored = Worker.objects.filter(pk=workforce.worker_b.pk).values().get()
    assert {**stored, "updated_at": None} == {**before, "updated_at": None}
    assert list(
        WorkerAreaLink.objects.filter(worker=workforce.worker_b).values_list(
            "area__code", flat=True
        )
    ) == ["150602001001"]
    assert list(
        Certificate.objects.filter(worker=workforce.worker_b)
        .order_by("number")
        .values_list("number", flat=True)
    ) == ["A202215000009", workforce.certificate_b.number]
    assert Worker.objects.filter(id_number=workforce.worker_b.id_number).count() == 1


def test_a_row_naming_someone_else_for_a_kept_id_number_writes_nothing(tmp_path, workforce, actors):
    rows = (
        HEADER
        + f"孙丽,{ID_1},13811112222,本科,社会工作,社工站工作人员,150602001000,,,\n"
        + f"周静,{workforce.worker_b.id_number},13911110000,本科,社会工作,社区工作者,150602001001,,,\n"
    )
    before = counts()

    with pytest.raises(ImportRejected) as rejected:
        worker_import(write(tmp_path, rows), actor=actors.county_admin)

    assert [(error.row, error.column, error.message) for error in rejected.value.errors] == [
        (
            3,
            "name",
            "The name does not match the person registered with this ID number in another "
            "area; check the ID number and the name.",
        )
    ]
    assert counts() == before
    assert WorkerAreaLink.objects.count() == 0


def test_importing_a_linked_person_again_adds_no_second_link(tmp_path, workforce, actors):
    row = f"赵敏,{workforce.worker_b.id_number},13911110000,本科,社会工作,社区工作者,150602001001,,,\n"
    worker_import(write(tmp_path, HEADER + row), actor=actors.county_admin)

    again = worker_import(write(tmp_path, HEADER + row), actor=actors.county_admin)

    assert (again.linked, again.unchanged) == (0, 1)
    assert WorkerAreaLink.objects.filter(worker=workforce.worker_b).count() == 1


def test_the_city_moves_a_worker_between_its_counties_by_import(tmp_path, workforce, actors):
    row = f"赵敏,{workforce.worker_b.id_number},13911110000,本科,社会工作,社区工作者,150602001001,,,\n"

    result = worker_import(write(tmp_path, HEADER + row), actor=actors.city_admin)

    assert result.updated == 1
    assert Worker.objects.get(pk=workforce.worker_b.pk).area.code == "150602001001"


BAD_ROW = "孙丽,{id},13811112222,本科,社会工作,社工站工作人员,{area},{level},{number},{date}\n"


def bad(id_number=ID_1, area="150602001000", level="", number="", date="") -> str:
    return BAD_ROW.format(id=id_number, area=area, level=level, number=number, date=date)


BAD_FILES = [
    (
        "wrong_columns",
        HEADER.replace("id_number", "id_card") + bad(),
        "The header row does not match (missing columns: id_number; unknown columns: id_card).",
    ),
    (
        "bad_check_digit",
        HEADER + bad(id_number=ID_1[:17] + ("0" if ID_1[17] != "0" else "1")),
        "Row 2, column id_number: The check digit of this resident ID number is wrong.",
    ),
    (
        "id_too_short",
        HEADER + bad(id_number=ID_1[:15]),
        "Row 2, column id_number: A resident ID number has 18 characters.",
    ),
    (
        "unknown_area_code",
        HEADER + bad(area="150699001000"),
        "Row 2, column area_code: No area with code 150699001000 within your reach.",
    ),
    (
        "out_of_scope_area",
        HEADER + bad(area="150603001000"),
        "Row 2, column area_code: No area with code 150603001000 within your reach.",
    ),
    (
        "bad_area_code",
        HEADER + bad(area="1506020010"),
        "Row 2, column area_code: A division code must be exactly 12 digits, got “1506020010”.",
    ),
    (
        "duplicate_id_without_another_certificate",
        HEADER + bad() + bad(),
        "Row 3, column id_number: This ID number appears again without another certificate "
        "(first on row 2).",
    ),
    (
        "repeated_id_with_another_area",
        HEADER
        + bad(level="助理社会工作师", number="A1", date="2019-09-15")
        + bad(area="150602002000", level="社会工作师", number="B1", date="2021-09-15"),
        "Row 3, column area_code: This differs from row 2, which has the same ID number.",
    ),
    (
        "repeated_id_with_the_same_level",
        HEADER
        + bad(level="助理社会工作师", number="A1", date="2019-09-15")
        + bad(level="助理社会工作师", number="A2", date="2020-09-15"),
        "Row 3, column certificate_level: This person has a certificate of this level on row 2 "
        "already.",
    ),
    (
        "duplicate_certificate_in_file",
        HEADER
        + bad(level="助理社会工作师", number="A1", date="2019-09-15")
        + bad(id_number=ID_2, level="助理社会工作师", number="A1", date="2019-09-15"),
        "Row 3, column certificate_number: This certificate number appears again (first on row 2).",
    ),
    (
        "impossible_date",
        HEADER + bad(level="助理社会工作师", number="A1", date="2023-02-30"),
        "Row 2, column certificate_date: “2023-02-30” is not a date (write 2024-06-30).",
    ),
    (
        "not_a_date",
        HEADER + bad(level="助理社会工作师", number="A1", date="去年"),
        "Row 2, column certificate_date: “去年” is not a date (write 2024-06-30).",
    ),
    (
        "date_before_the_first_exam",
        HEADER + bad(level="助理社会工作师", number="A1", date="2007-06-30"),
        "Row 2, column certificate_date: National certificates exist since 2008.",
    ),
    (
        "certificate_without_number",
        HEADER + bad(level="助理社会工作师", date="2019-09-15"),
        "Row 2, column certificate_number: Give the certificate's level, number and date together.",
    ),
    (
        "unknown_level",
        HEADER + bad(level="初级社工", number="A1", date="2019-09-15"),
        "Row 2, column certificate_level: Unknown value “初级社工”.",
    ),
    (
        "unknown_education",
        HEADER + bad().replace("本科", "私塾"),
        "Row 2, column education: Unknown value “私塾”.",
    ),
    (
        "bad_phone",
        HEADER + bad().replace("13811112222", "110"),
        "Row 2, column phone: Give an 11-digit mobile number or a landline with its area code.",
    ),
    (
        "empty_name",
        HEADER + bad().replace("孙丽", ""),
        "Row 2, column name: This value is required.",
    ),
    ("header_only", HEADER, "The file has a header row but no data rows."),
]


@pytest.mark.parametrize(("_case", "text", "message"), BAD_FILES)
def test_a_bad_file_writes_nothing_and_names_the_row(
    tmp_path, workforce, actors, _case, text, message
):
    good_row = f"吴刚,{ID_2},,大专,相关专业,社区工作者,150602001001,,,\n"
    text = text + good_row if text.count("\n") > 1 and "appears again" not in message else text
    before = counts()

    with pytest.raises(ImportRejected) as rejected:
        worker_import(write(tmp_path, text), actor=actors.county_admin)

    assert [line for line in rejected.value.messages() if message in line] != []
    assert counts() == before


def test_a_certificate_number_recorded_for_another_person_is_refused(tmp_path, workforce, actors):
    text = HEADER + bad(
        level="社会工作师", number=workforce.certificate_b.number, date="2021-09-11"
    )

    with pytest.raises(ImportRejected) as rejected:
        worker_import(write(tmp_path, text), actor=actors.city_admin)

    assert rejected.value.messages() == [
        "Row 2, column certificate_number: This certificate number is recorded for another person."
    ]
    assert counts() == (3, 2)


def test_a_second_certificate_of_the_same_level_is_refused(tmp_path, workforce, actors):
    row = f"王芳,{workforce.worker_a.id_number},13912345678,本科,其他,社区工作者,150602001001,助理社会工作师,A999,2021-09-11\n"

    with pytest.raises(ImportRejected) as rejected:
        worker_import(write(tmp_path, HEADER + row), actor=actors.county_admin)

    assert rejected.value.messages() == [
        "Row 2, column certificate_level: This person already holds a certificate of this "
        "level, numbered otherwise."
    ]
    assert counts() == (3, 2)


def test_a_user_without_an_area_cannot_import(tmp_path, actors):
    with pytest.raises(ImportRejected) as rejected:
        worker_import(write(tmp_path, GOOD), actor=actors.nobody)
    assert rejected.value.messages() == ["Your account has no area; it cannot import."]
    assert counts() == (0, 0)


def test_the_command_imports_everything_without_a_user(tmp_path, tree):
    out = io.StringIO()
    call_command("import_records", "workers", str(write(tmp_path, GOOD)), stdout=out)
    assert "3 rows read: 3 workers created, 0 updated, 0 unchanged; 2 certificates created" in (
        out.getvalue()
    )
    assert counts() == (3, 2)


def test_the_command_applies_the_scope_of_as_user(tmp_path, tree, actors):
    err = io.StringIO()
    with pytest.raises(CommandError) as failed:
        call_command(
            "import_records",
            "workers",
            str(write(tmp_path, GOOD)),
            "--as-user",
            actors.county_admin.username,
            stderr=err,
        )
    assert str(failed.value) == "1 problem(s) found; nothing was imported."
    assert err.getvalue() == (
        "Row 4, column area_code: No area with code 150603000000 within your reach.\n"
    )
    assert counts() == (0, 0)


@pytest.mark.parametrize(
    ("_case", "arguments", "message"),
    [
        ("unknown_user", ["--as-user", "nobody_here"], "No user named nobody_here."),
        ("missing_file", [], "No such file: /nonexistent/workers.csv"),
    ],
)
def test_the_command_reports_bad_arguments(tree, _case, arguments, message):
    with pytest.raises(CommandError) as failed:
        call_command("import_records", "workers", "/nonexistent/workers.csv", *arguments)
    assert str(failed.value) == message


def test_the_admin_import_page_imports_a_file(client, tmp_path, tree, actors):
    client.force_login(actors.city_admin)
    with open(write(tmp_path, GOOD), "rb") as upload:
        response = client.post("/admin/talent/worker/import/", {"file": upload})

    assert response.status_code == 302
    assert counts() == (3, 2)


def test_the_admin_import_page_lists_the_problems(client, tmp_path, tree, actors):
    client.force_login(actors.county_admin)
    with open(write(tmp_path, GOOD), "rb") as upload:
        response = client.post("/admin/talent/worker/import/", {"file": upload})

    assert response.status_code == 200
    assert response.context["errors"] == [
        "Row 4, column area_code: No area with code 150603000000 within your reach."
    ]
    assert counts() == (0, 0)


def test_the_benchmark_command_leaves_no_data(tree):
    out = io.StringIO()
    call_command("bench_worker_import", "--rows", "30", stdout=out)
    lines = out.getvalue().splitlines()
    assert [line.split()[1] for line in lines] == ["new", "unchanged", "a"]
    assert counts() == (0, 0)


def test_repeated_id_rows_carry_one_certificate_each(tmp_path, tree, actors):
    text = (
        HEADER
        + bad(level="助理社会工作师", number="A1", date="2019-09-15")
        + f"吴刚,{ID_2},,大专,相关专业,社区工作者,150602001001,,,\n"
        + bad(level="社会工作师", number="B1", date="2021-09-15")
    )

    result = worker_import(write(tmp_path, text), actor=actors.county_admin)

    assert (result.rows, result.created, result.certificates_created) == (3, 2, 2)
    assert sorted(
        Certificate.objects.filter(worker__id_number=ID_1).values_list("level", "number")
    ) == [("assistant", "A1"), ("intermediate", "B1")]


def test_a_repeated_id_row_that_disagrees_names_every_column_and_writes_nothing(
    tmp_path, tree, actors
):
    text = (
        HEADER
        + bad(level="助理社会工作师", number="A1", date="2019-09-15")
        + bad(level="社会工作师", number="B1", date="2021-09-15")
        .replace("孙丽", "孙莉")
        .replace("本科", "硕士")
    )

    with pytest.raises(ImportRejected) as rejected:
        worker_import(write(tmp_path, text), actor=actors.county_admin)

    assert {(error.row, error.column) for error in rejected.value.errors} == {
        (3, "name"),
        (3, "education"),
    }
    assert counts() == (0, 0)
