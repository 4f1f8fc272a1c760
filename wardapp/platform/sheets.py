"""Reading the rows of an exported dossier log (xlsx or csv) at a bounded cost, whatever the file.

A spreadsheet is a zip of XML parts, and its size on disk says little about what reading it costs:
a 2 KB workbook can name row 2,000,000 or column XFD, and 200 KB of deflated whitespace or one
shared string unpacks to hundreds of megabytes. A general reader (openpyxl) fills every missing
row and column and keeps what it unpacks, so such a file once grew a worker by gigabytes. This
reader streams the first sheet's XML through expat and keeps only cell values, one row at a time;
it checks the zip's directory before opening it and refuses, with the place named, anything past
the limits below. Peak memory is then the shared-string table (bounded) and one row, never a
function of the row or column numbers the file claims. A csv is decoded and read row by row too.

The limits are far above any commune's export (a busy commune's year is about 60,000 rows of 25
columns, an 8 MB workbook) and far below what would hurt the machine.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import datetime as dt
import io
import re
import struct
import unicodedata
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from xml.parsers import expat

from wardapp.core.i18n import gettext as _

MAX_ROWS = 200_000  # rows of the sheet (its row numbers, the header and title rows included)
MAX_COLUMNS = 256  # columns a cell with a value may sit in (A to IV, as older Excel had)
MAX_CELL_CHARS = 32_767  # characters in one cell: Excel's own limit
MAX_SHEET_BYTES = 300 * 1024 * 1024  # the sheet's XML, unpacked
MAX_SHARED_STRINGS_BYTES = 64 * 1024 * 1024  # the shared-string table's XML, unpacked
MAX_SHARED_STRINGS = 1_000_000
MAX_SMALL_PART_BYTES = 4 * 1024 * 1024  # workbook, relationships, styles
MAX_ZIP_ENTRIES = 1_000  # a workbook has a dozen parts; the directory is read before any
MAX_ZIP_DIRECTORY_BYTES = 1024 * 1024
HEAD_ROWS = 20  # rows kept for finding the header row: exports put a title block above it
READ_CHUNK = 64 * 1024
EXCEL_DATE_LIMIT = 2_958_466  # serial of 10000-01-01: a number past it is no date

_CELL_REF = re.compile(r"^([A-Z]{1,3})([0-9]{1,7})$")


class FileProblem(Exception):
    """The whole file cannot be read (not a spreadsheet, too big, no header, missing columns)."""


Row = tuple[int, list]  # (line number as the spreadsheet shows it, cell values)


@dataclass
class Sheet:
    """The first sheet of a file: its first rows at hand, every row by reading the file again."""

    head: list[Row]
    _rows: Callable[[], Iterator[Row]] = field(repr=False)

    def rows(self) -> Iterator[Row]:
        return self._rows()


def read_sheet(filename: str, data: bytes) -> Sheet:
    name = filename.lower()
    if name.endswith(".xlsx"):
        return _sheet(lambda: _xlsx_rows(data))
    if name.endswith((".csv", ".txt")):
        encoding = _csv_encoding(data)
        return _sheet(lambda: _csv_rows(data, encoding))
    raise FileProblem(_("Chỉ nhận tệp .xlsx (Excel, LibreOffice) hoặc .csv."))


def _sheet(rows: Callable[[], Iterator[Row]]) -> Sheet:
    head = []
    iterator = rows()
    try:
        for row in iterator:
            head.append(row)
            if len(head) == HEAD_ROWS:
                break
    finally:
        close = getattr(iterator, "close", None)
        if close is not None:
            close()
    return Sheet(head, rows)


# --- limits named in the messages ------------------------------------------------------------


def _too_many_rows(line: int) -> FileProblem:
    return FileProblem(
        _(
            "Tệp có dòng số %(line)s: nhiều nhất %(max)s dòng một lần nhập. Hãy xuất từng khoảng thời gian ngắn hơn.",
            line=f"{line:,}".replace(",", "."),
            max=f"{MAX_ROWS:,}".replace(",", "."),
        )
    )


def _too_many_columns(where: str) -> FileProblem:
    return FileProblem(
        _("Ô %(cell)s nằm ngoài %(max)s cột đầu của trang tính: tệp không được nhập.", cell=where, max=MAX_COLUMNS)
    )


def _cell_too_long(where: str) -> FileProblem:
    return FileProblem(
        _(
            "Ô %(cell)s dài hơn %(max)s ký tự (giới hạn của Excel): tệp không được nhập.",
            cell=where,
            max=f"{MAX_CELL_CHARS:,}".replace(",", "."),
        )
    )


def _damaged() -> FileProblem:
    return FileProblem(_("Không đọc được tệp Excel: tệp hỏng hoặc không phải .xlsx."))


def _part_too_big(part: str, limit: int) -> FileProblem:
    return FileProblem(
        _(
            "Phần «%(part)s» của tệp Excel giải nén ra hơn %(mb)s MB: tệp không được nhập.",
            part=part,
            mb=limit // (1024 * 1024),
        )
    )


def column_name(index: int) -> str:
    """0 → A, 26 → AA."""
    name = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        name = chr(65 + rest) + name
    return name


# --- xlsx ------------------------------------------------------------------------------------

_MAIN = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"


def _check_directory(data: bytes) -> None:
    """Refuse a zip whose directory alone would cost memory: read its end record, not the entries.

    zipfile builds an object per entry as it opens an archive, so a million tiny entries cost
    hundreds of megabytes before anything is unpacked. A workbook has a dozen parts.
    """
    tail = data[-(65_535 + 22) :]
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) - at < 22:
        raise _damaged()
    entries, directory_size = struct.unpack("<HI", tail[at + 10 : at + 16])
    zip64 = at >= 20 and tail[at - 20 : at - 16] == b"PK\x06\x07"  # its own, larger counts: never needed here
    if entries > MAX_ZIP_ENTRIES or directory_size > MAX_ZIP_DIRECTORY_BYTES or zip64:
        raise FileProblem(_("Tệp Excel có cấu trúc bất thường (quá nhiều phần): tệp không được nhập."))


def _open_zip(data: bytes) -> zipfile.ZipFile:
    _check_directory(data)
    try:
        return zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as error:
        raise _damaged() from error


def _stream(archive: zipfile.ZipFile, part: str, limit: int, parser: expat.XMLParserType) -> None:
    """Feed a part to ``parser`` in chunks; its declared size is checked first, and zipfile never
    unpacks more than the declared size (it stops there and checks the CRC)."""
    try:
        info = archive.getinfo(part)
    except KeyError as error:
        raise _damaged() from error
    if info.file_size > limit:
        raise _part_too_big(part, limit)
    try:
        with archive.open(info) as stream:
            while chunk := stream.read(READ_CHUNK):
                parser.Parse(chunk, False)
            parser.Parse(b"", True)
    except (expat.ExpatError, zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError) as error:
        raise _damaged() from error


def _parser() -> expat.XMLParserType:
    """expat without DOCTYPEs (no part of a workbook has one; entity tricks need one)."""
    parser = expat.ParserCreate()

    def refuse_doctype(*_args: object) -> None:
        raise ValueError("DOCTYPE in a workbook part")

    parser.StartDoctypeDeclHandler = refuse_doctype
    parser.EntityDeclHandler = refuse_doctype
    return parser


def _local(name: str) -> str:
    return name.rpartition(":")[2]


def _attr(attrs: dict[str, str], name: str) -> str | None:
    for key, value in attrs.items():
        if _local(key) == name:
            return value
    return None


def _relationships(archive: zipfile.ZipFile, part: str) -> dict[str, tuple[str, str]]:
    """Id → (type, target part) of a part's relationships."""
    folder = PurePosixPath(part).parent
    rels_part = str(folder / "_rels" / (PurePosixPath(part).name + ".rels"))
    found: dict[str, tuple[str, str]] = {}

    def start(name: str, attrs: dict[str, str]) -> None:
        if _local(name) == "Relationship" and attrs.get("TargetMode") != "External":
            target = attrs.get("Target", "")
            path = target.lstrip("/") if target.startswith("/") else _normal(folder / target)
            found[attrs.get("Id", "")] = (attrs.get("Type", ""), path)

    parser = _parser()
    parser.StartElementHandler = start
    if rels_part not in archive.NameToInfo:
        return found
    _stream(archive, rels_part, MAX_SMALL_PART_BYTES, parser)
    return found


