"""Real export files of the dossier log for the tests: xlsx as Excel and LibreOffice save them, CSV.

- ``excel_xlsx`` is written by openpyxl, which writes the same OOXML parts Excel does (shared
  strings, real date cells with a number format, a sheet dimension).
- ``libreoffice_xlsx`` is written part by part (``wardapp.demo.xlsx``) the way LibreOffice Calc 7 saves
  "Excel 2007-365": its own ``docProps/app.xml``, no sheet dimension, numbers typed as ``n``, dates as
  serial numbers with an upper-case ``DD/MM/YYYY HH:MM`` number format, and channel codes as
  numbers. LibreOffice itself is not installed on CI (several hundred MB); this reproduces the
  properties of its files the reader depends on.
- ``csv_bytes`` encodes as UTF-8, UTF-8 with BOM, or Windows-1258 with its combining tone marks,
  as Windows writes Vietnamese in that code page.
"""

from __future__ import annotations

import datetime as dt
import io
import unicodedata
import zipfile

from openpyxl import Workbook

from wardapp.demo.xlsx import spreadsheet

SO_THEO_DOI_HEADER = [
    "STT",
    "Mã hồ sơ",
    "Tên thủ tục hành chính",
    "Lĩnh vực",
    "Họ tên người nộp",
    "Địa chỉ",
    "Số điện thoại",
    "Số CCCD",
    "Kênh tiếp nhận",
    "Ngày, giờ nhận",
    "Ngày hẹn trả",
    "Ngày nhận kết quả",
    "Ngày trả kết quả",
    "Trạng thái",
    "Cán bộ xử lý",
    "Đơn vị xử lý",
    "Có phí, lệ phí",
    "Thanh toán trực tuyến",
    "Đã số hóa",
    "Kết quả điện tử",
    "Toàn trình",
    "Ghi chú",
]
PERSONAL_VALUES = ("Nguyễn Văn Bình", "12 Lê Duẩn, Hải Châu", "0905123456", "048090001234")


def row(code, received, due=None, finished=None, channel="Trực tiếp", **kw) -> list:
    """A row of the one-stop dossier-log form, with the applicant's personal data filled in."""
    return [
        kw.get("stt", 1),
        code,
        kw.get("procedure", "Chứng thực bản sao từ bản chính"),
        kw.get("field", "Chứng thực"),
        *PERSONAL_VALUES,
        channel,
        received,
        due,
        finished,
        kw.get("returned"),
        kw.get("status", ""),
        kw.get("officer", "Trần Thị Hoa"),
        kw.get("unit", "Bộ phận một cửa"),
        kw.get("fee", "Có"),
        kw.get("paid", "Không"),
        kw.get("digitized", "Có"),
        kw.get("e_result", "Không"),
        kw.get("full", ""),
        kw.get("note", "Gọi cho ông Bình 0905123456"),
    ]


def excel_xlsx(rows: list[list], header: list[str] = SO_THEO_DOI_HEADER, title: bool = True) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "So theo doi"
    if title:
        sheet.append(["SỔ THEO DÕI HỒ SƠ"])
        sheet.append([])
    sheet.append(header)
    for values in rows:
        sheet.append(values)
    for cells in sheet.iter_rows():
        for cell in cells:
            if isinstance(cell.value, dt.datetime):
                cell.number_format = "dd/mm/yyyy hh:mm"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


LIBREOFFICE = "LibreOffice/7.4.7.2$Linux_X86_64 LibreOffice_project/40$Build-2"


def libreoffice_xlsx(rows: list[list], header: list[str] = SO_THEO_DOI_HEADER) -> bytes:
    """As LibreOffice Calc 7 saves "Excel 2007-365" (here without the sheet's size up front)."""
    return spreadsheet(rows, header, application=LIBREOFFICE, dimension=False)


_TONES = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}


def to_cp1258(text: str) -> bytes:
    """Encode as Windows does: letters with their vowel marks precomposed, tone marks combining."""
    out = []
    for char in unicodedata.normalize("NFC", text):
        try:
            out.append(char.encode("cp1258"))
            continue
        except UnicodeEncodeError:
            pass
        parts = unicodedata.normalize("NFD", char)
        base = unicodedata.normalize("NFC", "".join(p for p in parts if p not in _TONES))
        tones = "".join(p for p in parts if p in _TONES)
        out.append((base + tones).encode("cp1258"))
    return b"".join(out)


