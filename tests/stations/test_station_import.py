"""Excel/CSV imports of stations, staff and ledger entries: all or nothing, row-numbered errors,
re-importing an export changes nothing."""

import datetime
import io
from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext

import pytest
from openpyxl import load_workbook

from stations.exports import xlsx_bytes
from stations.models import (
    ServiceLogEntry,
    Station,
    StationAssignment,
    StationStatusChange,
)
from stations.station_admin import ServiceLogEntryAdmin, StationAdmin
from stations.station_imports import assignment_import, ledger_import, station_import
from stations.tabular import ImportRejected
from tests.factories import ContractorFactory, make_station
from tests.stations.test_station_contracts import make_contract
from tests.talent.factories import make_id_number, make_worker

pytestmark = pytest.mark.django_db

D = datetime.date


def csv(text: str) -> io.BytesIO:
    return io.BytesIO(text.encode())


def rejected(importer, text, actor) -> list[str]:
    with pytest.raises(ImportRejected) as raised:
        importer(csv(text), actor=actor, name="file.csv")
    return raised.value.messages()


# --- stations ------------------------------------------------------------------------------------


def test_importing_stations_names_them_and_records_their_status(tree, actors):
    contractor = ContractorFactory(area=tree.county_a)
    make_contract(tree.county_a, contractor, townships=[tree.town_a1])
    text = (
        "area,status,status_since,opened_on,operator,contractor,host_facility,address\n"
        "150602000000,operating,2024-03-01,2024-03-01,,,party_mass_centre,东胜区民政局\n"
        f"150602001000,Operating,2024-05-01,2024-05-01,,{contractor.credit_code},,\n"
        "150602001001,planned,,,,,,\n"
    )

    result = station_import(csv(text), actor=actors.county_admin, name="stations.csv")

    assert (result.created, result.updated, result.unchanged) == (3, 0, 0)
    assert list(
        Station.objects.order_by("area__code").values_list("kind", "signboard_name", "operator")
    ) == [
        ("county_centre", "东胜区社会工作服务中心", "government"),
        ("township_station", "东胜区交通街道社会工作服务站", "contractor"),
        ("community_room", "东胜区交通街道巴音孟克社区社会工作服务室", "government"),
    ]
    assert StationStatusChange.objects.count() == 3


@pytest.mark.parametrize(
    ("_case", "text", "errors"),
    [
        (
            "empty file",
            "",
            ["The file is empty."],
        ),
        (
            "wrong header",
            "code,name\n150602001000,x\n",
            [
                "The header row does not match (missing columns: area; unknown columns: code). "
                "Expected columns: area, id, kind, name, signboard_name, address, "
                "longitude, latitude, host_facility, phone, opened_on, status, status_since, "
                "operator, contractor."
            ],
        ),
        (
            "bad cells",
            "area,status,opened_on,longitude\n150602001000,open,2024-13-01,east\n",
            [
                "Row 2, column status: “open” is not one of the choices.",
                "Row 2, column opened_on: “2024-13-01” is not a date (YYYY-MM-DD).",
                "Row 2, column longitude: “east” is not a number.",
            ],
        ),
        (
            "wrong level and unknown contractor",
            "area,kind,contractor\n150602000000,township_station,\n"
            "150602002000,,911506020000000000\n",
            [
                "Row 2, column area: A township (street) social-work station belongs to a "
                "township / street area; 东胜区 is a county area.",
                "Row 3, column contractor: No contractor with credit code “911506020000000000” "
                "within your reach.",
            ],
        ),
        (
            "two stations for one township",
            "area\n150602001000\n150602002000\n150602001000\n",
            [
                "Row 4, column area: A second open township (street) social-work station for "
                "交通街道 (first on row 2)."
            ],
        ),
        (
            "another county",
            "area\n150603001000\n",
            ["Row 2, column area: No area with code “150603001000” within your reach."],
        ),
        (
            "operating without opening date",
            "area,status\n150602001000,operating\n",
            ["Row 2, column opened_on: An operating or suspended station needs its opening date."],
        ),
    ],
)
def test_bad_station_files_are_rejected_whole(tree, actors, _case, text, errors):
    assert rejected(station_import, text, actors.county_admin) == errors
    assert Station.objects.count() == 0