def _normal(path: PurePosixPath) -> str:
    parts: list[str] = []
    for piece in path.parts:
        if piece == "..":
            if parts:
                parts.pop()
        elif piece not in (".", ""):
            parts.append(piece)
    return "/".join(parts)


@dataclass
class _Book:
    sheet: str
    shared_strings: str | None
    styles: str | None
    epoch: dt.datetime


def _book(archive: zipfile.ZipFile) -> _Book:
    package = _relationships(archive, "")
    workbook = next((target for kind, target in package.values() if kind == _MAIN), "xl/workbook.xml")
    rels = _relationships(archive, workbook)
    first: list[str] = []
    date1904 = [False]

    def start(name: str, attrs: dict[str, str]) -> None:
        local = _local(name)
        if local == "sheet" and not first:
            first.append(_attr(attrs, "id") or "")
        elif local == "workbookPr":
            date1904[0] = attrs.get("date1904", "false").lower() in ("1", "true")

    parser = _parser()
    parser.StartElementHandler = start
    _stream(archive, workbook, MAX_SMALL_PART_BYTES, parser)
    if not first or first[0] not in rels:
        raise _damaged()
    by_kind = {kind.rpartition("/")[2]: target for kind, target in rels.values()}
    # openpyxl's date helpers load with the first workbook read, not with the app: starting either app
    # must not load the spreadsheet library (tests/test_architecture.py).
    from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900

    return _Book(
        sheet=rels[first[0]][1],
        shared_strings=by_kind.get("sharedStrings"),
        styles=by_kind.get("styles"),
        epoch=CALENDAR_MAC_1904 if date1904[0] else CALENDAR_WINDOWS_1900,
    )


