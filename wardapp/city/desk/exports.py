"""Every file of figures the city serves, written here and nowhere else; a view only names the
rows and calls ``download``.

- The II.06a table: an Excel workbook laid out like the form (``xlsx``) and a CSV (``csv_text``),
  both from the rows the page shows (``desk.Totals``), the same numbers; the workbook written with
  XlsxWriter (merged two-level headings, numbered columns, number formats).
- The received reports: one line per commune-day, every figure and rate (``reports_csv``).

Every text cell of a CSV is kept from being read as a formula (``spreadsheet_text``); a CSV is
UTF-8 with a BOM, for Excel.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass

from flask import Response, send_file

from wardapp.city.desk.operations import Totals
from wardapp.city.models import ReceivedReport
from wardapp.core import ii06a
from wardapp.core.figures import FIGURE_NAMES
from wardapp.core.i18n import fmt_date
from wardapp.core.i18n import gettext as _
from wardapp.core.i18n import lazy_gettext as _l
from wardapp.core.rates import RATES

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# The rates shown beside the form's columns, in order: (rate name or "estimate_766", label).
RATE_COLUMNS = (
    ("on_time_rate", _l("Tỷ lệ đúng hạn")),
    ("late_rate", _l("Tỷ lệ trễ hạn")),
    ("online_rate", _l("Tỷ lệ trực tuyến")),
    ("online_payment_rate", _l("Tỷ lệ thanh toán trực tuyến")),
    ("digitization_rate", _l("Tỷ lệ số hóa")),
    ("satisfaction_rate", _l("Tỷ lệ hài lòng")),
    ("estimate_766", _l("Ước tính 766 (phần đo được)")),
)


def spreadsheet_text(text: str) -> str:
    """Text from a commune's payload, never read as a formula by a spreadsheet (CSV injection)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def rate_value(row: Totals, key: str) -> float | None:
    return row.estimate if key == "estimate_766" else row.rates.get(key)


def note(row: Totals) -> str:
    """What a reader must know beside a row's numbers: days missing, not connected, returned."""
    if not row.enrolled:
        return _("Chưa kết nối")
    parts = []
    if row.days_missing:
        parts.append(_("Thiếu %(n)s/%(total)s ngày", n=row.days_missing, total=row.days_expected))
    if row.days_late:
        parts.append(_("%(n)s ngày nộp muộn", n=row.days_late))
    if row.days_returned:
        parts.append(_("%(n)s báo cáo bị trả lại", n=row.days_returned))
    return "; ".join(parts)


@dataclass(frozen=True)
class Sheet:
    title: str  # e.g. "Tổng hợp tình hình giải quyết hồ sơ TTHC"
    scope: str  # the province(s)
    start: dt.date
    end: dt.date
    unit_label: str  # translated: "Xã/phường" or "Tỉnh/thành phố"
    rows: list[Totals]
    total: Totals


def period_text(start: dt.date, end: dt.date) -> str:
    if start == end:
        return _("Ngày %(day)s", day=fmt_date(start))
    return _("Từ ngày %(start)s đến ngày %(end)s", start=fmt_date(start), end=fmt_date(end))


