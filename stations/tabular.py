"""Reading spreadsheets for imports: CSV (UTF-8, UTF-8 with BOM or GBK, optionally gzipped) and .xlsx.

Every import in the platform reads through `read_table` and reports problems as `RowError`s, with
the row number a person sees in Excel (the header is row 1).
"""

import csv
import gzip
import io
import re
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from django.utils.translation import gettext as _


@dataclass(frozen=True)
class RowError:
    row: int  # 0 for the file as a whole
    column: str
    message: str

    def __str__(self) -> str:
        if self.row == 0:
            return self.message
        if self.column:
            return _("Row %(row)d, column %(column)s: %(message)s") % {
                "row": self.row,
                "column": self.column,
                "message": self.message,
            }
        return _("Row %(row)d: %(message)s") % {"row": self.row, "message": self.message}


class ImportRejected(Exception):
    """A file that cannot be imported; nothing was written. Carries every problem found."""

    def __init__(self, errors: list[RowError]):
        self.errors = errors
        super().__init__("\n".join(str(error) for error in errors[:50]))

    def messages(self, limit: int = 1000) -> list[str]:
        lines = [str(error) for error in self.errors[:limit]]
        if len(self.errors) > limit:
            lines.append(_("… and %(count)d more problems.") % {"count": len(self.errors) - limit})
        return lines


@dataclass
class Table:
    columns: list[str]
    rows: list[tuple[int, dict[str, str]]]  # (row number, values by column)


def _file_error(message: str) -> ImportRejected:
    return ImportRejected([RowError(0, "", message)])


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise _file_error(_("The file is neither UTF-8 nor GBK text; save it as CSV UTF-8 or .xlsx."))


def _csv_rows(text: str) -> Iterator[list[str]]:
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",\t;")
    except csv.Error:
        dialect = csv.excel
    yield from csv.reader(io.StringIO(text), dialect)


# python-calamine (Rust) reads a workbook about ten times faster than openpyxl (100,000 rows × 10
# columns: 2.7 s against 28 s, docs/performance.md §5). openpyxl stays for what calamine would get
# wrong or could not survive; `_calamine_rows` answers None for those and openpyxl reads the file.
# calamine holds a sheet as one dense rectangle from A1 to its farthest cell: a stray cell at
# XFD1048576 would ask for 17 billion cells and abort the process, so bigger sheets go to openpyxl,
# which streams them.
CALAMINE_MAX_CELLS = 10_000_000
# A sheet part's inflated XML is read whole for the checks below; past this, openpyxl streams it.
CALAMINE_MAX_SHEET_XML = 512 * 1024 * 1024
# Row (`<row r="7">`) and cell (`<c r="AB7">`) references, with or without a namespace prefix.
# The pattern opens with a literal, which the regex engine can search for: a leading `\s` made
# the scan eight times slower. Another attribute ending in "r" could match too, which only makes
# the bound larger (openpyxl then reads the file).
_REFERENCE = re.compile(rb'r="([A-Z]{0,3})([0-9]{1,7})"')
# f64 carries every integer below 2**53 exactly; a longer number (an 18-digit ID number kept as a
# number by a tool other than Excel) is exact only in openpyxl, which parses it as int.
_EXACT_FLOAT_LIMIT = 2.0**53


def _xlsx_rows(data: bytes) -> Iterator[list[str]]:
    rows = _calamine_rows(data)
    return _openpyxl_rows(data) if rows is None else iter(rows)


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + letter - 64
    return number


def _calamine_safe(data: bytes) -> bool:
    """Whether calamine reads this workbook as openpyxl would, within bounded memory.

    Not: anything but a readable .xlsx zip (a damaged file is read by openpyxl, so its message
    stays the same), error cells (`#N/A`: openpyxl gives the text, calamine an empty cell) and
    sheets whose rectangle passes CALAMINE_MAX_CELLS. Costs one pass over each sheet's XML
    (about 2 s for 100,000 rows × 10 columns on the busy 2-CPU machine; calamine then takes 3 s).
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        names = archive.namelist()
        if "xl/workbook.xml" not in names:
            return False
        for name in names:
            if not (name.startswith("xl/worksheets/") and name.endswith(".xml")):
                continue
            if archive.getinfo(name).file_size > CALAMINE_MAX_SHEET_XML:
                return False
            xml = archive.read(name)
            if b't="e"' in xml:
                return False
            references = _REFERENCE.findall(xml)
            height = max(map(int, {row for _letters, row in references}), default=0)
            width = max(map(_column_number, {letters for letters, _row in references}), default=0)
            if width * height > CALAMINE_MAX_CELLS:
                return False
    except Exception:
        return False
    return True


def _calamine_rows(data: bytes) -> list[list[str]] | None:
    """The first worksheet's rows as text, or None when openpyxl must read the file."""
    if not _calamine_safe(data):
        return None
    from python_calamine import CalamineWorkbook, SheetTypeEnum

    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        with workbook:
            index = next(
                number
                for number, sheet in enumerate(workbook.sheets_metadata)
                if sheet.typ == SheetTypeEnum.WorkSheet
            )
            sheet = workbook.get_sheet_by_index(index)
            rows = []
            # skip_empty_area=False starts at A1, as openpyxl does, rather than at the first used
            # cell: the row numbers and header columns stay the ones the person sees.
            for values in sheet.to_python(skip_empty_area=False):
                cells = []
                for value in values:
                    if value.__class__ is str:  # most cells: skip _cell_text's checks
                        cells.append(value.strip())
                    elif isinstance(value, float) and abs(value) >= _EXACT_FLOAT_LIMIT:
                        return None
                    else:
                        cells.append(_cell_text(value))
                rows.append(cells)
    except Exception:
        return None
    return rows


