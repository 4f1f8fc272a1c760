"""Reading an exported dossier log (xlsx or csv) into dossier rows, without personal data: the
commune's own log (wardapp/dossiers) and, at the city, the province's export (wardapp/city/reconcile.py).

No database here: the file's bytes and a column mapping go in, plain dossier dicts (or every bad
row with its line number and reason) come out. Only the columns mapped to a dossier field are
read; every other column (the applicant's name, address, phone, ID number...) is never looked at
beyond its header, so it cannot reach the database (Decree 13/2023 on personal data).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from wardapp.core import clock
from wardapp.core import text as text_rules
from wardapp.core.dossier_counts import Channel, DossierFacts, State
from wardapp.core.i18n import gettext as _
from wardapp.core.i18n import lazy_gettext as _l
from wardapp.platform import sheets

MAX_ERRORS_LISTED = 200

# The dossier fields a column can be mapped to, in the order the mapping page shows them.
FIELD_LABELS: dict[str, object] = {
    "code": _l("Mã hồ sơ"),
    "procedure": _l("Thủ tục hành chính"),
    "field": _l("Lĩnh vực"),
    "channel": _l("Kênh tiếp nhận"),
    "received_at": _l("Ngày tiếp nhận"),
    "due_at": _l("Ngày hẹn trả"),
    "transferred_at": _l("Ngày chuyển hồ sơ"),
    "finished_at": _l("Ngày có kết quả (kết thúc xử lý)"),
    "returned_at": _l("Ngày trả kết quả"),
    "status": _l("Trạng thái"),
    "officer": _l("Cán bộ xử lý"),
    "unit": _l("Đơn vị xử lý"),
    "fee_bearing": _l("Thủ tục có phí, lệ phí"),
    "paid_online": _l("Thanh toán trực tuyến"),
    "digitized": _l("Đã số hóa thành phần hồ sơ"),
    "e_result": _l("Kết quả điện tử"),
    "full_process": _l("Trực tuyến toàn trình"),
}
# Read only when a mapping names them (the city's reading of a province's export): the receiving
# centre's unit code, which the commune's own log never needs and never stores.
EXTRA_FIELDS: dict[str, object] = {"unit_code": _l("Mã đơn vị tiếp nhận")}
REQUIRED = ("code", "received_at")
DATE_FIELDS = ("received_at", "due_at", "transferred_at", "finished_at", "returned_at")
BOOL_FIELDS = ("fee_bearing", "paid_online", "digitized", "e_result")
TEXT_LIMITS = {"code": 60, "procedure": 300, "field": 200, "officer": 120, "unit": 200}


@dataclass(frozen=True)
class Preset:
    key: str
    label: object
    aliases: Mapping[str, tuple[str, ...]]  # field → header names it is found under


PRESETS = (
    Preset(
        "so-theo-doi",
        _l("Sổ theo dõi hồ sơ (mẫu của bộ phận một cửa)"),
        {
            "code": ("Mã hồ sơ", "Số hồ sơ", "Mã số hồ sơ"),
            "procedure": ("Tên thủ tục hành chính", "Thủ tục hành chính", "Tên thủ tục", "Thủ tục"),
            "field": ("Lĩnh vực",),
            "channel": ("Kênh tiếp nhận", "Hình thức tiếp nhận", "Kênh nộp"),
            "received_at": ("Ngày, giờ nhận", "Ngày giờ nhận", "Ngày tiếp nhận", "Ngày nhận hồ sơ"),
            "due_at": ("Ngày, giờ hẹn trả kết quả", "Ngày hẹn trả kết quả", "Ngày hẹn trả", "Hẹn trả"),
            "transferred_at": ("Chuyển hồ sơ đến cơ quan giải quyết", "Ngày chuyển hồ sơ", "Ngày chuyển"),
            "finished_at": ("Ngày, giờ nhận kết quả", "Nhận kết quả từ cơ quan giải quyết", "Ngày nhận kết quả"),
            "returned_at": ("Ngày, giờ trả kết quả", "Trả kết quả cho cá nhân, tổ chức", "Ngày trả kết quả"),
            "status": ("Trạng thái", "Tình trạng"),
            "officer": ("Cán bộ xử lý", "Cán bộ thụ lý", "Người xử lý"),
            "unit": ("Đơn vị xử lý", "Cơ quan giải quyết", "Đơn vị"),
            "fee_bearing": ("Có phí, lệ phí", "Có phí"),
            "paid_online": ("Thanh toán trực tuyến",),
            "digitized": ("Đã số hóa", "Số hóa"),
            "e_result": ("Kết quả điện tử",),
            "full_process": ("Toàn trình", "Mức độ"),
        },
    ),
    Preset(
        "cong-dvc-quoc-gia",
        _l("Dữ liệu đồng bộ Cổng Dịch vụ công quốc gia (MaHoSo, NgayTiepNhan…)"),
        {
            "code": ("MaHoSo",),
            "procedure": ("TenTTHC", "TenThuTuc", "MaTTHC"),
            "field": ("TenLinhVuc", "LinhVuc", "MaLinhVuc"),
            "channel": ("KenhThucHien",),
            "received_at": ("NgayTiepNhan",),
            "due_at": ("NgayHenTra",),
            "transferred_at": ("NgayChuyen", "NgayChuyenXuLy"),
            "finished_at": ("NgayKetThucXuLy",),
            "returned_at": ("NgayTra", "NgayTraKetQua"),
            "status": ("TrangThaiHoSo",),
            "officer": ("CanBoXuLy", "TenCanBoXuLy"),
            "unit": ("DonViXuLy", "TenDonViXuLy"),
            "fee_bearing": ("CoPhiLePhi", "CoPhi"),
            "paid_online": ("DuocThanhToanTrucTuyen",),
            "digitized": ("DaSoHoa", "SoHoaThanhPhan"),
            "e_result": ("KetQuaDienTu", "CoKetQuaDienTu"),
            "full_process": ("ToanTrinh", "MucDo"),
        },
    ),
)
PRESETS_BY_KEY = {p.key: p for p in PRESETS}

# Headers that name personal data: never mappable, reported as dropped on the import page. Written
# folded (no diacritics, lower case, words spaced); a header matches as words ("Số điện thoại",
# "So dien thoai") or run together ("SoDienThoai", "HoTenNguoiNop").
PERSONAL_DATA_WORDS = (
    "ho ten",
    "ho va ten",
    "ten nguoi",
    "nguoi nop",
    "dung ten",
    "nguoi yeu cau",
    "cong dan",
    "so giay to",
    "chu ho so",
    "to chuc ca nhan",
    "dia chi",
    "dien thoai",
    "email",
    "e mail",
    "cmnd",
    "cccd",
    "can cuoc",
    "dinh danh",
    "ho chieu",
    "ngay sinh",
    "nam sinh",
    "gioi tinh",
    # English exports
    "phone",
    "mobile",
    "address",
    "full name",
    "applicant",
    "citizen",
    "birth",
    "passport",
    "identity",
    "id number",
)


def normalize_header(text: object) -> str:
    """Headers compare by NFC, case-insensitively, spaces collapsed, trailing ":" or "*" dropped."""
    value = unicodedata.normalize("NFC", str(text or "")).casefold()
    return " ".join(value.split()).rstrip(":* ")


def fold(text: object) -> str:
    """Lower case without diacritics (đ → d), every run of other characters one space."""
    decomposed = unicodedata.normalize("NFD", str(text or "").replace("đ", "d").replace("Đ", "D"))
    letters = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    return " ".join(re.sub(r"[^0-9a-z]+", " ", letters).split())


_PERSONAL_SPACED = tuple(f" {word} " for word in PERSONAL_DATA_WORDS)
_PERSONAL_JOINED = tuple(word.replace(" ", "") for word in PERSONAL_DATA_WORDS)


def looks_personal(header: object) -> bool:
    folded = fold(header)
    spaced, joined = f" {folded} ", folded.replace(" ", "")
    return any(word in spaced for word in _PERSONAL_SPACED) or any(word in joined for word in _PERSONAL_JOINED)


# --- reading the file: wardapp.platform.sheets, at a bounded cost ------------------------------

FileProblem = sheets.FileProblem
Sheet = sheets.Sheet
read_sheet = sheets.read_sheet


# --- finding the columns ----------------------------------------------------------------------


@dataclass
class Columns:
    header_line: int
    index: dict[str, int]  # field → column number
    dropped: list[str]  # headers of columns not read (personal data among them)


def find_columns(sheet: Sheet, aliases: Mapping[str, Iterable[str]]) -> Columns:
    """The header row (the first that names the required columns) and where each field is."""
    wanted = {f: {normalize_header(a) for a in names} for f, names in aliases.items()}
    best: tuple[int, int, dict[str, int], list] | None = None
    for line, cells in sheet.head:
        headers = [normalize_header(c) for c in cells]
        index = {}
        for f, names in wanted.items():
            for position, header in enumerate(headers):
                if header in names and f not in index:
                    index[f] = position
        if all(f in index for f in REQUIRED):
            _refuse_personal(cells, index)
            dropped = [str(c) for i, c in enumerate(cells) if c not in (None, "") and i not in index.values()]
            return Columns(line, index, dropped)
        if best is None or len(index) > best[1]:
            best = (line, len(index), index, cells)
    found = best[2] if best else {}
    missing = [f for f in REQUIRED if f not in found]
    raise FileProblem(
        _(
            "Thiếu cột bắt buộc: %(columns)s. Kiểm tra tệp có đúng mẫu đã chọn, hoặc khai báo cách ghép cột.",
            columns=", ".join(f"«{_label(f)}» ({' / '.join(list(aliases.get(f, ()))[:3])})" for f in missing),
        )
    )


def _label(name: str) -> object:
    return FIELD_LABELS.get(name) or EXTRA_FIELDS.get(name, name)


def _refuse_personal(cells: list, index: Mapping[str, int]) -> None:
    """A mapping (saved before this check, or a preset's alias) may never route a personal column
    into a stored field."""
    for name, position in index.items():
        if looks_personal(cells[position]):
            raise FileProblem(
                _(
                    "Cột «%(header)s» chứa dữ liệu cá nhân, không được ghép vào «%(field)s» "
                    "(Nghị định 13/2023/NĐ-CP). Sửa cách ghép cột.",
                    header=str(cells[position])[:80],
                    field=_label(name),
                )
            )


# --- reading values -------------------------------------------------------------------------

_DMY = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})(?:[ T,]+(\d{1,2})[:hH](\d{2})(?::(\d{2}))?)?$")
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})(?:(\d{2})(\d{2})(\d{2})?)?$")
EXCEL_EPOCH = dt.datetime(1899, 12, 30)


class BadValue(ValueError):
    pass


EARLIEST_DAY = dt.date(2000, 1, 1)  # before any province's one-stop system kept an electronic log


def date_window(today: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The moments a dossier's dates may hold: from 2000 to the end of next year (an appointment
    made in December falls in January). Anything else is a typing or export error, and one such
    date once made every day's counting fail."""
    return dt.datetime.combine(EARLIEST_DAY, dt.time()), dt.datetime(today.year + 1, 12, 31, 23, 59, 59)


def parse_moment(value: object, *, end_of_day: bool = False) -> dt.datetime | None:
    """A date as exports write it → naive Vietnam time; None when empty.

    Accepts spreadsheet dates, dd/mm/yyyy with or without hh:mm[:ss], ISO 8601 (an offset is
    converted to Vietnam time), and the portal's yyyyMMdd[HHmmss]. A date without a time is the
    start of that day, or its last second when ``end_of_day`` (an appointment "by that day").
    """
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return _local(value)
    if isinstance(value, dt.date):
        return _day_moment(value, end_of_day)
    if isinstance(value, int | float) and not isinstance(value, bool):
        if 1 <= value < 2958466:  # a spreadsheet serial date left unformatted
            moment = EXCEL_EPOCH + dt.timedelta(days=float(value))
            moment = moment.replace(microsecond=0)
            if float(value).is_integer():
                return _day_moment(moment.date(), end_of_day)
            return moment
        value = str(int(value)) if float(value).is_integer() else str(value)
    text = " ".join(str(value).split())
    if not text:
        return None
    try:
        if m := _DMY.match(text):
            day, month, year, *clock_time = m.groups()
            return _moment(dt.date(int(year), int(month), int(day)), clock_time, end_of_day)
        if m := _COMPACT.match(text):
            year, month, day, *clock_time = m.groups()
            return _moment(dt.date(int(year), int(month), int(day)), clock_time, end_of_day)
        if re.match(r"^\d{4}-\d{2}-\d{2}", text):
            if len(text) == 10:
                return _day_moment(dt.date.fromisoformat(text), end_of_day)
            return _local(dt.datetime.fromisoformat(text.replace(" ", "T", 1).replace("Z", "+00:00")))
    except (ValueError, OverflowError):  # no such day; an offset that carries past year 1 or 9999
        pass
    raise BadValue(text)


def _moment(date: dt.date, clock_time: list[str | None], end_of_day: bool) -> dt.datetime:
    """The day at the hour, minute (and second) written, or its start or end when none is."""
    hh, mm, ss = clock_time
    if hh is None or mm is None:
        return _day_moment(date, end_of_day)
    return dt.datetime.combine(date, dt.time(int(hh), int(mm), int(ss or 0)))


def _day_moment(day: dt.date, end_of_day: bool) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(23, 59, 59) if end_of_day else dt.time())