def xlsx(sheet: Sheet, *, issuer: str = "", made_on: dt.date | None = None) -> bytes:
    """The workbook a city official files as it is: a heading block (the issuer, the title, the
    scope and period, the date it was made), two heading rows (merged groups), the form's column
    numbers, one row per connected unit with its order as a number, the total; counts as integers
    and rates as percentages. Units not connected are not rows of blanks: they are counted under
    the table and listed on their own sheet. Printed on A4 landscape, fitted to the page's width,
    the heading rows repeated on every page."""
    out = io.BytesIO()
    import xlsxwriter  # loaded on the first export, not when a worker starts (docs/PERFORMANCE.md)

    book = xlsxwriter.Workbook(out, {"in_memory": True})
    book.set_properties({"title": sheet.title, "subject": period_text(sheet.start, sheet.end), "author": issuer})
    ws = book.add_worksheet("II.06a")
    base = {"font_name": "Times New Roman", "font_size": 11, "valign": "vcenter"}
    issuer_format = book.add_format({**base, "bold": True, "font_size": 12, "align": "left"})
    title = book.add_format({**base, "bold": True, "font_size": 13, "align": "center"})
    centre = book.add_format({**base, "align": "center", "italic": True})
    head = book.add_format(
        {**base, "bold": True, "align": "center", "text_wrap": True, "border": 1, "bg_color": "#EEF1F5"}
    )
    number_head = book.add_format({**base, "italic": True, "align": "center", "border": 1})
    order = book.add_format({**base, "border": 1, "align": "center", "num_format": "0"})
    text = book.add_format({**base, "border": 1, "text_wrap": True})
    count = book.add_format({**base, "border": 1, "num_format": "#,##0"})
    percent = book.add_format({**base, "border": 1, "num_format": "0.0%"})
    bold_text = book.add_format({**base, "border": 1, "bold": True})
    bold_count = book.add_format({**base, "border": 1, "bold": True, "num_format": "#,##0"})
    bold_percent = book.add_format({**base, "border": 1, "bold": True, "num_format": "0.0%"})
    plain = book.add_format({**base, "italic": True})

    counts = len(ii06a.COLUMNS)
    last_col = 2 + counts + len(RATE_COLUMNS)  # TT, unit, (3)–(13), rates, note
    connected = [row for row in sheet.rows if row.enrolled]
    absent = [row for row in sheet.rows if not row.enrolled]
    # The heading block: who issues it, what it is, for where and when, the day it was made.
    ws.merge_range(0, 0, 0, 6, issuer.upper(), issuer_format)
    ws.merge_range(1, 0, 1, last_col, sheet.title, title)
    ws.merge_range(2, 0, 2, last_col, f"{sheet.scope} — {period_text(sheet.start, sheet.end)}", centre)
    made = _("Ngày lập: %(day)s", day=fmt_date(made_on)) if made_on else ""
    ws.merge_range(3, 0, 3, last_col, made, centre)
    top, sub, numbers = 5, 6, 7
    ws.merge_range(top, 0, sub, 0, _("TT"), head)
    ws.merge_range(top, 1, sub, 1, sheet.unit_label, head)
    col = 2
    for group, span in ii06a.GROUPS:
        ws.merge_range(top, col, top, col + span - 1, str(group), head)
        col += span
    for i, column in enumerate(ii06a.COLUMNS):
        ws.write(sub, 2 + i, str(column.label), head)
    ws.merge_range(top, 2 + counts, top, 1 + counts + len(RATE_COLUMNS), _("Tỷ lệ (tính từ số liệu)"), head)
    for i, (_key, label) in enumerate(RATE_COLUMNS):
        ws.write(sub, 2 + counts + i, str(label), head)
    ws.merge_range(top, last_col, sub, last_col, _("Ghi chú"), head)
    ws.write(numbers, 0, "(1)", number_head)
    ws.write(numbers, 1, "(2)", number_head)
    for i, column in enumerate(ii06a.COLUMNS):
        ws.write(numbers, 2 + i, f"({column.number})", number_head)
    for i in range(len(RATE_COLUMNS) + 1):
        ws.write_blank(numbers, 2 + counts + i, None, number_head)

    def write_row(r: int, tt: int | None, row: Totals, fmt_text, fmt_count, fmt_percent) -> None:
        if tt is None:
            ws.write_blank(r, 0, None, fmt_text)
        else:
            ws.write_number(r, 0, tt, order)
        ws.write(r, 1, row.name, fmt_text)
        columns = row.columns
        for i in range(counts):
            if columns is None:
                ws.write_blank(r, 2 + i, None, fmt_count)
            else:
                ws.write_number(r, 2 + i, columns[i], fmt_count)
        for i, (key, _label) in enumerate(RATE_COLUMNS):
            value = rate_value(row, key)
            if value is None:
                ws.write_blank(r, 2 + counts + i, None, fmt_percent)
            else:
                ws.write_number(r, 2 + counts + i, value, fmt_percent)
        ws.write(r, last_col, note(row), fmt_text)

    r = numbers + 1
    for n, row in enumerate(connected, start=1):
        write_row(r, n, row, text, count, percent)
        r += 1
    write_row(r, None, sheet.total, bold_text, bold_count, bold_percent)
    if absent:
        ws.write(
            r + 2,
            1,
            _(
                "Chưa kết nối hệ thống: %(n)s đơn vị (danh sách ở trang tính \"%(sheet)s\").",
                n=len(absent),
                sheet=absent_sheet_name(),
            ),
            plain,
        )
    ws.set_column(0, 0, 5)
    ws.set_column(1, 1, 24)
    ws.set_column(2, 1 + counts, 8)
    ws.set_column(2 + counts, 1 + counts + len(RATE_COLUMNS), 9)
    ws.set_column(last_col, last_col, 22)
    ws.set_row(sub, 60)
    ws.freeze_panes(numbers + 1, 2)
    _print_setup(ws, top, numbers)
    if absent:
        _absent_sheet(book, absent, base)
    book.close()
    return out.getvalue()