def test_a_station_already_in_the_township_is_a_row_error(tree, actors):
    existing = make_station(tree.town_a1)
    assert rejected(station_import, "area\n150602001000\n", actors.county_admin) == [
        "Row 2, column area: 交通街道 already has a township (street) social-work station: "
        f"东胜区交通街道社会工作服务站 (station {existing.pk})."
    ]
    assert Station.objects.count() == 1


def test_an_account_without_area_cannot_import(tree, actors):
    assert rejected(station_import, "area\n150602001000\n", actors.nobody) == [
        "Your account has no area; it cannot import."
    ]
    assert Station.objects.count() == 0


def export_rows(admin_class, queryset, actor) -> bytes:
    columns = admin_class.export_columns
    return xlsx_bytes(
        [header for header, _column in columns],
        ([column(obj, actor) for _header, column in columns] for obj in queryset),
    )


def test_an_exported_station_sheet_imports_again_unchanged(tree, actors):
    contractor = ContractorFactory(area=tree.county_a)
    make_station(
        tree.town_a1,
        operator="contractor",
        contractor=contractor,
        longitude=Decimal("109.9846530"),
        latitude=Decimal("39.8183520"),
    )
    make_station(tree.county_a, status="planned", opened_on=None)
    data = export_rows(StationAdmin, Station.objects.all(), actors.county_admin)

    result = station_import(io.BytesIO(data), actor=actors.county_admin, name="stations.xlsx")

    assert (result.created, result.updated, result.unchanged) == (0, 0, 2)


def test_a_status_change_by_import_joins_the_history(tree, actors):
    station = make_station(tree.town_a1, status_since=D(2024, 1, 1), opened_on=D(2024, 1, 1))
    text = f"id,area,status,status_since\n{station.pk},150602001000,suspended,2025-02-01\n"

    result = station_import(csv(text), actor=actors.county_admin)

    assert result.updated == 1
    assert list(station.status_changes.values_list("from_status", "to_status", "changed_on")) == [
        ("operating", "suspended", D(2025, 2, 1))
    ]


# --- staff assignments ---------------------------------------------------------------------------


@pytest.fixture
def stations(tree):
    return (
        make_station(tree.town_a1, opened_on=D(2024, 1, 1), status_since=D(2024, 1, 1)),
        make_station(tree.town_a2, opened_on=D(2024, 1, 1), status_since=D(2024, 1, 1)),
    )


def test_importing_staff_by_station_code_and_id_number(tree, actors, stations):
    first = make_worker(tree.town_a1, id_number=make_id_number(D(1990, 1, 1)))
    second = make_worker(tree.town_a2, id_number=make_id_number(D(1991, 1, 1)))
    text = (
        "station,worker_id_number,role,starts_on\n"
        f"150602001000,{first.id_number.lower()},resident,2025-01-01\n"
        f"{stations[1].pk},{second.id_number},Station head,2025-01-01\n"
    )

    result = assignment_import(csv(text), actor=actors.county_admin)

    assert result.created == 2
    assert set(StationAssignment.objects.values_list("station", "worker", "role", "area")) == {
        (stations[0].pk, first.pk, "resident", tree.town_a1.pk),
        (stations[1].pk, second.pk, "head", tree.town_a2.pk),
    }