def _shared_strings(archive: zipfile.ZipFile, part: str | None) -> list[str]:
    """The shared-string table: each ``<si>``'s text runs, phonetic guides left out."""
    strings: list[str] = []
    if part is None or part not in archive.NameToInfo:
        return strings
    state = {"in_si": False, "in_t": False, "phonetic": 0}
    pieces: list[str] = []
    length = [0]

    def start(name: str, _attrs: dict[str, str]) -> None:
        local = _local(name)
        if local == "si":
            state["in_si"], length[0] = True, 0
            pieces.clear()
        elif local == "rPh":
            state["phonetic"] += 1
        elif local == "t" and state["in_si"] and not state["phonetic"]:
            state["in_t"] = True

    def end(name: str) -> None:
        local = _local(name)
        if local == "si":
            if len(strings) >= MAX_SHARED_STRINGS:
                raise FileProblem(_("Tệp Excel có quá nhiều chuỗi văn bản: tệp không được nhập."))
            strings.append("".join(pieces))
            state["in_si"] = False
        elif local == "rPh":
            state["phonetic"] -= 1
        elif local == "t":
            state["in_t"] = False

    def text(data: str) -> None:
        if state["in_t"]:
            length[0] += len(data)
            if length[0] > MAX_CELL_CHARS:
                raise FileProblem(
                    _(
                        "Chuỗi văn bản số %(n)s của tệp dài hơn %(max)s ký tự: tệp không được nhập.",
                        n=len(strings),
                        max=f"{MAX_CELL_CHARS:,}".replace(",", "."),
                    )
                )
            pieces.append(data)

    parser = _parser()
    parser.StartElementHandler, parser.EndElementHandler, parser.CharacterDataHandler = start, end, text
    _stream(archive, part, MAX_SHARED_STRINGS_BYTES, parser)
    return strings


def _date_styles(archive: zipfile.ZipFile, part: str | None) -> set[int]:
    """Indexes of the cell formats whose number format is a date (a date cell is a styled number)."""
    if part is None or part not in archive.NameToInfo:
        return set()
    custom: dict[int, str] = {}
    formats: list[int] = []
    depth = {"cellXfs": False}

    def start(name: str, attrs: dict[str, str]) -> None:
        local = _local(name)
        if local == "numFmt":
            with contextlib.suppress(ValueError):
                custom[int(attrs.get("numFmtId", ""))] = attrs.get("formatCode", "")
        elif local == "cellXfs":
            depth["cellXfs"] = True
        elif local == "xf" and depth["cellXfs"]:
            try:
                formats.append(int(attrs.get("numFmtId", "0")))
            except ValueError:
                formats.append(0)

    def end(name: str) -> None:
        if _local(name) == "cellXfs":
            depth["cellXfs"] = False

    parser = _parser()
    parser.StartElementHandler, parser.EndElementHandler = start, end
    _stream(archive, part, MAX_SMALL_PART_BYTES, parser)
    from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format  # read on use, as above

    return {i for i, fmt in enumerate(formats) if is_date_format(custom.get(fmt, BUILTIN_FORMATS.get(fmt)))}


