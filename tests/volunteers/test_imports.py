"""Imports of volunteers and service records: all rows or nothing, row-numbered errors, re-import
without duplicates."""

import io
from decimal import Decimal
from pathlib import Path

from django.core.management import CommandError, call_command

import pytest
from openpyxl import Workbook

from stations.tabular import ImportRejected
from tests.volunteers.factories import make_activity, make_volunteer, valid_id_number
from volunteers.imports import service_record_import, volunteer_import
from volunteers.models import PointsEntry, ServiceRecord, Volunteer

pytestmark = pytest.mark.django_db

ID_1, ID_2 = valid_id_number(101), valid_id_number(102)
GOOD = (
    "name,id_number,community,phone,skills,national_number,joined_on\n"
    f'张三,{ID_1},150602001001,13800001111,"medical,legal",NV1,2024-03-01\n'
    f"李四,{ID_2.lower()[:-1] + ID_2[-1].lower()},150602002001,,Elderly care,,2024-04-01\n"
)


def csv(text: str) -> io.BytesIO:
    data = io.BytesIO(text.encode("utf-8"))
    data.name = "volunteers.csv"
    return data


def snapshot() -> list[tuple]:
    return list(
        Volunteer.objects.order_by("id_number").values_list("id_number", "name", "area__code")
    )


def test_good_file_creates_volunteers(tree, actors):
    result = volunteer_import(csv(GOOD), actor=actors.county_admin)

    assert (result.created, result.updated, result.unchanged) == (2, 0, 0)
    assert snapshot() == sorted([(ID_1, "张三", "150602001001"), (ID_2, "李四", "150602002001")])
    assert Volunteer.objects.get(id_number=ID_2).skills == ["elderly_care"]


def test_reimport_creates_no_duplicates(tree, actors):
    volunteer_import(csv(GOOD), actor=actors.county_admin)

    result = volunteer_import(csv(GOOD), actor=actors.county_admin)

    assert (result.created, result.updated, result.unchanged) == (0, 0, 2)
    assert Volunteer.objects.count() == 2


def test_reimport_updates_in_place(tree, actors):
    volunteer_import(csv(GOOD), actor=actors.county_admin)

    result = volunteer_import(csv(GOOD.replace("张三", "张三丰")), actor=actors.county_admin)

    assert (result.created, result.updated, result.unchanged) == (0, 1, 1)
    assert Volunteer.objects.get(id_number=ID_1).name == "张三丰"


@pytest.mark.parametrize(
    ("_case", "text", "message"),
    [
        (
            "bad_id",
            GOOD.replace(ID_1, ID_1[:-1] + ("0" if ID_1[-1] != "0" else "1")),
            "Row 2, column id_number: The check digit of this resident ID number is wrong.",
        ),
        (
            "other_county",
            GOOD.replace("150602002001", "150603001001"),
            "Row 3, column community: No community 150603001001 within your reach.",
        ),
        (
            "township",
            GOOD.replace("150602002001", "150602002000"),
            "Row 3, column community: Choose a community or village.",
        ),
        (
            "unknown_skill",
            GOOD.replace("Elderly care", "juggling"),
            "Row 3, column skills: Unknown skill “juggling”.",
        ),
        (
            "bad_date",
            GOOD.replace("2024-04-01", "April"),
            "Row 3, column joined_on: “April” is not a date (YYYY-MM-DD).",
        ),
        (
            "duplicate",
            GOOD + f"张三,{ID_1},150602001001,,,,2024-03-01\n",
            "Row 4, column id_number: This person appears again (first on row 2).",
        ),
        (
            "bad_phone",
            GOOD.replace("13800001111", "12345"),
            "Row 2, column phone: Give an 11-digit mobile number or a landline with its area "
            "code (0477-8500001).",
        ),
        (
            "missing_column",
            GOOD.replace("community", "village"),
            "The header row does not match (missing columns: community; unknown columns: "
            "village). Expected columns: name, id_number, community, phone, skills, "
            "national_number, joined_on, active.",
        ),
    ],
)
def test_bad_files_write_nothing(tree, actors, _case, text, message):
    with pytest.raises(ImportRejected) as rejected:
        volunteer_import(csv(text), actor=actors.county_admin)

    assert rejected.value.messages() == [message]
    assert Volunteer.objects.count() == 0


