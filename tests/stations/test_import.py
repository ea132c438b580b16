import gzip
import io
from pathlib import Path

from django.core.management import CommandError, call_command

import pytest
from openpyxl import Workbook

from stations.imports import area_import
from stations.models import AdminArea
from stations.tabular import ImportRejected

pytestmark = pytest.mark.django_db

HEADER = "code,parent,name,level,ur_code,virtual,dummy,longitude,latitude\n"
GOOD = (
    HEADER
    + "150600000000,150000000000,鄂尔多斯市,city,,f,f,109.781327,39.608266\n"
    + "150601000000,150600000000,市辖区,county,,t,f,,\n"
    + "150602000000,150600000000,东胜区,county,,f,f,109.963333,39.822593\n"
    + "150602001000,150602000000,交通街道办事处,town,,f,f,,\n"
    + "150602001001,150602001000,巴音孟克社区居委会,village,111,f,f,,\n"
    + "150602001201,150602001000,添尔漫梁村委会,village,220,f,t,,\n"
)


def write(tmp_path: Path, text: str, name: str = "areas.csv", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def test_good_file_creates_the_tree(tmp_path):
    result = area_import(write(tmp_path, GOOD))

    assert (result.created, result.updated, result.unchanged) == (6, 0, 0)
    community = AdminArea.objects.get(code="150602001001")
    assert community.path == "/150600000000/150602000000/150602001000/150602001001/"
    assert (community.urban_rural, community.urban_rural_source) == ("urban", "nbs")
    village = AdminArea.objects.get(code="150602001201")
    assert (village.urban_rural, village.is_placeholder) == ("rural", True)
    assert AdminArea.objects.get(code="150601000000").is_virtual is True
    assert AdminArea.objects.get(code="150600000000").parent_id is None


def test_reimport_updates_in_place_and_keeps_manual_classification(tmp_path):
    area_import(write(tmp_path, GOOD))
    AdminArea.objects.filter(code="150602001201").update(
        urban_rural="urban", urban_rural_source="manual"
    )
    changed = GOOD.replace("交通街道办事处", "交通街道")

    result = area_import(write(tmp_path, changed))

    assert (result.created, result.updated, result.unchanged) == (0, 1, 5)
    assert AdminArea.objects.count() == 6
    assert AdminArea.objects.get(code="150602001000").name == "交通街道"
    village = AdminArea.objects.get(code="150602001201")
    assert (village.urban_rural, village.urban_rural_source) == ("urban", "manual")


def test_importing_a_province_above_an_imported_city_moves_the_city(tmp_path):
    area_import(write(tmp_path, GOOD))
    province = HEADER + "150000000000,100000000000,内蒙古自治区,province,,f,f,,\n"
    province += "150600000000,150000000000,鄂尔多斯市,city,,f,f,109.781327,39.608266\n"

    result = area_import(write(tmp_path, province, "province.csv"))

    assert (result.created, result.updated, result.moved_descendants) == (1, 1, 5)
    assert AdminArea.objects.get(code="150602001201").path == (
        "/150000000000/150600000000/150602000000/150602001000/150602001201/"
    )


def test_xlsx_and_gzip_files_are_read(tmp_path):
    workbook = Workbook()
    sheet = workbook.active
    for line in GOOD.strip().splitlines():
        sheet.append(line.split(","))
    workbook.save(tmp_path / "areas.xlsx")
    (tmp_path / "areas.csv.gz").write_bytes(gzip.compress(GOOD.encode()))

    first = area_import(tmp_path / "areas.xlsx")
    second = area_import(tmp_path / "areas.csv.gz")

    assert (first.created, second.unchanged) == (6, 6)


def test_gbk_file_from_excel_is_read(tmp_path):
    result = area_import(write(tmp_path, GOOD, encoding="gbk"))
    assert AdminArea.objects.get(code="150602000000").name == "东胜区"
    assert result.created == 6


BAD_FILES = [
    ("bad_code", GOOD.replace("150602001001,", "15060200100X,"), "Row 6, column code"),
    (
        "wrong_level",
        GOOD.replace(
            "150602001000,150602000000,交通街道办事处,town",
            "150602001000,150602000000,交通街道办事处,village",
        ),
        "Row 5, column code",
    ),
    ("unknown_level", GOOD.replace(",town,", ",hamlet,"), "Row 5, column level"),
    (
        "unknown_parent",
        GOOD + "150699001000,150699000000,无主街道,town,,f,f,,\n",
        "Row 8, column parent",
    ),
    (
        "prefix_mismatch",
        GOOD + "150603001000,150602000000,错区街道,town,,f,f,,\n",
        "Row 8, column code",
    ),
    (
        "duplicate_code",
        GOOD + "150602001001,150602001000,重复社区,village,111,f,f,,\n",
        "Row 8, column code",
    ),
    ("bad_ur_code", GOOD.replace(",111,", ",311,"), "Row 6, column ur_code"),
    ("bad_flag", GOOD.replace(",220,f,t,", ",220,f,maybe,"), "Row 7, column dummy"),
    ("bad_longitude", GOOD.replace("109.963333", "east"), "Row 4, column longitude"),
    ("empty_name", GOOD.replace(",东胜区,", ",,"), "Row 4, column name"),
    (
        "missing_column",
        GOOD.replace("code,parent,name,level", "code,parent,title,level"),
        "missing columns: name",
    ),
    ("empty_file", "", "The file is empty."),
    ("header_only", HEADER, "no data rows"),
]


@pytest.mark.parametrize(("_case", "text", "message"), BAD_FILES)
def test_bad_files_write_nothing_and_name_the_row(tmp_path, _case, text, message):
    with pytest.raises(ImportRejected) as rejected:
        area_import(write(tmp_path, text))

    assert any(message in line for line in rejected.value.messages())
    assert AdminArea.objects.count() == 0


def test_a_bad_row_in_an_otherwise_good_reimport_changes_nothing(tmp_path):
    area_import(write(tmp_path, GOOD))
    bad = GOOD.replace("东胜区", "东胜区（新）") + "15060200200,150602000000,坏街道,town,,f,f,,\n"

    with pytest.raises(ImportRejected):
        area_import(write(tmp_path, bad))

    assert AdminArea.objects.get(code="150602000000").name == "东胜区"


def test_not_a_spreadsheet_is_refused(tmp_path):
    path = tmp_path / "areas.csv"
    path.write_bytes(b"\xff\xfe\x00\x01\x80\x81\xfe\xff" * 10)
    with pytest.raises(ImportRejected) as rejected:
        area_import(path)
    assert "neither UTF-8 nor GBK" in rejected.value.messages()[0]


def test_a_file_over_the_size_limit_is_refused(tmp_path, settings):
    settings.AREA_IMPORT_MAX_BYTES = 100
    with pytest.raises(ImportRejected) as rejected:
        area_import(write(tmp_path, GOOD))
    assert "larger than the limit" in rejected.value.messages()[0]
    assert AdminArea.objects.count() == 0


def test_a_county_actor_imports_only_inside_its_county(tmp_path, tree, actors):
    rows = HEADER + "150603002000,150603000000,他区街道,town,,f,f,,\n"
    with pytest.raises(ImportRejected) as rejected:
        area_import(write(tmp_path, rows), actor=actors.county_admin)
    assert rejected.value.messages() == ["Row 2, column code: This area is outside your reach."]
    assert not AdminArea.objects.filter(code="150603002000").exists()


def test_the_command_reports_counts_and_errors(tmp_path):
    out = io.StringIO()
    call_command("import_areas", str(write(tmp_path, GOOD)), stdout=out)
    assert "6 created, 0 updated, 0 unchanged" in out.getvalue()

    err = io.StringIO()
    with pytest.raises(CommandError) as failed:
        call_command("import_areas", str(write(tmp_path, BAD_FILES[0][1])), stderr=err)
    assert "nothing was imported" in str(failed.value)
    assert "Row 6, column code" in err.getvalue()


def test_the_shipped_ordos_file_imports(tmp_path):
    from stations.demo import ORDOS_FILE

    result = area_import(ORDOS_FILE)

    assert result.created == 1101
    assert (
        AdminArea.objects.filter(level=AdminArea.Level.COMMUNITY, urban_rural="urban").count()
        == 409
    )
    assert (
        AdminArea.objects.filter(level=AdminArea.Level.COMMUNITY, urban_rural="rural").count()
        == 584
    )


def test_an_irregular_code_published_by_the_nbs_is_kept_as_published(tmp_path):
    # 三岔口镇 is a township whose published code does not end in 000; its village follows it.
    irregular = (
        GOOD
        + "150602103001,150602000000,三岔口镇,town,,f,f,,\n"
        + "150602103498,150602103001,振兴路虚拟社区,village,121,f,t,,\n"
    )

    result = area_import(write(tmp_path, irregular))

    assert result.created == 8
    village = AdminArea.objects.get(code="150602103498")
    assert village.path == "/150600000000/150602000000/150602103001/150602103498/"


def test_an_irregular_code_without_its_parents_digits_is_still_refused(tmp_path):
    bad = GOOD + "150603103001,150602000000,错区镇,town,,f,f,,\n"

    with pytest.raises(ImportRejected) as rejected:
        area_import(write(tmp_path, bad))

    assert [(error.row, error.column) for error in rejected.value.errors] == [(8, "code")]
    assert AdminArea.objects.count() == 0


def test_a_reimport_that_moves_an_area_under_its_own_descendant_is_refused(tmp_path):
    # Valid codes, a true cycle: the published irregular township 150602000001 sits under 东胜区
    # 150602000000; the second file puts 东胜区 under it, as a community (right level, and it
    # carries the township's nine digits), which would make each the other's parent.
    area_import(write(tmp_path, GOOD + "150602000001,150602000000,不规则镇,town,,f,f,,\n"))
    paths_before = dict(AdminArea.objects.values_list("code", "path"))
    cycle = HEADER + "150602000000,150602000001,东胜区,village,111,f,f,,\n"

    with pytest.raises(ImportRejected) as rejected:
        area_import(write(tmp_path, cycle, "cycle.csv"))

    assert rejected.value.messages() == [
        "Row 2, column parent: An area cannot move under its own descendant."
    ]
    assert dict(AdminArea.objects.values_list("code", "path")) == paths_before


# --- damaged files, through the command and the admin's import page ------------------------------


def _xlsx_bytes(text: str) -> bytes:
    workbook = Workbook()
    for line in text.strip().splitlines():
        workbook.active.append(line.split(","))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _damaged_sheet(data: bytes) -> bytes:
    """The workbook with bytes flipped inside the compressed sheet (the zip directory intact)."""
    import zipfile

    info = zipfile.ZipFile(io.BytesIO(data)).getinfo("xl/worksheets/sheet1.xml")
    offset = info.header_offset
    name_length = int.from_bytes(data[offset + 26 : offset + 28], "little")
    extra_length = int.from_bytes(data[offset + 28 : offset + 30], "little")
    middle = offset + 30 + name_length + extra_length + info.compress_size // 2
    damaged = bytearray(data)
    damaged[middle : middle + 4] = bytes(byte ^ 0xFF for byte in damaged[middle : middle + 4])
    return bytes(damaged)


GZIP = gzip.compress(GOOD.encode())
DAMAGED_FILES = [
    (
        "truncated_xlsx",
        "areas.xlsx",
        _xlsx_bytes(GOOD)[:2000],
        "The .xlsx file cannot be read: File is not a zip file",
    ),
    ("damaged_sheet_xlsx", "areas.xlsx", _damaged_sheet(_xlsx_bytes(GOOD)), None),
    (
        "corrupt_gz",
        "areas.csv.gz",
        GZIP[:10] + bytes(range(256)) * 2,
        "The compressed file is damaged.",
    ),
    ("truncated_gz", "areas.csv.gz", GZIP[: len(GZIP) // 2], "The compressed file is damaged."),
    (
        "not_utf8_nor_gbk",
        "areas.csv",
        GOOD.encode().replace("东胜区".encode(), b"\xff\xfe\xff"),
        "The file is neither UTF-8 nor GBK text; save it as CSV UTF-8 or .xlsx.",
    ),
    ("zero_bytes_csv", "areas.csv", b"", "The file is empty."),
    ("zero_bytes_xlsx", "areas.xlsx", b"", "The file is empty."),
    ("zero_bytes_gz", "areas.csv.gz", b"", "The file is empty."),
]
XLSX_DAMAGED = "The .xlsx file cannot be read: "


def _assert_message(lines: list[str], expected: str | None) -> None:
    assert len(lines) == 1
    if expected is None:  # the reason comes from zlib or zipfile, the sentence from us
        assert lines[0].startswith(XLSX_DAMAGED)
        assert len(lines[0]) > len(XLSX_DAMAGED)
    else:
        assert lines == [expected]


@pytest.mark.parametrize(("_case", "name", "data", "message"), DAMAGED_FILES)
def test_the_command_refuses_a_damaged_file_and_writes_nothing(
    tmp_path, _case, name, data, message
):
    path = tmp_path / name
    path.write_bytes(data)
    err = io.StringIO()

    with pytest.raises(CommandError) as failed:
        call_command("import_areas", str(path), stderr=err)

    assert str(failed.value) == "1 problem(s) found; nothing was imported."
    _assert_message(err.getvalue().splitlines(), message)
    assert AdminArea.objects.count() == 0


@pytest.fixture
def root_client(client):
    from tests.factories import make_user

    client.force_login(make_user("root", is_superuser=True))
    return client


def _upload(client, name: str, data: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(
        "/admin/stations/adminarea/import/", {"file": SimpleUploadedFile(name, data)}
    )


@pytest.mark.parametrize(
    ("_case", "name", "data", "message"),
    [case for case in DAMAGED_FILES if case[2]],
)
def test_the_admin_import_page_refuses_a_damaged_file_and_writes_nothing(
    root_client, _case, name, data, message
):
    response = _upload(root_client, name, data)

    assert response.status_code == 200
    _assert_message(response.context["errors"], message)
    assert "1 problem found; nothing was imported." in response.content.decode()
    assert AdminArea.objects.count() == 0


def test_the_admin_import_page_refuses_a_zero_byte_file(root_client):
    response = _upload(root_client, "areas.csv", b"")

    assert response.status_code == 200
    assert response.context["form"].errors == {"file": ["The submitted file is empty."]}
    assert AdminArea.objects.count() == 0


def test_the_admin_import_page_reads_a_gbk_file(root_client):
    response = _upload(root_client, "areas.csv", GOOD.encode("gbk"))

    assert response.status_code == 302
    assert AdminArea.objects.count() == 6
    assert AdminArea.objects.get(code="150602001000").name == "交通街道办事处"


def test_the_command_reads_a_gbk_file(tmp_path):
    out = io.StringIO()
    call_command("import_areas", str(write(tmp_path, GOOD, encoding="gbk")), stdout=out)

    assert "6 created, 0 updated, 0 unchanged" in out.getvalue()
    assert AdminArea.objects.get(code="150602000000").name == "东胜区"