def absent_sheet_name() -> str:
    """The sheet of the units not connected, named in the reader's language (at most 31 characters)."""
    return _("Chưa kết nối")[:31]


def _print_setup(ws, top: int, numbers: int) -> None:
    """A4 landscape, fitted to the width of one page (as many pages down as it takes), the heading
    rows on every page, the page number in the footer, margins that leave room for binding."""
    ws.set_landscape()
    ws.set_paper(9)  # A4
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(top, numbers)
    ws.set_margins(left=0.8, right=0.4, top=0.6, bottom=0.6)
    ws.center_horizontally()
    ws.set_footer("&C&P / &N")


def _absent_sheet(book, absent: list[Totals], base: dict) -> None:
    ws = book.add_worksheet(absent_sheet_name())
    head = book.add_format({**base, "bold": True, "align": "center", "border": 1, "bg_color": "#EEF1F5"})
    text = book.add_format({**base, "border": 1})
    order = book.add_format({**base, "border": 1, "align": "center", "num_format": "0"})
    for c, label in enumerate((_("TT"), _("Mã"), _("Tên đơn vị"))):
        ws.write(0, c, label, head)
    for n, row in enumerate(absent, start=1):
        ws.write_number(n, 0, n, order)
        ws.write_string(n, 1, row.code, text)
        ws.write_string(n, 2, row.name, text)
    ws.set_column(0, 0, 5)
    ws.set_column(1, 1, 8)
    ws.set_column(2, 2, 36)
    ws.set_paper(9)
    ws.repeat_rows(0)
    ws.fit_to_pages(1, 0)


def csv_text(sheet: Sheet) -> str:
    """The same table as CSV (UTF-8 with BOM for Excel), every text cell formula-safe."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [_("TT"), _("Mã"), sheet.unit_label]
        + [f"({c.number}) {c.group} - {c.label}" for c in ii06a.COLUMNS]
        + [str(label) for _key, label in RATE_COLUMNS]
        + [_("Ngày đã báo cáo"), _("Ngày phải báo cáo"), _("Ghi chú")]
    )

    def line(tt: str, row: Totals) -> list[object]:
        columns = row.columns
        values: list[object] = [tt, row.code, spreadsheet_text(row.name)]
        values += ["" for _c in ii06a.COLUMNS] if columns is None else columns
        for key, _label in RATE_COLUMNS:
            value = rate_value(row, key)
            values.append("" if value is None else round(value, 6))
        return [*values, row.days_reported, row.days_expected, spreadsheet_text(note(row))]

    for n, row in enumerate(sheet.rows, start=1):
        writer.writerow(line(str(n), row))
    writer.writerow(line("", sheet.total))
    return "\ufeff" + out.getvalue()


def reports_csv(reports: list[ReceivedReport]) -> str:
    """The figures of the given revisions, one line per commune-day (a malformed report, see
    ``ReceivedReport.problems``, is left out: its page shows it raw)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            "commune_code",
            "commune_name",
            "date",
            "report_id",
            "revision",
            "late",
            "state",
            "received_at",
            *FIGURE_NAMES,
            *[r.name for r in RATES],
        ]
    )
    for r in reports:
        if r.problems:
            continue
        doc = r.document
        writer.writerow(
            [
                r.commune_code,
                spreadsheet_text(doc["commune"]["name"]),
                r.date.isoformat(),
                r.report_id,
                r.revision,
                int(r.late),
                r.state,
                r.received_at.isoformat(timespec="seconds"),
                *[doc["figures"][n] for n in FIGURE_NAMES],
                *["" if doc["rates"].get(x.name) is None else doc["rates"][x.name] for x in RATES],
            ]
        )
    return "\ufeff" + out.getvalue()


def file_stem(provinces: tuple[str, ...], start: dt.date, end: dt.date) -> str:
    """A download's name: the provinces (or the country) and the period."""
    where = "-".join(provinces) if len(provinces) <= 3 else "ca-nuoc"
    return f"{where}-{start:%Y%m%d}-{end:%Y%m%d}"


def download(content: str | bytes, name: str) -> Response:
    """The file as an attachment named ``name``, its type from its extension (.csv or .xlsx)."""
    if name.endswith(".xlsx"):
        assert isinstance(content, bytes)
        return send_file(io.BytesIO(content), mimetype=XLSX, as_attachment=True, download_name=name)
    return Response(
        content, mimetype="text/csv; charset=utf-8", headers={"Content-Disposition": f"attachment; filename={name}"}
    )
