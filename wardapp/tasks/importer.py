"""Importing plan tasks from the CSV the city sends: every line checked, all or nothing."""

from __future__ import annotations

import csv
import datetime as dt
import io
import unicodedata
from dataclasses import dataclass, field

from flask_babel import gettext as _

from wardapp.core.history import field_label
from wardapp.core.text import problem as hidden_characters

# Column names the city may use (English keys or Vietnamese headers), lower case, trimmed.
ALIASES = {
    "code": "code",
    "mã": "code",
    "mã nhiệm vụ": "code",
    "title": "title",
    "tên": "title",
    "tên nhiệm vụ": "title",
    "nhiệm vụ": "title",
    "goal": "goal",
    "mục tiêu": "goal",
    "expected_output": "expected_output",
    "sản phẩm": "expected_output",
    "kết quả dự kiến": "expected_output",
    "start_date": "start_date",
    "ngày bắt đầu": "start_date",
    "deadline": "deadline",
    "hạn": "deadline",
    "thời hạn": "deadline",
    "hạn hoàn thành": "deadline",
    "responsible": "responsible",
    "người chịu trách nhiệm": "responsible",
    "phụ trách": "responsible",
    "source_document": "source_document",
    "văn bản": "source_document",
    "văn bản nguồn": "source_document",
}
REQUIRED = ("code", "title", "deadline")
STORED = ("code", "title", "goal", "expected_output", "start_date", "deadline", "responsible", "source_document")
LIMITS = {"code": 40, "title": 300, "responsible": 120, "source_document": 200}
MAX_BYTES = 2_000_000


@dataclass
class ImportResult:
    rows: list[dict] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)  # (line number, reason); 0 = whole file

    @property
    def ok(self) -> bool:
        return not self.errors


def parse_date(text: str) -> dt.date | None:
    text = text.strip()
    for pattern in ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y"):
        try:
            return dt.datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    return None


def delimiter_of(text: str) -> str:
    """The delimiter of the header line: the most frequent of , ; and tab outside quotes."""
    header = text.split("\n", 1)[0]
    outside, quoted = [], False
    for char in header:
        if char == '"':
            quoted = not quoted
        elif not quoted:
            outside.append(char)
    counts = {d: outside.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def read_csv(data: bytes, existing_codes: set[str], today: dt.date) -> ImportResult:
    result = ImportResult()
    if len(data) > MAX_BYTES:
        result.errors.append((0, _("Tệp quá lớn (tối đa 2 MB).")))
        return result
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        result.errors.append((0, _("Tệp không ở mã UTF-8. Trong Excel, chọn Lưu thành \"CSV UTF-8\" rồi tải lại.")))
        return result
    # Vietnamese typed as base letter + combining marks (Unikey's "Unicode tổ hợp", macOS) must
    # match the precomposed headers and codes.
    text = unicodedata.normalize("NFC", text)
    if not text.strip():
        result.errors.append((0, _("Tệp rỗng.")))
        return result
    # RFC 4180 as Excel and LibreOffice write it: quotes doubled inside quoted cells, line breaks
    # allowed there. Only the delimiter varies (a Vietnamese Excel writes ";"): csv.Sniffer also
    # guessed the quoting and mis-read doubled quotes.
    reader = csv.reader(
        io.StringIO(text, newline=""), delimiter=delimiter_of(text), quotechar='"', doublequote=True, strict=False
    )
    header = [ALIASES.get(h.strip().lower(), h.strip().lower()) for h in next(reader)]
    missing = [name for name in REQUIRED if name not in header]
    if missing:
        result.errors.append(
            (
                1,
                _(
                    "Thiếu cột: %(columns)s. Dòng đầu phải có ít nhất code, title, deadline.",
                    columns=", ".join(missing),
                ),
            )
        )
        return result
    seen: set[str] = set()
    for number, cells in enumerate(reader, start=2):
        if not any(c.strip() for c in cells):
            continue
        if len(cells) > len(header):
            result.errors.append((number, _("Nhiều ô hơn số cột của dòng tiêu đề.")))
            continue
        row = {name: (cells[i].strip() if i < len(cells) else "") for i, name in enumerate(header)}
        problems = _check_row(row, seen, existing_codes, today)
        if problems:
            result.errors.extend((number, p) for p in problems)
            continue
        seen.add(row["code"])
        result.rows.append(row)
    if not result.rows and not result.errors:
        result.errors.append((0, _("Tệp không có dòng nhiệm vụ nào.")))
    return result


def _check_row(row: dict, seen: set[str], existing: set[str], today: dt.date) -> list[str]:
    problems = []
    for name in REQUIRED:
        if not row.get(name):
            problems.append(_("Thiếu %(column)s.", column=name))
    for name in STORED:  # the rule every form applies: these go into every signed report
        if hidden := hidden_characters(row.get(name) or ""):
            problems.append(f"{field_label(name)}: {hidden}")
    for name, limit in LIMITS.items():
        if len(row.get(name, "")) > limit:
            problems.append(_("%(column)s dài quá %(n)s ký tự.", column=name, n=limit))
    code = row.get("code", "")
    if code and (code in seen or code in existing):
        problems.append(_("Mã %(code)s bị trùng.", code=code))
    deadline = parse_date(row["deadline"]) if row.get("deadline") else None
    if row.get("deadline") and deadline is None:
        problems.append(_("Hạn \"%(value)s\" không phải ngày dd/mm/yyyy.", value=row["deadline"]))
    # No start date: the task runs from today, or, for a deadline already past, from its deadline
    # (all its time has elapsed, so it is simply overdue if not done).
    start: dt.date | None = min(today, deadline) if deadline else today
    if row.get("start_date"):
        start = parse_date(row["start_date"])
        if start is None:
            problems.append(_("Ngày bắt đầu \"%(value)s\" không phải ngày dd/mm/yyyy.", value=row["start_date"]))
    if deadline and start and deadline < start:
        problems.append(_("Hạn trước ngày bắt đầu."))
    if not problems:
        row["deadline"] = deadline
        row["start_date"] = start
    return problems