def _local(moment: dt.datetime) -> dt.datetime:
    if moment.tzinfo is not None:
        moment = moment.astimezone(clock.TZ).replace(tzinfo=None)
    return moment.replace(microsecond=0)


_TRUE = {"1", "x", "có", "co", "c", "true", "yes", "y", "đã", "da", "v", "✓", "1.0"}
_FALSE = {"", "0", "không", "khong", "k", "false", "no", "n", "chưa", "chua", "-", "0.0"}


def parse_bool(value: object) -> bool:
    if value is None:
        return False
    if isinstance(value, bool):
        return value
    text = normalize_header(value)
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise BadValue(str(value))


def parse_channel(value: object) -> Channel | None:
    text = normalize_header(value)
    if text in ("", "none"):
        return None
    if text in ("1", "1.0") or "trực tiếp" in text or text == "truc tiep":
        return Channel.IN_PERSON
    if text in ("2", "2.0") or "trực tuyến" in text or text in ("online", "truc tuyen", "dvc"):
        return Channel.ONLINE
    if text in ("3", "3.0") or "bưu chính" in text or text in ("bcci", "buu chinh"):
        return Channel.POSTAL
    raise BadValue(str(value))


def parse_full_process(value: object) -> bool | None:
    text = normalize_header(value)
    if text in ("", "none"):
        return None
    if "toàn trình" in text or text in ("4", "4.0", "toan trinh"):
        return True
    if "một phần" in text or text in ("3", "3.0", "mot phan"):
        return False
    return parse_bool(value)


