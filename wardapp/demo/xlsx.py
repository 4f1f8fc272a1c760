# ruff: noqa: E501 (OOXML parts are kept one per line, as they are read)
"""Writing an .xlsx the way spreadsheet programs save it, for generated exports (demo, benchmark, tests).

openpyxl writes every text as an inline string; Excel and LibreOffice write shared strings and a
styled serial number for a date. An export written here reads like theirs, so the benchmark
measures what a commune's real file costs.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from xml.sax.saxutils import escape

from wardapp.platform.sheets import column_name


def _serial(moment: dt.datetime) -> float:
    delta = moment - dt.datetime(1899, 12, 30)
    return delta.days + delta.seconds / 86400


def spreadsheet(
    rows: list[list],
    header: list[str],
    *,
    title: str | None = None,
    application: str = "Microsoft Excel",
    dimension: bool = True,
) -> bytes:
    """An .xlsx as spreadsheet programs save it: shared strings, dates as serial numbers with a
    ``DD/MM/YYYY HH:MM`` number format, numbers as numbers, an optional title row above the header.
    ``dimension`` writes the sheet's size up front (Excel does; some writers leave it out)."""
    strings: list[str] = []
    index: dict[str, int] = {}

    def shared(text: str) -> int:
        if text not in index:
            index[text] = len(strings)
            strings.append(text)
        return index[text]

    sheet_rows = []
    table = ([[title], []] if title else []) + [header, *rows]
    last_column = max((len(v) for v in table), default=1)
    for r, values in enumerate(table, start=1):
        cells = []
        for c, value in enumerate(values):
            ref = f"{column_name(c)}{r}"
            if value is None or value == "":
                continue
            if isinstance(value, dt.datetime):
                cells.append(f'<c r="{ref}" s="1" t="n"><v>{_serial(value):.10f}</v></c>')
            elif isinstance(value, bool | int | float):
                cells.append(f'<c r="{ref}" s="0" t="n"><v>{int(value) if isinstance(value, bool) else value}</v></c>')
            else:
                cells.append(f'<c r="{ref}" s="0" t="s"><v>{shared(str(value))}</v></c>')
        sheet_rows.append(f'<row r="{r}" customFormat="false" ht="12.8" hidden="false">{"".join(cells)}</row>')
    ns = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    rel_ns = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
    parts = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
            '<Override PartName="/docProps/app.xml" ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/>'
            "</Types>"
        ),
        "_rels/.rels": (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
            '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/extended-properties" Target="docProps/app.xml"/>'
            "</Relationships>"
        ),
        "docProps/app.xml": (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">'
            f"<Application>{escape(application)}</Application></Properties>"
        ),
        "xl/_rels/workbook.xml.rels": (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>'
            '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
            '<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>'
            "</Relationships>"
        ),
        "xl/workbook.xml": (
            f'<?xml version="1.0" encoding="UTF-8"?><workbook {ns} {rel_ns}>'
            '<fileVersion appName="Calc"/><sheets><sheet name="Sheet1" sheetId="1" state="visible" r:id="rId2"/></sheets>'
            "</workbook>"
        ),
        "xl/styles.xml": (
            f'<?xml version="1.0" encoding="UTF-8"?><styleSheet {ns}>'
            '<numFmts count="1"><numFmt numFmtId="164" formatCode="DD/MM/YYYY HH:MM"/></numFmts>'
            '<fonts count="1"><font><sz val="10"/><name val="Arial"/></font></fonts>'
            '<fills count="1"><fill><patternFill patternType="none"/></fill></fills>'
            '<borders count="1"><border/></borders>'
            '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
            '<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
            '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="true"/></cellXfs>'
            "</styleSheet>"
        ),
        "xl/sharedStrings.xml": "",  # filled below, once every string is known
        "xl/worksheets/sheet1.xml": (
            f'<?xml version="1.0" encoding="UTF-8"?><worksheet {ns} {rel_ns}>'
            + (f'<dimension ref="A1:{column_name(last_column - 1)}{len(table)}"/>' if dimension else "")
            + f"<sheetData>{''.join(sheet_rows)}</sheetData></worksheet>"
        ),
    }
    parts["xl/sharedStrings.xml"] = (
        f'<?xml version="1.0" encoding="UTF-8"?><sst {ns} count="{len(strings)}" uniqueCount="{len(strings)}">'
        + "".join(f"<si><t xml:space=\"preserve\">{escape(s)}</t></si>" for s in strings)
        + "</sst>"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in parts.items():
            archive.writestr(name, text)
    return out.getvalue()