def csv_bytes(rows: list[list], encoding: str, header: list[str] = SO_THEO_DOI_HEADER, sep: str = ",") -> bytes:
    def cell(value) -> str:
        if value is None:
            return ""
        if isinstance(value, dt.datetime):
            return value.strftime("%d/%m/%Y %H:%M")
        text = str(value)
        return f'"{text}"' if sep in text or '"' in text else text

    text = "\r\n".join(sep.join(cell(v) for v in values) for values in [header, *rows]) + "\r\n"
    if encoding == "utf-8-sig":
        return b"\xef\xbb\xbf" + text.encode("utf-8")
    if encoding == "cp1258":
        return to_cp1258(text)
    return text.encode(encoding)


# --- hostile workbooks: a few KB on disk, hundreds of MB for a reader that trusts them ------------

_NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
_HOSTILE_PARTS = {
    "[Content_Types].xml": (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.'
        'spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-'
        'officedocument.spreadsheetml.worksheet+xml"/>'
        '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.'
        'spreadsheetml.sharedStrings+xml"/></Types>'
    ),
    "_rels/.rels": (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        'officeDocument" Target="xl/workbook.xml"/></Relationships>'
    ),
    "xl/_rels/workbook.xml.rels": (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        'worksheet" Target="worksheets/sheet1.xml"/>'
        '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        'sharedStrings" Target="sharedStrings.xml"/></Relationships>'
    ),
    "xl/workbook.xml": (
        f'<?xml version="1.0" encoding="UTF-8"?><workbook {_NS} '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
    ),
}
HEADER_ROW = (
    '<row r="1"><c r="A1" t="inlineStr"><is><t>Mã hồ sơ</t></is></c>'
    '<c r="B1" t="inlineStr"><is><t>Ngày tiếp nhận</t></is></c></row>'
)


def hostile_xlsx(sheet_data: object = "", shared_strings: object = "") -> bytes:
    """A workbook with the given ``<sheetData>`` content and shared-string items; either may be
    an iterable of chunks, written as they come (a bomb is never held whole in the test)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, part in _HOSTILE_PARTS.items():
            archive.writestr(name, part)
        for name, opening, content, closing in (
            ("xl/sharedStrings.xml", f'<?xml version="1.0" encoding="UTF-8"?><sst {_NS}>', shared_strings, "</sst>"),
            (
                "xl/worksheets/sheet1.xml",
                f'<?xml version="1.0" encoding="UTF-8"?><worksheet {_NS}><sheetData>',
                sheet_data,
                "</sheetData></worksheet>",
            ),
        ):
            with archive.open(name, "w", force_zip64=False) as part:
                part.write(opening.encode())
                for chunk in [content] if isinstance(content, str) else content:
                    part.write(chunk.encode())
                part.write(closing.encode())
    return out.getvalue()


def _repeated(text: str, times: int, per_chunk: int = 1 << 20):
    while times > 0:
        n = min(times, per_chunk)
        yield text * n
        times -= n


def row_two_million_xlsx() -> bytes:
    """A 2 KB workbook whose only data row is numbered 2,000,000."""
    return hostile_xlsx(HEADER_ROW + '<row r="2000000"><c r="A2000000" t="inlineStr"><is><t>H1</t></is></c></row>')


def whitespace_bomb_xlsx(megabytes: int = 200) -> bytes:
    """About 200 KB on disk: 200 MB of whitespace between the sheet's rows."""
    return hostile_xlsx([HEADER_ROW, *_repeated(" ", megabytes << 20)])


def huge_shared_string_xlsx(megabytes: int = 48) -> bytes:
    """About 50 KB on disk: one shared string of 48 MB (under the table's 64 MB), used by the first cell."""
    strings = ["<si><t>", *_repeated("A", megabytes << 20), "</t></si>"]
    return hostile_xlsx(HEADER_ROW + '<row r="2"><c r="A2" t="s"><v>0</v></c></row>', strings)


def column_xfd_xlsx(rows: int = 2000) -> bytes:
    """2,000 rows with one cell each in column XFD (the 16,384th, the last Excel has)."""
    return hostile_xlsx([HEADER_ROW, *(f'<row r="{r}"><c r="XFD{r}"><v>{r}</v></c></row>' for r in range(2, rows + 2))])
