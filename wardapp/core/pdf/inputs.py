"""Turning a report payload (signed or draft) into the plain ``DailyInput`` the builder prints.

Works from the payload dict alone plus two providers (photo images, the 30-day trend), so the
commune app and the city intake produce the same document from the same revision.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from babel.numbers import format_decimal, format_percent

from wardapp.core import figure_sources, index766, periods
from wardapp.core import rates as rate_defs
from wardapp.core.figures import figures_by_group
from wardapp.core.labels import LATE_KINDS, TEAM_FIELDS
from wardapp.core.pdf.charts import Trend
from wardapp.core.pdf.document import DailyInput, PhotoInput
from wardapp.core.pdf.monthly import MonthInput
from wardapp.core.trends import last_days, rate_series

LOCALE = "vi"  # official documents are Vietnamese whatever the reader's interface language
ImageProvider = Callable[[str], tuple[bytes, int, int] | None]  # sha256 → (jpeg, width, height)


def _vietnamese(labels: dict, code: object) -> str:
    label = labels.get(code)
    return label.msgid if label is not None else ""


def number(value) -> str:
    return "—" if value is None else format_decimal(value, "#,##0", locale=LOCALE)


def percent(value) -> str:
    return "—" if value is None else format_percent(value, "#,##0.0%", locale=LOCALE)


def vn_date(iso: str | None) -> str:
    if not iso:
        return ""
    return dt.date.fromisoformat(iso[:10]).strftime("%d/%m/%Y")


def vn_moment(iso: str | None) -> str:
    if not iso:
        return ""
    moment = dt.datetime.fromisoformat(iso)
    return moment.strftime("%H:%M %d/%m/%Y")


def place_date(commune_name: str, day: dt.date) -> str:
    place = commune_name.split(" ", 1)[1] if " " in commune_name else commune_name
    return f"{place}, ngày {day.day:02d} tháng {day.month:02d} năm {day.year}"


def summary_table(figures: dict) -> list[list[str]]:
    """Form II.06a: dossiers to handle, resolved, pending."""
    return [
        [
            "Số hồ sơ nhận giải quyết",
            "",
            "",
            "",
            "Số hồ sơ đã giải quyết",
            "",
            "",
            "",
            "Số hồ sơ đang giải quyết",
            "",
            "",
        ],
        [
            "Tổng số",
            "Trực tuyến",
            "Trực tiếp, bưu chính",
            "Kỳ trước chuyển sang",
            "Tổng số",
            "Trước hạn",
            "Đúng hạn",
            "Quá hạn",
            "Tổng số",
            "Trong hạn",
            "Quá hạn",
        ],
        [
            number(v)
            for v in (
                rate_defs.to_handle(figures),
                figures["received_online"],
                figures["received_in_person"] + figures["received_postal"],
                figures["carried_over"],
                rate_defs.resolved_total(figures),
                figures["resolved_early"],
                figures["resolved_on_time"],
                figures["resolved_late"],
                rate_defs.pending_total(figures),
                figures["pending_within"],
                figures["pending_overdue"],
            )
        ],
    ]


IN_SUMMARY = {
    "received_online",
    "carried_over",
    "resolved_early",
    "resolved_on_time",
    "resolved_late",
    "pending_within",
    "pending_overdue",
}


def other_figures(figures: dict) -> list[tuple[str, list[tuple[str, str]]]]:
    groups = []
    for group, items in figures_by_group():
        pairs = [(str(f.label), f"{number(figures[f.name])} {f.unit}") for f in items if f.name not in IN_SUMMARY]
        if pairs:
            groups.append((str(group.label), pairs))
    return groups


def task_state(task: dict) -> str:
    if task["percent"] >= 100:
        return "Hoàn thành"
    if task.get("overdue"):
        return "Quá hạn"
    return "Chậm tiến độ" if task["behind"] else "Đúng tiến độ"


def daily_input(
    doc: dict,
    *,
    province_name: str,
    images: ImageProvider,
    trend: Trend | None,
    signer_time: str | None = None,
    key_thumbprint: str = "",
    payload_sha256: str = "",
    draft: bool = False,
    rendered_note: str = "",
) -> DailyInput:
    day = dt.date.fromisoformat(doc["date"])
    team = doc.get("response_team")
    team_lines = []
    members = []
    if team and team.get("decision_number"):
        team_lines.append(
            f"Quyết định thành lập số {team['decision_number']} ngày {vn_date(team.get('decision_date'))}"
            f", người ký: {team.get('decision_signer') or '—'}. Tổ trưởng: {team.get('leader') or '—'}."
        )
        if team.get("duties"):
            team_lines.append(f"Nhiệm vụ: {team['duties']}")
        members = [
            [
                m["name"] + (" (Tổ trưởng)" if m.get("is_leader") else ""),
                m.get("position", ""),
                m.get("unit", ""),
                _vietnamese(TEAM_FIELDS, m.get("field")),
            ]
            for m in team.get("members", [])
        ]
    else:
        team_lines.append("Chưa thành lập Tổ phản ứng nhanh.")
    team_lines.append(f"Lượt hỗ trợ trong ngày: {number(doc['figures']['response_team_cases'])}.")
    narrative_labels = {
        "highlights": "Kết quả nổi bật",
        "difficulties": "Khó khăn, vướng mắc",
        "proposals": "Đề xuất, kiến nghị",
    }
    return DailyInput(
        commune_name=doc["commune"]["name"],
        province_name=province_name,
        date_text=day.strftime("%d/%m/%Y"),
        place_date_line=place_date(doc["commune"]["name"], day),
        report_id=doc["report_id"],
        revision=doc["revision"],
        supersedes=doc.get("supersedes"),
        correction_reason=doc.get("correction_reason") or "",
        late=bool(doc.get("late")),
        late_reason=doc.get("late_reason") or "",
        summary_table=summary_table(doc["figures"]),
        other_figures=other_figures(doc["figures"]),
        rates=[(str(r.label), percent(doc["rates"].get(r.name))) for r in rate_defs.RATES],
        trend=trend,
        photos=[_photo(p, images) for p in doc["photos"]],
        team_lines=team_lines,
        team_members=members,
        tasks=[
            [t["code"], t["title"], vn_date(t.get("deadline")), f"{t['percent']}%", task_state(t)] for t in doc["tasks"]
        ],
        explanations=[
            (e.get("item_label") or e["item"], e["cause"], e["remedy"], vn_date(e.get("new_date")), e["responsible"])
            for e in doc["explanations"]
        ],
        late_dossiers=[
            [
                _vietnamese(LATE_KINDS, d["kind"]) or d["kind"],
                str(d["count"]),
                d["procedure"] + (f" ({d['dossier_code']})" if d.get("dossier_code") else ""),
                f"{d['officer']}, {d.get('unit') or ''}".strip(", "),
                d["cause"],
                "Có" if d.get("apology_issued") else "Chưa",
            ]
            for d in doc.get("late_dossiers", [])
        ],
        narrative=[
            (narrative_labels[k], doc["narrative"].get(k, "")) for k in ("highlights", "difficulties", "proposals")
        ],
        signer_name=doc["signed_by"]["full_name"],
        signer_position=doc["signed_by"]["position"],
        signed_at_text=signer_time or vn_moment(doc["signed_at"]),
        key_thumbprint=key_thumbprint,
        payload_sha256=payload_sha256,
        draft=draft,
        rendered_note=rendered_note,
        figure_sources=_source_lines(doc),
    )


def _source_lines(doc: dict) -> list[str]:
    summary = figure_sources.summarize(doc)
    return summary.lines() if summary is not None else []


def _photo(photo: dict, images: ImageProvider) -> PhotoInput:
    found = images(photo["sha256"])
    jpeg, width, height = found if found else (None, 4, 3)
    return PhotoInput(
        jpeg=jpeg,
        width=width,
        height=height,
        category=photo.get("category_label") or photo["category"],
        caption=photo.get("caption", ""),
        taken_at=vn_moment(photo.get("taken_at")),
        verifiable=bool(photo.get("verifiable", photo.get("taken_at") and photo["taken_at"][:10] == "")),
    )


def trend_from_figures(end: dt.date, by_day: dict[dt.date, dict], days: int = 30) -> Trend:
    """The 30 days ending at ``end``: online, on-time and satisfaction rates (gaps for missing days)."""
    return _trend(by_day, last_days(end, days))


def _trend(by_day: dict[dt.date, dict], dates: list[dt.date]) -> Trend:
    return Trend(
        days=[d.strftime("%d/%m") for d in dates],
        series=[(str(s.label), s.values) for s in rate_series(by_day, dates)],
        percent_labels=(percent(0), percent(0.5), percent(1)),
    )


def month_input(
    commune_name: str,
    province_name: str,
    code: str,
    first: dt.date,
    by_day: dict,
    late: dict[dt.date, bool],
    today: dt.date,
) -> MonthInput:
    """Shared by the commune app and the city intake (``late``: signed days → signed late?)."""
    start, end = periods.month_bounds(first)
    header = [
        "Ngày",
        "Tình trạng",
        "Tiếp nhận",
        "Trực tuyến",
        "Đã giải quyết",
        "Quá hạn",
        "Đang giải quyết",
        "Tỷ lệ trực tuyến",
        "Tỷ lệ đúng hạn",
        "Tỷ lệ hài lòng",
    ]
    rows, missing, late_days = [], [], []
    day = start
    while day <= min(end, today):
        f = by_day.get(day)
        if f is None:
            missing.append(day.strftime("%d/%m"))
            rows.append([day.strftime("%d/%m/%Y"), "Chưa báo cáo"] + [""] * 8)
        else:
            state = "Ký muộn" if late.get(day) else ("Đã ký" if day in late else "Chưa ký")
            if late.get(day):
                late_days.append(day.strftime("%d/%m"))
            r = rate_defs.compute(f)
            rows.append(
                [
                    day.strftime("%d/%m/%Y"),
                    state,
                    number(rate_defs.received_total(f)),
                    number(f["received_online"]),
                    number(rate_defs.resolved_total(f)),
                    number(f["resolved_late"]),
                    number(rate_defs.pending_total(f)),
                    percent(r["online_rate"]),
                    percent(r["on_time_rate"]),
                    percent(r["satisfaction_rate"]),
                ]
            )
        day += dt.timedelta(days=1)
    days = [by_day[d] for d in sorted(by_day)]
    total = rate_defs.sum_figures(days)
    month_rates = rate_defs.compute(total)
    totals = [
        "Cả tháng",
        f"{len(days)} ngày",
        number(rate_defs.received_total(total)),
        number(total["received_online"]),
        number(rate_defs.resolved_total(total)),
        number(total["resolved_late"]),
        number(rate_defs.pending_total(total)),
        percent(month_rates["online_rate"]),
        percent(month_rates["on_time_rate"]),
        percent(month_rates["satisfaction_rate"]),
    ]
    estimate = index766.estimate(total)
    summary = (
        f"Ước tính {format_decimal(estimate.points, '#,##0.0', locale='vi') if days else '—'} / "
        f"{number(estimate.measured_max)} điểm của phần đo được; phần này chiếm "
        f"{percent(estimate.coverage)} tổng 100 điểm của Bộ chỉ số."
    )
    estimate_rows = [
        [
            str(r.indicator.group),
            str(r.indicator.label) + (" (*)" if r.indicator.assumed else ""),
            percent(r.rate),
            f"{'—' if r.score is None else format(r.score, '.1f').replace('.', ',')} / {r.indicator.points:g}",
        ]
        for r in estimate.results
    ]
    trend = None
    if days:
        trend = _trend(by_day, list(periods.days(start, min(end, today))))
    return MonthInput(
        commune_name=commune_name,
        province_name=province_name,
        month_text=first.strftime("%m/%Y"),
        doc_id=f"{code}:{first:%Y-%m}",
        header=header,
        rows=rows,
        totals=totals,
        rates=[(str(r.label), percent(month_rates[r.name])) for r in rate_defs.RATES],
        estimate_rows=estimate_rows,
        estimate_summary=summary,
        trend=trend,
        missing_days=", ".join(missing),
        late_days=", ".join(late_days),
    )