def parse_state(value: object) -> State:
    text = normalize_header(value)
    if "rút" in text or "dừng" in text or "hủy" in text or "huỷ" in text:
        return State.WITHDRAWN
    if "bổ sung" in text or "chờ" in text or "tạm" in text:
        return State.WAITING
    return State.NORMAL


def _text(value: object, limit: int) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return " ".join(unicodedata.normalize("NFC", str(value)).split())[:limit]


@dataclass
class Parsed:
    dossiers: list[dict] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    error_count: int = 0
    fields: tuple[str, ...] = ()
    dropped: list[str] = field(default_factory=list)
    header_line: int = 0

    def fail(self, line: int, message: str) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_ERRORS_LISTED:
            self.errors.append(_("Dòng %(line)s: %(reason)s", line=line, reason=message))


def parse(sheet: Sheet, aliases: Mapping[str, Iterable[str]]) -> Parsed:
    """Every data row under the header as a dossier dict, or the reason each bad row is bad."""
    columns = find_columns(sheet, aliases)
    result = Parsed(fields=tuple(columns.index), dropped=columns.dropped, header_line=columns.header_line)
    seen: dict[str, int] = {}
    for line, cells in sheet.rows():
        if line <= columns.header_line or all(c is None or str(c).strip() == "" for c in cells):
            continue
        dossier = _parse_row(result, line, cells, columns.index)
        if dossier is not None:
            for name in EXTRA_FIELDS:
                if name in columns.index:
                    _read_extra(result, line, dossier, name, _cell(cells, columns.index, name))
        if dossier is None:
            continue
        code = dossier["code"]
        if code in seen:
            result.fail(line, _("mã hồ sơ «%(code)s» trùng với dòng %(other)s.", code=code, other=seen[code]))
            continue
        seen[code] = line
        result.dossiers.append(dossier)
    return result