def _openpyxl_rows(data: bytes) -> Iterator[list[str]]:
    from openpyxl import load_workbook

    # openpyxl (and zipfile, zlib, the XML parser under it) raise many kinds on a damaged file;
    # a read-only workbook streams its sheet, so damage inside the sheet surfaces mid-iteration.
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        sheet = workbook.worksheets[0]
        for values in sheet.iter_rows(values_only=True):
            yield ["" if value is None else _cell_text(value) for value in values]
    except Exception as exc:
        raise _file_error(_("The .xlsx file cannot be read: %(error)s") % {"error": exc}) from None
    workbook.close()


def _cell_text(value) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if hasattr(value, "date") and hasattr(value, "hour"):
        return value.date().isoformat()
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value).strip()


def read_table(
    source: str | Path | IO[bytes],
    *,
    required: list[str],
    optional: list[str] = (),
    name: str | None = None,
    max_bytes: int | None = None,
) -> Table:
    """Reads a whole table; checks the header names every required column and no unknown one."""
    if isinstance(source, str | Path):
        name = name or str(source)
        with open(source, "rb") as handle:
            data = handle.read(max_bytes + 1 if max_bytes else -1)
    else:
        data = source.read(max_bytes + 1 if max_bytes else -1)
        name = name or getattr(source, "name", "") or ""
    if max_bytes and len(data) > max_bytes:
        raise _file_error(
            _("The file is larger than the limit of %(limit)d MB.")
            % {"limit": max_bytes // (1024 * 1024)}
        )
    if not data:
        raise _file_error(_("The file is empty."))
    lower = name.lower()
    if lower.endswith(".gz") or data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError, zlib.error):
            raise _file_error(_("The compressed file is damaged.")) from None
        lower = lower.removesuffix(".gz")
    if lower.endswith(".xlsx") or data[:4] == b"PK\x03\x04":
        raw_rows = _xlsx_rows(data)
    elif lower.endswith(".xls"):
        raise _file_error(_("Old .xls files are not supported; save the sheet as .xlsx or CSV."))
    else:
        raw_rows = _csv_rows(_decode(data))

    header = None
    numbered = enumerate(raw_rows, start=1)
    for _number, raw in numbered:
        if any(cell.strip() for cell in raw):
            header = [cell.strip().lower() for cell in raw]
            break
    if header is None:
        raise _file_error(_("The file is empty."))
    missing = [column for column in required if column not in header]
    unknown = [c for c in header if c and c not in required and c not in optional]
    if missing or unknown:
        parts = []
        if missing:
            parts.append(_("missing columns: %(columns)s") % {"columns": ", ".join(missing)})
        if unknown:
            parts.append(_("unknown columns: %(columns)s") % {"columns": ", ".join(unknown)})
        raise _file_error(
            _("The header row does not match (%(problems)s). Expected columns: %(expected)s.")
            % {"problems": "; ".join(parts), "expected": ", ".join([*required, *optional])}
        )
    named = [column for column in header if column]
    if len(set(named)) != len(named):
        raise _file_error(_("A column appears twice in the header row."))
    rows = []
    width = len(header)
    for number, raw in numbered:
        if not any(cell.strip() for cell in raw):
            continue
        cells = [cell.strip() for cell in raw[:width]] + [""] * (width - len(raw))
        rows.append((number, dict(zip(header, cells, strict=True))))
    if not rows:
        raise _file_error(_("The file has a header row but no data rows."))
    return Table(columns=header, rows=rows)