class _SheetReader:
    """The sheet's XML as expat events → one row of values at a time."""

    def __init__(self, strings: list[str], date_styles: set[int], epoch: dt.datetime):
        self.strings, self.date_styles, self.epoch = strings, date_styles, epoch
        self.ready: list[Row] = []
        self.row_number = 0
        self.rows_seen = 0
        self.cells: dict[int, object] = {}
        self.cell: dict[str, object] | None = None
        self.column = -1
        self.text: list[str] = []
        self.text_length = 0
        self.capture = False  # inside a cell's <v> or an inline string's <t>
        self.in_sheet_data = False
        self.phonetic = 0

    def start(self, name: str, attrs: dict[str, str]) -> None:
        local = _local(name)
        if local == "sheetData":
            self.in_sheet_data = True
        elif not self.in_sheet_data:
            return
        elif local == "row":
            self._start_row(attrs.get("r"))
        elif local == "c":
            self._start_cell(attrs)
        elif local == "rPh":
            self.phonetic += 1
        elif self.cell is not None and (local == "v" or (local == "t" and not self.phonetic)):
            self.capture = True

    def end(self, name: str) -> None:
        local = _local(name)
        if local == "sheetData":
            self.in_sheet_data = False
        elif local in ("v", "t"):
            self.capture = False
        elif local == "rPh":
            self.phonetic -= 1
        elif local == "c" and self.cell is not None:
            self._end_cell()
        elif local == "row":
            self._end_row()

    def data(self, text: str) -> None:
        if not self.capture:
            return  # whitespace between elements, formulas: never kept
        self.text_length += len(text)
        if self.text_length > MAX_CELL_CHARS:
            raise _cell_too_long(self._where())
        self.text.append(text)

    def _start_row(self, number: str | None) -> None:
        if number is None:
            line = self.row_number + 1
        elif number.isdigit() and len(number) <= 8:
            line = int(number)
        else:
            raise FileProblem(_("Tệp Excel có số dòng «%(value)s» không hợp lệ.", value=number[:20]))
        self.rows_seen += 1
        if line > MAX_ROWS or self.rows_seen > MAX_ROWS:
            raise _too_many_rows(max(line, self.rows_seen))
        self.row_number, self.cells, self.column = line, {}, -1

    def _start_cell(self, attrs: dict[str, str]) -> None:
        ref = attrs.get("r")
        if ref is None:
            self.column += 1
        else:
            match = _CELL_REF.match(ref)
            if match is None:
                raise FileProblem(_("Tệp Excel có ô «%(ref)s» không hợp lệ.", ref=ref[:20]))
            self.column = _column_index(match.group(1))
            if int(match.group(2)) != self.row_number:
                raise FileProblem(
                    _("Tệp Excel có ô «%(ref)s» ghi trong dòng %(line)s.", ref=ref[:20], line=self.row_number)
                )
        self.cell = {"t": attrs.get("t", "n"), "s": attrs.get("s")}
        self.text, self.text_length = [], 0

    def _end_cell(self) -> None:
        assert self.cell is not None
        value = self._value(self.cell, "".join(self.text))
        self.cell, self.text = None, []
        if value is None or value == "":
            return
        if self.column >= MAX_COLUMNS:
            raise _too_many_columns(self._where())
        self.cells[self.column] = value

    def _end_row(self) -> None:
        if self.cells:
            values: list = [None] * (max(self.cells) + 1)
            for position, value in self.cells.items():
                values[position] = value
            self.ready.append((self.row_number, values))
        self.cells = {}

    def _where(self) -> str:
        return f"{column_name(self.column)}{self.row_number}"

    def _value(self, cell: dict[str, object], text: str) -> object:
        kind = cell["t"]
        if kind == "s":
            try:
                return self.strings[int(text)]
            except (ValueError, IndexError):
                raise FileProblem(
                    _(
                        "Ô %(cell)s trỏ tới chuỗi văn bản số %(n)s, tệp chỉ có %(count)s: tệp hỏng.",
                        cell=self._where(),
                        n=text.strip()[:12],
                        count=len(self.strings),
                    )
                ) from None
        if kind in ("inlineStr", "str", "e", "d"):
            return text
        if kind == "b":
            return text.strip() in ("1", "true")
        text = text.strip()
        if not text:
            return None
        return self._number(text, cell["s"])

    def _number(self, text: str, style: object) -> object:
        try:
            number: float | int = float(text) if any(c in text for c in ".eEnN") else int(text)
        except ValueError:
            return text  # not a number after all: let the column's rule say what is wrong
        dated = isinstance(style, str) and style.isdigit() and int(style) in self.date_styles
        if dated and 0 <= number < EXCEL_DATE_LIMIT:
            from openpyxl.utils.datetime import from_excel  # read on use, as above

            try:
                return from_excel(number, self.epoch)
            except (OverflowError, ValueError):
                return number
        return number