def test_a_person_registered_in_another_county_is_refused(tree, actors):
    make_volunteer(tree.comm_b1, id_number=ID_1, name="张三")

    with pytest.raises(ImportRejected) as rejected:
        volunteer_import(csv(GOOD), actor=actors.county_admin)

    assert rejected.value.messages() == [
        "Row 2, column id_number: This person is registered as a volunteer in another area; "
        "ask 康巴什区's civil-affairs bureau to transfer them."
    ]
    assert snapshot() == [(ID_1, "张三", "150603001001")]


def test_xlsx_works_like_csv(tree, actors, tmp_path):
    workbook = Workbook()
    sheet = workbook.active
    for line in GOOD.splitlines():
        sheet.append(
            [
                cell.strip('"')
                for cell in line.replace('"medical,legal"', "medical;legal").split(",")
            ]
        )
    path = tmp_path / "volunteers.xlsx"
    workbook.save(path)

    result = volunteer_import(path, actor=actors.county_admin)

    assert result.created == 2
    assert Volunteer.objects.get(id_number=ID_1).skills == ["legal", "medical"]


def test_an_account_without_area_cannot_import(tree, actors):
    with pytest.raises(ImportRejected) as rejected:
        volunteer_import(csv(GOOD), actor=actors.nobody)

    assert rejected.value.messages() == ["Your account has no area; it cannot import."]
    assert Volunteer.objects.count() == 0


def test_the_command_imports_volunteers(tree, tmp_path):
    path = Path(tmp_path / "v.csv")
    path.write_text(GOOD, encoding="utf-8")

    call_command("import_records", "volunteers", str(path), stdout=io.StringIO())

    assert Volunteer.objects.count() == 2


# --- service records -----------------------------------------------------------------------------


@pytest.fixture
def people(tree):
    first = make_volunteer(tree.comm_a2, id_number=ID_1, name="张三")
    second = make_volunteer(tree.comm_a2, id_number=ID_2, name="李四")
    activity = make_activity(tree.comm_a2)
    return first, second, activity


def records_csv(activity, *, hours: str = "2.5") -> io.BytesIO:
    return csv(
        "id_number,activity,hours,verified\n"
        f"{ID_1},{activity.pk},{hours},t\n"
        f"{ID_2},{activity.pk},3,f\n"
    )


def test_good_records_file_records_and_verifies(tree, actors, people):
    first, _second, activity = people

    result = service_record_import(records_csv(activity), actor=actors.county_admin)

    assert (result.created, result.verified) == (2, 1)
    assert list(
        ServiceRecord.objects.order_by("volunteer__id_number").values_list(
            "volunteer__id_number", "hours", "is_verified", "recorded_by"
        )
    ) == [
        (ID_1, Decimal("2.5"), True, actors.county_admin.pk),
        (ID_2, Decimal(3), False, actors.county_admin.pk),
    ]
    assert list(PointsEntry.objects.values_list("volunteer", "amount")) == [(first.pk, 25)]


def test_reimporting_records_duplicates_nothing(tree, actors, people):
    _first, _second, activity = people
    service_record_import(records_csv(activity), actor=actors.county_admin)

    result = service_record_import(records_csv(activity), actor=actors.county_admin)

    assert (result.created, result.unchanged) == (0, 2)
    assert ServiceRecord.objects.count() == 2
    assert PointsEntry.objects.count() == 1


def test_reimport_with_other_hours_is_refused(tree, actors, people):
    _first, _second, activity = people
    service_record_import(records_csv(activity), actor=actors.county_admin)

    with pytest.raises(ImportRejected) as rejected:
        service_record_import(records_csv(activity, hours="4"), actor=actors.county_admin)

    assert rejected.value.messages() == [
        "Row 2, column hours: Already recorded with 2.50 hours; correct the record with a reason "
        "instead."
    ]
    assert ServiceRecord.objects.get(volunteer__id_number=ID_1).hours == Decimal("2.5")


