"""The consolidated report the city's department sends upward, for a period and its provinces:
gathered from the desk's figures and laid out by ``core.pdf.consolidated`` as an official report.

A draft (watermarked "BẢN NHÁP", never signed) is built on each download; the signed edition is
built once, when the department's leader signs it (``city/consolidated_signing.py``), and kept.
An official Vietnamese document: every word here is Vietnamese whatever the reader's language.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select

from wardapp.city import desk, scope
from wardapp.city.extensions import city_db as db
from wardapp.city.models import ReceivedFigures, ReceivedReport
from wardapp.core import clock, consolidated_docs, ii06a
from wardapp.core.i18n import fmt_date, fmt_number, fmt_percent
from wardapp.core.pdf import archive, official
from wardapp.core.pdf.consolidated import ConsolidatedInput, TableInput, build_consolidated
from wardapp.core.rates import RATES_BY_NAME

SHOWN_RATES = (
    "on_time_rate",
    "late_rate",
    "resolved_in_time_rate",
    "online_rate",
    "full_process_rate",
    "online_payment_rate",
    "digitization_rate",
    "e_result_rate",
    "satisfaction_rate",
    "feedback_on_time_rate",
)
# Which days a report adds up (city/reviewing.py decides what is accepted), and how it says so.
RECEIVED, ACCEPTED = "received", "accepted"
COUNTED_WORDS = {
    RECEIVED: "Báo cáo này tính theo mọi ngày đã nhận, đã được Sở duyệt hay chưa.",
    ACCEPTED: "Báo cáo này tính theo các ngày đã duyệt: ngày chưa được Sở duyệt không được tính.",
}
VI = "vi"  # the document's numbers are written the Vietnamese way (42,5%) for every reader
ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}


@dataclass(frozen=True)
class Period:
    """What a consolidated report covers: its provinces, the kind of period and its days.
    ``to_date``: the period has not ended and the report says so, up to ``end`` (today)."""

    provinces: tuple[str, ...]
    kind: str
    start: dt.date
    end: dt.date
    to_date: bool = False
    counted: str = RECEIVED  # which days it adds up: every received one, or the accepted ones only

    @property
    def accepted_only(self) -> bool:
        return self.counted == ACCEPTED

    @property
    def scope(self) -> str:
        return consolidated_docs.scope_key(self.provinces)


@dataclass(frozen=True)
class Signing:
    """What the signed edition prints: its number, its signer, its moment, its embedded JSON."""

    number: str  # "05/BC-SKHCN"
    signer_name: str
    signer_titles: tuple[str, ...]
    signed_at: dt.datetime  # aware
    attachment: archive.Attachment
    document_id: str = ""
    verify_target: str = ""  # the public page its QR code opens


def symbol() -> str:
    """The register's symbol: "BC-SKHCN" (a configured "SKHCN" is the same register)."""
    configured = str(current_app.config["CITY_DOCUMENT_SYMBOL"]).strip() or "SKHCN"
    return configured if configured.upper().startswith("BC-") else f"BC-{configured}"


def period_text(period: Period) -> str:
    """How the summary line names the period, with the date a "to date" report stops at."""
    start, end = period.start, period.end
    if period.to_date:
        return f"từ ngày {fmt_date(start)} đến ngày {fmt_date(end)} (số liệu tính đến ngày {fmt_date(end)})"
    if period.kind == "day" or start == end:
        return f"ngày {fmt_date(start)}"
    if period.kind == "month":
        return f"tháng {start.month:02d} năm {start.year}"
    if period.kind == "quarter":
        return f"quý {ROMAN[(start.month - 1) // 3 + 1]} năm {start.year}"
    if period.kind == "year":
        return f"năm {start.year}"
    return f"từ ngày {fmt_date(start)} đến ngày {fmt_date(end)}"


def listed_days(period: Period) -> list[consolidated_docs.ListedDay]:
    """Every commune-day the report adds up: the current revision of each, as the desk sums them."""
    F = ReceivedFigures
    rows = db.session.execute(
        select(F.commune_code, F.date, F.report_id, F.revision, ReceivedReport.payload_sha256)
        .join(ReceivedReport, ReceivedReport.id == F.report_pk)
        .filter(F.current.is_(True), F.province_code.in_(period.provinces), F.date.between(period.start, period.end))
        .filter(*_counted(period))
    ).all()
    return [consolidated_docs.ListedDay(*row) for row in rows]