def _column_index(letters: str) -> int:
    index = 0
    for letter in letters:
        index = index * 26 + ord(letter) - 64
    return index - 1


def _xlsx_rows(data: bytes) -> Iterator[Row]:
    archive = _open_zip(data)
    with archive:
        book = _book(archive)
        reader = _SheetReader(
            _shared_strings(archive, book.shared_strings), _date_styles(archive, book.styles), book.epoch
        )
        try:
            info = archive.getinfo(book.sheet)
        except KeyError as error:
            raise _damaged() from error
        if info.file_size > MAX_SHEET_BYTES:
            raise _part_too_big(book.sheet, MAX_SHEET_BYTES)
        parser = _parser()
        parser.StartElementHandler, parser.EndElementHandler = reader.start, reader.end
        parser.CharacterDataHandler = reader.data
        try:
            with archive.open(info) as stream:
                while chunk := stream.read(READ_CHUNK):
                    parser.Parse(chunk, False)
                    yield from reader.ready
                    reader.ready.clear()
                parser.Parse(b"", True)
        except (expat.ExpatError, zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError) as error:
            raise _damaged() from error
        yield from reader.ready


# --- csv -------------------------------------------------------------------------------------


def _csv_encoding(data: bytes) -> str:
    """UTF-8 with a BOM (which must then be UTF-8), UTF-8, else Windows-1258: decided by decoding
    the whole file once without keeping what it decodes to."""
    if data.startswith(codecs.BOM_UTF8):
        if not _decodes(data[3:], "utf-8"):
            raise FileProblem(_("Tệp CSV có BOM UTF-8 nhưng nội dung không phải UTF-8."))
        return "utf-8-sig"
    return "utf-8" if _decodes(data, "utf-8") else "cp1258"


def _decodes(data: bytes, encoding: str) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)()
    try:
        for start in range(0, len(data), READ_CHUNK):
            decoder.decode(data[start : start + READ_CHUNK])
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _csv_rows(data: bytes, encoding: str) -> Iterator[Row]:
    """Rows of a csv; text is composed to NFC (Windows-1258 writes tone marks as separate
    characters). The delimiter is the first line's most frequent of ``;``, ``,`` and tab."""
    text = io.TextIOWrapper(io.BytesIO(data), encoding=encoding, errors="replace", newline="")
    first_line = text.readline(READ_CHUNK)
    text.seek(0)
    delimiter = max((";", ",", "\t"), key=first_line.count)
    reader = csv.reader(text, delimiter=delimiter)
    line = 1
    count = 0
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            raise FileProblem(
                _(
                    "Dòng %(line)s của tệp CSV không đọc được (ô dài quá %(max)s ký tự hoặc dấu ngoặc kép không đóng).",
                    line=line,
                    max=f"{MAX_CELL_CHARS:,}".replace(",", "."),
                )
            ) from error
        count += 1
        if count > MAX_ROWS:
            raise _too_many_rows(count)
        if len(cells) > MAX_COLUMNS and any(c.strip() for c in cells[MAX_COLUMNS:]):
            raise _too_many_columns(f"{column_name(MAX_COLUMNS)}{line}")
        cells = cells[:MAX_COLUMNS]
        for position, cell in enumerate(cells):
            if len(cell) > MAX_CELL_CHARS:
                raise _cell_too_long(f"{column_name(position)}{line}")
        yield line, [unicodedata.normalize("NFC", c) for c in cells]
        line = reader.line_num + 1
