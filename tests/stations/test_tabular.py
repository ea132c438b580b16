"""The shared reader: python-calamine reads .xlsx as openpyxl did, and openpyxl takes the rest."""

import datetime
import io
import zipfile

import pytest
from openpyxl import Workbook

from stations import tabular
from stations.tabular import ImportRejected, read_table


def _workbook(fill) -> bytes:
    workbook = Workbook()
    fill(workbook.active)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _with_cell_xml(data: bytes, old: bytes, new: bytes) -> bytes:
    """The workbook with one piece of its sheet XML replaced (what another tool would write)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                assert old in content
                content = content.replace(old, new)
            target.writestr(info, content)
    return buffer.getvalue()


def _staff_sheet(sheet, *, title: bool = True) -> None:
    sheet["B3"] = "Name"  # the table starts at B3: two blank rows, one blank column
    sheet["C3"] = "Phone"
    sheet["D3"] = "Joined"
    sheet["E3"] = "Code"
    if title:
        sheet.merge_cells("B2:E2")
        sheet["B2"] = "人员名单"  # a merged title row above the header
    sheet.append([None, "  张三 ", 13800138000, datetime.datetime(2019, 9, 15), "0012"])  # noqa: DTZ001
    sheet.append([None, "李四", 13911112222.0, datetime.date(2021, 3, 1), 12.5])
    sheet.append([])  # a blank row in the middle
    sheet.append([None, "王五", None, datetime.datetime(2020, 1, 2, 13, 30), None])  # noqa: DTZ001


def test_calamine_reads_the_sheet_as_openpyxl_does():
    data = _workbook(_staff_sheet)

    fast = tabular._calamine_rows(data)
    slow = list(tabular._openpyxl_rows(data))

    assert fast is not None  # the fast reader took this file
    assert fast == [row + [""] * (len(fast[0]) - len(row)) for row in slow]


def test_the_table_keeps_the_row_numbers_a_person_sees():
    data = _workbook(_staff_sheet)

    table = read_table(io.BytesIO(data), required=["人员名单"], optional=[], name="s.xlsx")

    # the merged title is the first non-blank row, so it is the header: one column named
    assert table.columns == ["", "人员名单", "", "", ""]
    assert [number for number, _values in table.rows] == [3, 4, 5, 7]
    assert table.rows[1][1]["人员名单"] == "张三"


def test_numbers_dates_and_text_arrive_as_the_sheet_shows_them():
    data = _workbook(lambda sheet: _staff_sheet(sheet, title=False))

    table = read_table(
        io.BytesIO(data), required=["name", "phone", "joined", "code"], name="s.xlsx"
    )

    assert [(number, values) for number, values in table.rows] == [
        (
            4,
            {
                "": "",
                "name": "张三",
                "phone": "13800138000",
                "joined": "2019-09-15",
                "code": "0012",
            },
        ),
        (
            5,
            {
                "": "",
                "name": "李四",
                "phone": "13911112222",
                "joined": "2021-03-01",
                "code": "12.5",
            },
        ),
        (7, {"": "", "name": "王五", "phone": "", "joined": "2020-01-02", "code": ""}),
    ]


@pytest.mark.parametrize(
    ("_case", "old", "new", "expected"),
    [
        # an 18-digit ID number kept as a number (not by Excel, which keeps 15 digits):
        # a 64-bit float would round it to …232; openpyxl reads the digits exactly
        (
            "long_number",
            b'<c r="A2" t="n"><v>12345</v></c>',
            b'<c r="A2" t="n"><v>110105199001011234</v></c>',
            "110105199001011234",
        ),
        # an error cell: openpyxl gives its text, which the import then rejects as a value
        (
            "error_cell",
            b'<c r="A2" t="n"><v>12345</v></c>',
            b'<c r="A2" t="e"><v>#N/A</v></c>',
            "#N/A",
        ),
    ],
)
def test_cells_calamine_would_read_differently_go_to_openpyxl(_case, old, new, expected):
    data = _with_cell_xml(
        _workbook(lambda sheet: sheet.append(["id"]) or sheet.append([12345])), old, new
    )

    table = read_table(io.BytesIO(data), required=["id"], name="ids.xlsx")

    assert tabular._calamine_rows(data) is None
    assert table.rows == [(2, {"id": expected})]


def test_a_stray_far_cell_does_not_reach_calamine():
    # calamine would allocate the whole rectangle A1:XFD1048576 (17 billion cells) and abort
    def fill(sheet):
        sheet["A1"] = "id"
        sheet["XFD1048576"] = "x"

    data = _workbook(fill)

    assert tabular._calamine_safe(data) is False
    assert tabular._calamine_safe(_workbook(lambda sheet: sheet.append(["id"]))) is True


def test_a_zip_that_is_not_a_workbook_keeps_the_openpyxl_message():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("content.xml", "<office:document-content/>")  # an OpenDocument sheet

    with pytest.raises(ImportRejected) as rejected:
        read_table(io.BytesIO(buffer.getvalue()), required=["id"], name="sheet.xlsx")

    assert rejected.value.messages() == [
        "The .xlsx file cannot be read: \"There is no item named '[Content_Types].xml' in the archive\""
    ]


def test_blank_header_cells_are_not_duplicate_columns():
    table = read_table(io.BytesIO(b"id,,name,\n1,,a,\n"), required=["id", "name"], name="x.csv")

    assert table.rows == [(2, {"id": "1", "": "", "name": "a"})]


def test_a_named_column_twice_is_still_refused():
    with pytest.raises(ImportRejected) as rejected:
        read_table(io.BytesIO(b"id,name,id\n1,a,1\n"), required=["id", "name"], name="x.csv")

    assert rejected.value.messages() == ["A column appears twice in the header row."]
