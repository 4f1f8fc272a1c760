"""The consolidated report the city's department sends upward, for a period and its provinces:
gathered from the desk's figures, laid out by ``core.pdf.consolidated`` and signed with the
department's key, which every intake server shares through the database (``city/signing.py``)."""

from __future__ import annotations

import datetime as dt
import json

from flask import current_app
from sqlalchemy import select

from wardapp.city import desk, scope, signing
from wardapp.city.extensions import city_db as db
from wardapp.city.models import ReceivedFigures, ReceivedReport
from wardapp.core import clock, ii06a
from wardapp.core.i18n import fmt_date, fmt_number, fmt_percent
from wardapp.core.pdf import signature
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


def _explanations(provinces: tuple[str, ...], start: dt.date, end: dt.date, names: dict[str, str]) -> list[list[str]]:
    """Every explanation in the current revisions of the period (only the reports that have one are read)."""
    F = ReceivedFigures
    rows = db.session.execute(
        select(ReceivedReport.commune_code, ReceivedReport.date, ReceivedReport.payload)
        .join(F, F.report_pk == ReceivedReport.id)
        .filter(
            F.current.is_(True), F.province_code.in_(provinces), F.date.between(start, end), F.explanations_count > 0
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
    counts = ["—"] * len(ii06a.COLUMNS) if columns is None else [fmt_number(v) for v in columns]
    return [
        tt,
        row.name,
        *counts,
        fmt_percent(row.rates.get("on_time_rate")),
        fmt_percent(row.rates.get("online_rate")),
        fmt_percent(row.estimate),
    ]


def consolidated_input(
    provinces: tuple[str, ...], start: dt.date, end: dt.date, accepted_only: bool = False
) -> ConsolidatedInput:
    config = current_app.config
    today = clock.today()
    communes = desk.period(provinces, start, end, today, accepted_only=accepted_only)
    national = len(provinces) > 1
    names = {p: scope.province_name(p) for p in provinces}
    rows = desk.by_province(communes, names) if national else communes
    scope_name = ", ".join(names[p] for p in provinces)
    total = desk.combine("", "Tổng cộng", "", communes)
    connected = [c for c in communes if c.enrolled]
    late_or_missing = [
        [str(n), f"{c.name} ({c.code})", str(c.days_missing), str(c.days_late), str(c.days_returned)]
        for n, c in enumerate((c for c in connected if c.days_missing or c.days_late or c.days_returned), start=1)
    ]
    period_text = f"từ ngày {fmt_date(start)} đến ngày {fmt_date(end)}" if start != end else f"ngày {fmt_date(start)}"
    reported = sum(c.days_reported for c in communes)
    owed = sum(c.days_expected for c in connected)
    facts = [
        f"Địa bàn: {scope_name}; {len(communes)} đơn vị cấp xã, trong đó {len(connected)} đơn vị đã kết nối hệ thống.",
        f"Trong kỳ ({period_text}) đã nhận {reported}/{owed} báo cáo ngày phải nộp; "
        f"{sum(c.days_late for c in communes)} báo cáo nộp muộn; "
        f"{sum(c.days_missing for c in connected)} báo cáo chưa nộp.",
        "Số liệu tổng hợp từ phiên bản ký số hiện hành của mỗi báo cáo ngày; "
        "ngày chưa báo cáo không được tính là số 0.",
        # Which days it counts (city/reviewing.py): every received day, or only the accepted ones.
        "Chỉ tính các ngày đã được Sở duyệt." if accepted_only else "Tính mọi ngày đã nhận, đã duyệt hay chưa.",
    ]
    rates = [
        (str(RATES_BY_NAME[name].label), fmt_percent(total.rates.get(name)), str(RATES_BY_NAME[name].explanation))
        for name in SHOWN_RATES
    ]
    rates.append(
        (
            "Ước tính chỉ số 766 (phần đo được)",
            fmt_percent(total.estimate),
            "điểm đạt / điểm tối đa của các chỉ tiêu đo được",
        )
    )
    table = TableInput(
        groups=[(str(g), span) for g, span in ii06a.GROUPS],
        labels=[
            "TT",
            "Tỉnh/thành phố" if national else "Đơn vị",
            *[str(c.label) for c in ii06a.COLUMNS],
            "Đúng hạn",
            "Trực tuyến",
            "Ước tính 766",
        ],
        numbers=[f"({i})" for i in range(1, 14)] + ["", "", ""],
        rows=[_line(str(n), r) for n, r in enumerate(rows, start=1)],
        total=_line("", total),
        counts=len(ii06a.COLUMNS),
    )
    parent = config["CITY_PARENT_AUTHORITY"] or ("UBND " + names[provinces[0]] if not national else "")
    place = config["CITY_PLACE_NAME"] or (names[provinces[0]].replace("Thành phố ", "").replace("Tỉnh ", ""))
    return ConsolidatedInput(
        parent_authority=parent,
        authority=config["CITY_DEPARTMENT_NAME"],
        number_line=f"Số: …/BC-{config['CITY_DOCUMENT_SYMBOL']}",
        place_date_line=f"{place}, ngày {today.day:02d} tháng {today.month:02d} năm {today.year}",
        summary_line="Tổng hợp tình hình báo cáo ngày và giải quyết thủ tục hành chính "
        f"của các xã, phường {period_text}",
        doc_id=f"BC-TH-{'-'.join(provinces)}-{start:%Y%m%d}-{end:%Y%m%d}",
        rates=rates,
        facts=facts,
        table=table,
        late_or_missing=late_or_missing,
        explanations=_explanations(provinces, start, end, {c.code: c.name for c in communes}),
        signer_position=config["CITY_SIGNER_POSITION"],
        signer_name=config["CITY_SIGNER_NAME"],
        recipients=[
            "Ban Chỉ đạo về phát triển khoa học, công nghệ, đổi mới sáng tạo và chuyển đổi số",
            f"UBND {scope_name}",
        ],
    )


def signed_pdf(provinces: tuple[str, ...], start: dt.date, end: dt.date, accepted_only: bool = False) -> bytes:
    data = consolidated_input(provinces, start, end, accepted_only)
    built = build_consolidated(data)
    config = current_app.config
    return signature.sign_pdf(
        built.data,
        signing.department_key(),
        built.signature_rect,
        signer_name=config["CITY_SIGNER_NAME"] or config["CITY_DEPARTMENT_NAME"],
        location=data.place_date_line.split(",")[0],
        reason=data.summary_line,
        local_time=clock.now().strftime("%H:%M:%S %d/%m/%Y"),
    )