def _counted(period: Period) -> tuple:
    """The filter of the days the report counts (none: every received one)."""
    return (ReceivedFigures.accepted.is_(True),) if period.accepted_only else ()


def _explanations(period: Period, names: dict[str, str]) -> list[list[str]]:
    """Every explanation in the current revisions of the period (only the reports that have one are read)."""
    F = ReceivedFigures
    rows = db.session.execute(
        select(ReceivedReport.commune_code, ReceivedReport.date, ReceivedReport.payload)
        .join(F, F.report_pk == ReceivedReport.id)
        .filter(
            F.current.is_(True),
            F.province_code.in_(period.provinces),
            F.date.between(period.start, period.end),
            F.explanations_count > 0,
            *_counted(period),
        )
        .order_by(ReceivedReport.commune_code, ReceivedReport.date)
    ).all()
    out = []
    for code, day, payload in rows:
        for item in json.loads(payload).get("explanations") or []:
            out.append(
                [
                    names.get(code, code),
                    fmt_date(day),
                    str(item.get("item_label") or item.get("item") or ""),
                    str(item.get("cause") or ""),
                    str(item.get("remedy") or ""),
                    str(item.get("responsible") or ""),
                ]
            )
    return out


def _line(tt: str, row: desk.Totals) -> list[str]:
    columns = row.columns
    counts = ["—"] * len(ii06a.COLUMNS) if columns is None else [fmt_number(v, locale_name=VI) for v in columns]
    return [
        tt,
        row.name,
        *counts,
        fmt_percent(row.rates.get("on_time_rate"), locale_name=VI),
        fmt_percent(row.rates.get("online_rate"), locale_name=VI),
        fmt_percent(row.estimate, locale_name=VI),
    ]


def _not_connected(communes: list[desk.Totals]) -> str:
    """One sentence, their count and names: units that cannot report are not rows of dashes."""
    absent = [c for c in communes if not c.enrolled]
    if not absent:
        return ""
    names = ", ".join(c.name for c in absent)
    return f"Chưa kết nối hệ thống (không có số liệu): {len(absent)} đơn vị, gồm: {names}."


def _table(period: Period, communes: list[desk.Totals], total: desk.Totals, names: dict[str, str]) -> TableInput:
    national = len(period.provinces) > 1
    connected = [c for c in communes if c.enrolled]
    rows = desk.by_province(connected, names) if national else connected
    return TableInput(
        groups=[(str(g), span) for g, span in ii06a.GROUPS],
        labels=[
            "TT",
            "Tỉnh/thành phố" if national else "Đơn vị",
            *[str(c.label) for c in ii06a.COLUMNS],
            "Đúng hạn",
            "Trực tuyến",
            "Ước tính 766",
        ],
        numbers=["(1)", "(2)"] + [f"({c.number})" for c in ii06a.COLUMNS] + ["", "", ""],
        rows=[_line(str(n), r) for n, r in enumerate(rows, start=1)],
        total=_line("", total),
        counts=len(ii06a.COLUMNS),
    )


def _heading(period: Period, names: dict[str, str], signing: Signing | None, today: dt.date) -> official.Heading:
    config = current_app.config
    national = len(period.provinces) > 1
    first = names[period.provinces[0]]
    parent = config["CITY_PARENT_AUTHORITY"] or (f"UBND {first}" if not national else "")
    issuer = (parent.upper(),) if parent else ()
    place = config["CITY_PLACE_NAME"] or first.replace("Thành phố ", "").replace("Tỉnh ", "")
    day = signing.signed_at.astimezone(clock.TZ).date() if signing else today
    return official.Heading(
        issuer=(*issuer, str(config["CITY_DEPARTMENT_NAME"]).upper()),
        number=signing.number if signing else "",
        symbol=symbol(),
        place_date=official.place_date_line(place, day),
        doc_type="BÁO CÁO",
        summary=f"Tình hình báo cáo ngày và giải quyết thủ tục hành chính của các xã, phường {period_text(period)}",
    )