@pytest.mark.parametrize(
    ("_case", "row", "message"),
    [
        (
            "hours_over_24",
            "{id2},{activity},25,f",
            "Row 3, column hours: Hours must be above 0 and at most 24, in hundredths.",
        ),
        (
            "hours_zero",
            "{id2},{activity},0,f",
            "Row 3, column hours: Hours must be above 0 and at most 24, in hundredths.",
        ),
        ("hours_text", "{id2},{activity},two,f", "Row 3, column hours: “two” is not a number."),
        (
            "unknown_volunteer",
            "{other},{activity},2,f",
            "Row 3, column id_number: No such volunteer within your reach.",
        ),
        (
            "unknown_activity",
            "{id2},-1,2,f",
            "Row 3, column activity: No activity -1 within your reach.",
        ),
        ("bad_flag", "{id2},{activity},2,maybe", "Row 3, column verified: “maybe” is not t or f."),
        (
            "same_twice",
            "{id1},{activity},2.5,f",
            "Row 3, column id_number: This volunteer appears again for the activity (first on row 2).",
        ),
    ],
)
def test_bad_records_files_write_nothing(tree, actors, people, _case, row, message):
    _first, _second, activity = people
    text = (
        "id_number,activity,hours,verified\n"
        + f"{ID_1},{activity.pk},2.5,t\n"
        + row.format(id1=ID_1, id2=ID_2, other=valid_id_number(999), activity=activity.pk)
        + "\n"
    )

    with pytest.raises(ImportRejected) as rejected:
        service_record_import(csv(text), actor=actors.county_admin)

    assert rejected.value.messages() == [message]
    assert ServiceRecord.objects.count() == 0
    assert PointsEntry.objects.count() == 0


def test_records_of_another_countys_activity_are_refused(tree, actors, people):
    other = make_activity(tree.comm_b1, title="康城活动")

    with pytest.raises(ImportRejected) as rejected:
        service_record_import(records_csv(other), actor=actors.county_admin)

    assert rejected.value.messages() == [
        f"Row 2, column activity: No activity {other.pk} within your reach.",
        f"Row 3, column activity: No activity {other.pk} within your reach.",
    ]
    assert ServiceRecord.objects.count() == 0


def test_the_command_imports_service_records(tree, people, tmp_path):
    first, _second, activity = people
    path = Path(tmp_path / "records.csv")
    path.write_bytes(records_csv(activity).getvalue())

    call_command("import_records", "service-records", str(path), stdout=io.StringIO())

    assert list(
        ServiceRecord.objects.order_by("volunteer__id_number").values_list(
            "volunteer__id_number", "hours", "is_verified", "recorded_by"
        )
    ) == [(ID_1, Decimal("2.5"), True, None), (ID_2, Decimal(3), False, None)]
    assert list(PointsEntry.objects.values_list("volunteer", "amount")) == [(first.pk, 25)]


def test_the_command_lists_row_errors_and_writes_nothing(tree, people, tmp_path):
    _first, _second, activity = people
    path = Path(tmp_path / "records.csv")
    path.write_text(
        "id_number,activity,hours,verified\n"
        f"{ID_1},{activity.pk},2.5,t\n"
        f"{ID_2},{activity.pk},25,f\n"
        f"{ID_2},-1,2,f\n",
        encoding="utf-8",
    )
    stderr = io.StringIO()

    with pytest.raises(CommandError) as error:
        call_command(
            "import_records", "service-records", str(path), stdout=io.StringIO(), stderr=stderr
        )

    assert str(error.value) == "2 problem(s) found; nothing was imported."
    assert stderr.getvalue().splitlines() == [
        "Row 3, column hours: Hours must be above 0 and at most 24, in hundredths.",
        "Row 4, column activity: No activity -1 within your reach.",
    ]
    assert ServiceRecord.objects.count() == 0
    assert PointsEntry.objects.count() == 0