def test_bad_staff_files_are_rejected_whole(tree, actors, stations):
    worker = make_worker(tree.town_a1)
    stranger = make_worker(tree.town_b1)
    text = (
        "station,worker_id_number,role,starts_on,ends_on\n"
        f"150602001000,{worker.id_number},resident,2025-01-01,\n"
        f"150602002000,{worker.id_number},resident,2025-06-01,\n"
        f"150602001000,{stranger.id_number},resident,2025-01-01,\n"
        f"150602009000,{worker.id_number},chief,2025-01-01,2024-01-01\n"
    )
    assert rejected(assignment_import, text, actors.county_admin) == [
        "Row 3, column worker_id_number: This worker is already resident staff on row 2 for the "
        "same days.",
        "Row 4, column worker_id_number: No worker with this ID number within your reach.",
        "Row 5, column station: No station “150602009000” within your reach (give its id or its "
        "area's code).",
        "Row 5, column role: “chief” is not one of the choices.",
    ]
    assert StationAssignment.objects.count() == 0


# --- the service ledger --------------------------------------------------------------------------


@pytest.fixture
def staff(tree, stations):
    worker = make_worker(tree.town_a1, name="王五")
    StationAssignment.objects.create(
        station=stations[0],
        area=tree.town_a1,
        worker=worker,
        role="resident",
        starts_on=D(2025, 1, 1),
    )
    return worker


LEDGER_HEADER = (
    "station,worker_id_number,served_on,kind,hours,community,case_reference,lone_elderly,disabled\n"
)


def test_importing_ledger_entries_with_people_by_group(tree, actors, stations, staff):
    text = LEDGER_HEADER + (
        f"150602001000,{staff.id_number},2025-03-01,case,2,150602001001,c-7,1,\n"
        f"150602001000,{staff.id_number},2025-03-01,Group work,3.5,150602001201,,4,2\n"
    )

    result = ledger_import(csv(text), actor=actors.county_admin)
    again = ledger_import(csv(text), actor=actors.county_admin)

    assert (result.created, again.created, again.unchanged) == (2, 0, 2)
    assert list(
        ServiceLogEntry.objects.order_by("kind").values_list(
            "kind", "hours", "community__code", "case_reference", "people_served", "area"
        )
    ) == [
        ("case", Decimal(2), "150602001001", "C-7", {"lone_elderly": 1}, tree.town_a1.pk),
        (
            "group",
            Decimal("3.5"),
            "150602001201",
            "",
            {"lone_elderly": 4, "disabled": 2},
            tree.town_a1.pk,
        ),
    ]


def test_bad_ledger_files_are_rejected_whole(tree, actors, stations, staff):
    text = LEDGER_HEADER + (
        f"150602001000,{staff.id_number},2025-03-01,community,20,150602001001,,,\n"
        f"150602001000,{staff.id_number},2025-03-01,community,5,150602001001,,,\n"
        f"150602001000,{staff.id_number},2025-03-02,community,2,150602002001,,,\n"
        f"150602002000,{staff.id_number},2025-03-02,community,2,150602002001,,,\n"
        f"150602001000,{staff.id_number},2025-03-03,case,2,150602001001,,x,\n"
    )
    assert rejected(ledger_import, text, actors.county_admin) == [
        "Row 3, column hours: 王五 already has 20.0 hours on 2025-03-01; a day has 24.",
        "Row 4, column community: 宝日陶亥社区 is not a community or village within 交通街道.",
        "Row 5, column worker_id_number: 王五 is not on the staff of this station on 2025-03-02.",
        "Row 6, column lone_elderly: “x” is not a whole number.",
    ]
    assert ServiceLogEntry.objects.count() == 0


def test_an_exported_ledger_imports_again_unchanged(tree, actors, stations, staff):
    ledger_import(
        csv(
            LEDGER_HEADER
            + f"150602001000,{staff.id_number},2025-03-01,case,2,150602001001,C-1,1,2\n"
        ),
        actor=actors.superuser,
    )
    data = export_rows(ServiceLogEntryAdmin, ServiceLogEntry.objects.all(), actors.superuser)
    sheet = load_workbook(io.BytesIO(data)).active
    assert [cell.value for cell in sheet[1]][:6] == [
        "id",
        "station",
        "station_name",
        "worker_id_number",
        "worker_name",
        "served_on",
    ]

    result = ledger_import(io.BytesIO(data), actor=actors.superuser, name="ledger.xlsx")

    assert (result.created, result.updated, result.unchanged) == (0, 0, 1)