def document_input(period: Period, signing: Signing | None = None) -> ConsolidatedInput:
    """The report's plain data: a draft without ``signing``, else the signed edition's."""
    config = current_app.config
    today = clock.today()
    communes = desk.period(period.provinces, period.start, period.end, today, accepted_only=period.accepted_only)
    names = {p: scope.province_name(p) for p in period.provinces}
    scope_name = ", ".join(names[p] for p in period.provinces)
    total = desk.combine("", "Tổng cộng", "", communes)
    connected = [c for c in communes if c.enrolled]
    attention = [
        [str(n), f"{c.name} ({c.code})", str(c.days_missing), str(c.days_late), str(c.days_returned)]
        for n, c in enumerate((c for c in connected if c.days_missing or c.days_late or c.days_returned), start=1)
    ]
    reported = sum(c.days_reported for c in communes)
    owed = sum(c.days_expected for c in connected)
    facts = [
        f"Địa bàn: {scope_name}; {len(communes)} đơn vị cấp xã, trong đó {len(connected)} đơn vị đã kết nối hệ thống.",
        f"Trong kỳ đã nhận {reported}/{owed} báo cáo ngày phải nộp; "
        f"{sum(c.days_late for c in communes)} báo cáo nộp muộn; "
        f"{sum(c.days_missing for c in connected)} báo cáo chưa nộp.",
        "Số liệu tổng hợp từ phiên bản ký số hiện hành của mỗi báo cáo ngày; "
        "ngày chưa báo cáo không được tính là số 0.",
        COUNTED_WORDS[period.counted],
    ]
    notes = []
    if period.to_date:
        notes.append(f"Kỳ báo cáo chưa kết thúc: số liệu tính đến ngày {fmt_date(period.end)}.")
    rates = [
        (
            str(RATES_BY_NAME[name].label),
            fmt_percent(total.rates.get(name), locale_name=VI),
            str(RATES_BY_NAME[name].explanation),
        )
        for name in SHOWN_RATES
    ]
    rates.append(
        (
            "Ước tính chỉ số 766 (phần đo được)",
            fmt_percent(total.estimate, locale_name=VI),
            "điểm đạt / điểm tối đa của các chỉ tiêu đo được",
        )
    )
    heading = _heading(period, names, signing, today)
    department = str(config["CITY_DEPARTMENT_NAME"])
    titles = signing.signer_titles if signing else (str(config["CITY_SIGNER_POSITION"]).upper(),)
    signer = official.Signer(
        titles=titles,
        name=signing.signer_name if signing else "",
        recipients=(
            "Ban Chỉ đạo về phát triển khoa học, công nghệ, đổi mới sáng tạo và chuyển đổi số",
            f"UBND {scope_name}",
        ),
        archive_line=f"Lưu: VT, {symbol().removeprefix('BC-')}",
    )
    moment = signing.signed_at if signing else clock.now()
    number = signing.number if signing else f"     /{symbol()}"
    return ConsolidatedInput(
        heading=heading,
        signer=signer,
        meta=official.Archival(
            title=f"Báo cáo {heading.summary[0].lower()}{heading.summary[1:]}",
            author=department,
            subject=f"Số {number}",
            issued_at=moment,
            attachments=(signing.attachment,) if signing else (),
        ),
        authority=department,
        facts=facts,
        not_connected=_not_connected(communes),
        rates=rates,
        attention=attention,
        closing=f"Trên đây là báo cáo tổng hợp {period_text(period)} của {department}./.",
        table=_table(period, communes, total, names),
        explanations=_explanations(period, {c.code: c.name for c in communes}),
        draft=signing is None,
        annex_reference=f"(Kèm theo Báo cáo số {number} ngày {fmt_date(moment.astimezone(clock.TZ))} của {department})",
        notes=notes,
        verify_target=signing.verify_target if signing else "",
        document_id=signing.document_id if signing else "",
        payload_sha256=hashlib.sha256(signing.attachment.data).hexdigest() if signing else "",
    )


def draft_pdf(period: Period) -> bytes:
    """The unsigned draft, watermarked "BẢN NHÁP": built on each download, never signed."""
    return build_consolidated(document_input(period)).data