def _read_extra(result: Parsed, line: int, dossier: dict, name: str, value: object) -> None:
    """An extra field asked for by the mapping: short text, the one text rule, never empty."""
    text = _text(value, 60)
    if problem := text_rules.problem(text):
        result.fail(line, _("%(column)s: %(problem)s", column=EXTRA_FIELDS[name], problem=problem))
    elif not text:
        result.fail(line, _("thiếu %(column)s.", column=EXTRA_FIELDS[name]))
    dossier[name] = text


def facts(row: Mapping[str, Any]) -> DossierFacts:
    """A parsed row as the kernel's counting function takes it (core/dossier_counts.py)."""
    return DossierFacts(
        code=row["code"],
        received_at=row["received_at"],
        due_at=row.get("due_at"),
        finished_at=row.get("finished_at"),
        channel=row.get("channel"),
        state=State(row.get("state") or State.NORMAL),
        full_process=row.get("full_process"),
        fee_bearing=bool(row.get("fee_bearing")),
        paid_online=bool(row.get("paid_online")),
        digitized=bool(row.get("digitized")),
        e_result=bool(row.get("e_result")),
    )


def _cell(cells: list, index: Mapping[str, int], name: str):
    position = index.get(name)
    if position is None or position >= len(cells):
        return None
    value = cells[position]
    return value.strip() if isinstance(value, str) else value