def test_the_export_masks_id_numbers_for_roles_without_personal_data(tree, actors, stations, staff):
    ledger_import(
        csv(
            LEDGER_HEADER + f"150602001000,{staff.id_number},2025-03-01,case,2,150602001001,C-1,,\n"
        ),
        actor=actors.superuser,
    )
    viewer_row = ServiceLogEntryAdmin.export_columns[3][1](
        ServiceLogEntry.objects.get(), actors.viewer
    )
    assert viewer_row == staff.id_number[:4] + "**********" + staff.id_number[-4:]


def test_the_ledger_import_queries_do_not_grow_with_rows(tree, actors, stations, staff):
    def rows(count: int) -> str:
        start = datetime.date(2025, 1, 1)
        return LEDGER_HEADER + "".join(
            f"150602001000,{staff.id_number},{start + datetime.timedelta(days=n)},community,1,"
            "150602001001,,,\n"
            for n in range(count)
        )

    with CaptureQueriesContext(connection) as few:
        ledger_import(csv(rows(3)), actor=actors.county_admin)
    ServiceLogEntry.objects.all().delete()
    with CaptureQueriesContext(connection) as many:
        # 70 rows: still one INSERT on SQLite, which takes 999 parameters a statement.
        ledger_import(csv(rows(70)), actor=actors.county_admin)

    assert ServiceLogEntry.objects.count() == 70
    assert len(many.captured_queries) == len(few.captured_queries)


def test_a_status_date_moved_by_import_without_a_status_change_is_a_row_error(tree, actors):
    station = make_station(tree.town_a1, status_since=D(2024, 1, 1), opened_on=D(2024, 1, 1))
    text = f"id,area,status,status_since\n{station.pk},150602001000,operating,2024-06-01\n"

    assert rejected(station_import, text, actors.county_admin) == [
        "Row 2, column status_since: The status date changes only with the status; the current "
        "status dates from 2024-01-01."
    ]
    assert Station.objects.get(pk=station.pk).status_since == D(2024, 1, 1)
    assert station.status_changes.count() == 0


@pytest.mark.parametrize(
    ("_case", "stored", "text", "error"),
    [
        (
            "two in the file",
            False,
            "area\n150602000000\n150602001000\n150602000000\n",
            "Row 4, column area: A second open county social-work service centre (total station) "
            "for 东胜区 (first on row 2).",
        ),
        (
            "one already recorded",
            True,
            "area\n150602000000\n",
            "Row 2, column area: 东胜区 already has a county social-work service centre (total "
            "station): 东胜区社会工作服务中心 (station {pk}).",
        ),
    ],
)
def test_a_second_county_centre_is_refused_by_import(tree, actors, _case, stored, text, error):
    existing = make_station(tree.county_a) if stored else None

    errors = rejected(station_import, text, actors.county_admin)

    assert errors == [error.format(pk=existing.pk if existing else None)]
    assert Station.objects.count() == (1 if stored else 0)


def test_a_supervisors_case_is_a_row_error_in_the_ledger_import(tree, actors, stations, staff):
    supervisor = make_worker(tree.county_a, name="督导赵")
    StationAssignment.objects.create(
        station=stations[0],
        area=tree.town_a1,
        worker=supervisor,
        role="supervisor",
        starts_on=D(2025, 1, 1),
    )
    text = LEDGER_HEADER + (
        f"150602001000,{staff.id_number},2025-03-01,case,2,150602001001,c-7,,\n"
        f"150602001000,{supervisor.id_number},2025-03-01,case,2,150602001001,c-8,,\n"
    )

    assert rejected(ledger_import, text, actors.county_admin) == [
        "Row 3, column kind: Service work and supervision received are recorded by the "
        "station's head or resident social workers."
    ]
    assert ServiceLogEntry.objects.count() == 0