def _hidden_characters(cells: list, index: Mapping[str, int]) -> list[str]:
    """The app's one text rule (``core.text``) on every text the import stores: a direction
    override or an invisible character would be signed with the day's late list, and two codes
    differing by a zero-width space would be two dossiers."""
    problems = []
    for name in TEXT_LIMITS:
        value = _cell(cells, index, name)
        if isinstance(value, str) and (problem := text_rules.problem(value)):
            problems.append(_("%(column)s: %(problem)s", column=FIELD_LABELS[name], problem=problem))
    return problems


def _outside_window(row: Mapping[str, object]) -> list[str]:
    earliest, latest = date_window(clock.today())
    problems = []
    for name in DATE_FIELDS:
        moment = row.get(name)
        if isinstance(moment, dt.datetime) and not earliest <= moment <= latest:
            problems.append(
                _(
                    "%(column)s %(value)s nằm ngoài khoảng cho phép (01/01/2000 – 31/12/%(year)s).",
                    column=FIELD_LABELS[name],
                    value=f"{moment.day:02d}/{moment.month:02d}/{moment.year:04d}",
                    year=latest.year,
                )
            )
    return problems


def _parse_row(result: Parsed, line: int, cells: list, index: Mapping[str, int]) -> dict | None:
    problems: list[str] = _hidden_characters(cells, index)
    row: dict = {"code": _text(_cell(cells, index, "code"), TEXT_LIMITS["code"])}
    if not row["code"]:
        problems.append(_("thiếu mã hồ sơ."))
    for name in ("procedure", "field", "officer", "unit"):
        row[name] = _text(_cell(cells, index, name), TEXT_LIMITS[name])
    for name in DATE_FIELDS:
        raw = _cell(cells, index, name)
        try:
            row[name] = parse_moment(raw, end_of_day=name == "due_at")
        except BadValue as bad:
            problems.append(
                _(
                    "%(column)s «%(value)s» không phải ngày (dd/mm/yyyy [hh:mm], yyyy-mm-dd hoặc yyyyMMddHHmmss).",
                    column=FIELD_LABELS[name],
                    value=str(bad)[:40],
                )
            )
            row[name] = None
    if row["received_at"] is None and _cell(cells, index, "received_at") in (None, ""):
        problems.append(_("thiếu ngày tiếp nhận."))
    problems += _outside_window(row)
    try:
        row["channel"] = parse_channel(_cell(cells, index, "channel"))
    except BadValue as bad:
        problems.append(
            _(
                "kênh tiếp nhận «%(value)s» không rõ (1 trực tiếp, 2 trực tuyến, 3 bưu chính công ích).",
                value=str(bad)[:40],
            )
        )
    for name in BOOL_FIELDS:
        try:
            row[name] = parse_bool(_cell(cells, index, name))
        except BadValue as bad:
            problems.append(
                _("%(column)s «%(value)s» không rõ (có/không, 1/0).", column=FIELD_LABELS[name], value=str(bad)[:40])
            )
    try:
        row["full_process"] = parse_full_process(_cell(cells, index, "full_process"))
    except BadValue as bad:
        problems.append(_("mức độ «%(value)s» không rõ (toàn trình / một phần).", value=str(bad)[:40]))
    row["state"] = parse_state(_cell(cells, index, "status")).value
    received, finished = row.get("received_at"), row.get("finished_at")
    if received and finished and finished < received:
        problems.append(_("ngày có kết quả trước ngày tiếp nhận."))
    for problem in problems:
        result.fail(line, problem)
    return None if problems else row
