"""Turning a report payload (signed or draft) into the plain ``DailyInput`` the builder prints.

Works from the payload dict alone (the 30-day trend included: it is signed with the day, see
``core/trends.signed_trend``) plus a provider of photo images, so the commune app and the city
intake produce the same document from the same revision.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import quote

from babel.numbers import format_decimal, format_percent

from wardapp.core import collation, figure_sources, ii06a, index766, periods
from wardapp.core import rates as rate_defs
from wardapp.core.deadline import deadline_moment
from wardapp.core.figures import figures_by_group
from wardapp.core.labels import LATE_KINDS, TEAM_FIELDS
from wardapp.core.payload import pdf_filename
from wardapp.core.pdf import archive, official
from wardapp.core.pdf.charts import Trend
from wardapp.core.pdf.document import DailyInput, PhotoInput
from wardapp.core.pdf.monthly import LateListInput, MonthInput
from wardapp.core.trends import TREND_RATES, rate_series

LOCALE = "vi"  # official documents are Vietnamese whatever the reader's interface language
ImageProvider = Callable[[str], tuple[bytes, int, int] | None]  # sha256 → (jpeg, width, height)
Doc = dict[str, Any]  # a payload, or a part of one, as JSON decodes it
Figures = Mapping[str, int]


def _vietnamese(labels: Mapping[Any, Any], code: object) -> str:
    label = labels.get(code)
    return label.msgid if label is not None else ""


def number(value: float | None) -> str:
    return "—" if value is None else format_decimal(value, "#,##0", locale=LOCALE)


def percent(value: float | None) -> str:
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
    return official.place_date_line(official.place_name(commune_name), day)


def summary_table(figures: Figures) -> list[list[str]]:
    """Form II.06a: dossiers to handle, resolved, pending; numbered (3)…(13) as the form numbers
    them ((1) and (2) are the row number and the unit), as the city's table, workbook and report do."""
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
        [f"({column.number})" for column in ii06a.COLUMNS],  # the form's column numbers
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


def other_figures(figures: Figures) -> list[tuple[str, list[tuple[str, str]]]]:
    groups = []
    for group, items in figures_by_group():
        pairs = [(str(f.label), f"{number(figures[f.name])} {f.unit}") for f in items if f.name not in IN_SUMMARY]
        if pairs:
            groups.append((str(group.label), pairs))
    return groups


def task_state(task: Doc) -> str:
    if task["percent"] >= 100:
        return "Hoàn thành"
    if task.get("overdue"):
        return "Quá hạn"
    return "Chậm tiến độ" if task["behind"] else "Đúng tiến độ"


DEFAULT_SYMBOL = "BC-UBND"
ARCHIVE_LINE = "Lưu: VT, TTPVHCC"


def recipients(province_name: str) -> tuple[str, ...]:
    return (
        f"Ủy ban nhân dân {province_name} (để báo cáo)" if province_name else "Ủy ban nhân dân cấp trên (để báo cáo)",
        "Hệ thống giám sát, đánh giá thực hiện Nghị quyết 57-NQ/TW",
    )


def verify_target(city_url: str, report_id: str, payload_sha256: str) -> str:
    """What the QR code holds: the city's public page ``<city>/xac-thuc/<report_id>?sha256=<hash>``
    (anyone may open it, no account needed); without a known city address, the same two facts as text."""
    base = (city_url or "").strip().rstrip("/")
    if base.startswith(("http://", "https://")):
        return f"{base}/xac-thuc/{quote(report_id, safe=':')}?sha256={payload_sha256}"
    return f"{report_id} SHA-256:{payload_sha256}"


def trend_of(doc: Doc) -> Trend | None:
    """The 30-day trend the payload carries (what the leader saw when signing), or None."""
    trend = doc.get("trend")
    if not trend or not trend.get("days"):
        return None
    labels = [vn_date(d)[:5] for d in trend["days"]]
    series = [
        (str(rate_defs.RATES_BY_NAME[name].label), list(trend["series"].get(name, [])))
        for name in TREND_RATES
        if name in trend.get("series", {})
    ]
    return Trend(days=labels, series=series, percent_labels=(percent(0), percent(0.5), percent(1)))


def daily_input(
    doc: Doc,
    *,
    province_name: str,
    images: ImageProvider,
    key_thumbprint: str = "",
    payload_sha256: str = "",
    payload_bytes: bytes | None = None,
    jws: str | None = None,
    city_url: str = "",
    symbol: str = DEFAULT_SYMBOL,
    draft: bool = False,
    rendered_note: str = "",
) -> DailyInput:
    """The printed document of one payload: a function of the payload (and its signature) only."""
    day = dt.date.fromisoformat(doc["date"])
    signed_at = dt.datetime.fromisoformat(doc["signed_at"])
    commune = doc["commune"]["name"]
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
    number_text = doc.get("document_number") or ""
    heading = official.Heading(
        issuer=official.issuer_of(commune),
        number=number_text,
        symbol=number_text.split("/", 1)[1] if "/" in number_text else symbol,
        place_date=official.place_date_line(official.place_name(commune), signed_at.date()),
        doc_type="BÁO CÁO",
        summary=f"Tình hình hoạt động của Trung tâm Phục vụ hành chính công ngày {day:%d/%m/%Y}",
    )
    signer = official.Signer(
        titles=official.signer_titles(doc["signed_by"]["position"]),
        name="" if draft else doc["signed_by"]["full_name"],
        recipients=recipients(province_name),
        archive_line=ARCHIVE_LINE,
        note=rendered_note,
    )
    base = pdf_filename(doc["report_id"])[:-4]
    attachments = []
    if payload_bytes is not None:
        attachments.append(
            archive.Attachment(
                f"{base}.payload.json", payload_bytes, "application/json", "Nội dung báo cáo đã ký (JSON)"
            )
        )
    if jws:
        attachments.append(
            archive.Attachment(
                f"{base}.jws", jws.encode("ascii"), "application/jose", "Chữ ký JWS của nội dung", "Supplement"
            )
        )
    meta = official.Archival(
        title=f"Báo cáo ngày {day:%d/%m/%Y} — {commune}",
        author=f"Ủy ban nhân dân {commune}",
        subject=doc["report_id"],
        issued_at=signed_at,
        attachments=tuple(attachments),
    )
    return DailyInput(
        heading=heading,
        signer=signer,
        meta=meta,
        commune_name=commune,
        date_text=day.strftime("%d/%m/%Y"),
        report_id=doc["report_id"],
        revision=doc["revision"],
        supersedes=doc.get("supersedes"),
        correction_reason=doc.get("correction_reason") or "",
        late=bool(doc.get("late")),
        late_reason=doc.get("late_reason") or "",
        summary_table=summary_table(doc["figures"]),
        other_figures=other_figures(doc["figures"]),
        rates=[(str(r.label), percent(doc["rates"].get(r.name))) for r in rate_defs.RATES],
        trend=trend_of(doc),
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
        signed_at_text=vn_moment(doc["signed_at"]),
        key_thumbprint=key_thumbprint,
        payload_sha256=payload_sha256,
        verify_target=verify_target(city_url, doc["report_id"], payload_sha256),
        draft=draft,
        figure_sources=_source_lines(doc),
    )


def _source_lines(doc: Doc) -> list[str]:
    summary = figure_sources.summarize(doc)
    return summary.lines() if summary is not None else []


def _photo(photo: Doc, images: ImageProvider) -> PhotoInput:
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


def _trend(by_day: Mapping[dt.date, Figures], dates: list[dt.date]) -> Trend:
    return Trend(
        days=[d.strftime("%d/%m") for d in dates],
        series=[(str(s.label), s.values) for s in rate_series(by_day, dates)],
        percent_labels=(percent(0), percent(0.5), percent(1)),
    )


@dataclass(frozen=True)
class SignedDay:
    """What the month documents know of a day: its latest signed figures and how it was signed."""

    figures: Figures
    first_late: bool  # the first signature came after the day's deadline
    revision: int  # the latest revision (above 1: corrected, e.g. at the city's request)


def day_state(day: dt.date, signed: SignedDay | None, now: dt.datetime, deadline: dt.time) -> str:
    """A late first signature is "Ký muộn"; a correction is not lateness and says so."""
    if signed is None:
        return "Chưa đến hạn" if now <= deadline_moment(day, deadline) else "Chưa báo cáo"
    state = "Ký muộn" if signed.first_late else "Đã ký"
    if signed.revision > 1:
        state += f", bản {signed.revision}"  # a corrected day: revision n, never "late" for that
    return state


def month_heading(
    commune_name: str, first: dt.date, now: dt.datetime, doc_type: str, summary: str, symbol: str, number: str = ""
) -> official.Heading:
    return official.Heading(
        issuer=official.issuer_of(commune_name),
        number=number,  # "" until the register numbers the document when the leader signs it
        symbol=number.split("/", 1)[1] if "/" in number else symbol,
        place_date=official.place_date_line(official.place_name(commune_name), now.date()),
        doc_type=doc_type,
        summary=summary,
    )


def unsigned_signer(province_name: str) -> official.Signer:
    return official.Signer(
        titles=("TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH"),
        name="",
        recipients=recipients(province_name),
        archive_line=ARCHIVE_LINE,
    )


@dataclass(frozen=True)
class MonthSigning:
    """What a signed month document adds to the draft: its register number, its signer (the slot
    the PAdES signatures fill) and the JSON it embeds; the heading's date is ``signed_at``'s."""

    number: str  # "07/BC-UBND"
    signer_name: str
    signer_position: str
    signed_at: dt.datetime  # aware
    attachment: archive.Attachment


def month_signer(province_name: str, signing: MonthSigning | None) -> official.Signer:
    if signing is None:
        return unsigned_signer(province_name)
    return official.Signer(
        titles=official.signer_titles(signing.signer_position),
        name=signing.signer_name,
        recipients=recipients(province_name),
        archive_line=ARCHIVE_LINE,
    )


def month_archival(
    title: str, commune_name: str, subject: str, now: dt.datetime, signing: MonthSigning | None
) -> official.Archival:
    """A month document's PDF/A identification: issued when signed (with the days it lists
    attached), or now for a draft."""
    return official.Archival(
        title=title,
        author=f"Ủy ban nhân dân {commune_name}",
        subject=subject,
        issued_at=signing.signed_at if signing else now,
        attachments=(signing.attachment,) if signing else (),
    )


def month_cells(figures: Figures) -> list[str]:
    """A row of the month summary after its first two cells, for a day or for the month's total:
    received, online, resolved, late, pending, then the three rates."""
    computed = rate_defs.compute(figures)
    return [
        number(rate_defs.received_total(figures)),
        number(figures["received_online"]),
        number(rate_defs.resolved_total(figures)),
        number(figures["resolved_late"]),
        number(rate_defs.pending_total(figures)),
        percent(computed["online_rate"]),
        percent(computed["on_time_rate"]),
        percent(computed["satisfaction_rate"]),
    ]


def month_input(
    commune_name: str,
    province_name: str,
    code: str,
    first: dt.date,
    days: dict[dt.date, SignedDay],
    now: dt.datetime,
    deadline: dt.time,
    *,
    symbol: str = DEFAULT_SYMBOL,
    signing: MonthSigning | None = None,
    draft: bool = False,
    rendered_by: str = "",
) -> MonthInput:
    """Shared by the commune app and the city intake; ``days`` holds signed revisions only.
    ``signing`` numbers, dates and signs it (then ``now`` is its ``signed_at``); ``draft`` marks the
    commune's unsigned preview as such. ``rendered_by`` (the city's department): a rendering of the
    commune's signed days made elsewhere, which says so and carries neither the commune's number
    nor its signature block."""
    start, end = periods.month_bounds(first)
    today = now.date()
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
    rows: list[list[str]] = []
    missing: list[str] = []
    late_days: list[str] = []
    corrected: list[str] = []
    not_due: list[str] = []
    day = start
    while day <= min(end, today):
        signed = days.get(day)
        state = day_state(day, signed, now, deadline)
        if signed is None:
            (not_due if state == "Chưa đến hạn" else missing).append(day.strftime("%d/%m"))
            rows.append([day.strftime("%d/%m"), state] + [""] * 8)
        else:
            if signed.first_late:
                late_days.append(day.strftime("%d/%m"))
            if signed.revision > 1:
                corrected.append(day.strftime("%d/%m"))
            rows.append([day.strftime("%d/%m"), state, *month_cells(signed.figures)])
        day += dt.timedelta(days=1)
    signed_days = [days[d].figures for d in sorted(days) if start <= d <= end]
    total = rate_defs.sum_figures(signed_days)
    month_rates = rate_defs.compute(total)
    totals = ["Cả tháng", f"{len(signed_days)} ngày đã ký", *month_cells(total)]
    estimate = index766.estimate(total)
    summary = (
        f"Tính trên {len(signed_days)} ngày đã ký (ngày chưa ký không được tính): ước tính "
        f"{format_decimal(estimate.points, '#,##0.0', locale='vi') if signed_days else '—'} / "
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
    if signed_days:
        figures = {d: signed.figures for d, signed in days.items()}
        trend = _trend(figures, list(periods.days(start, min(end, today))))
    month_text = first.strftime("%m/%Y")

    def listed(values: list[str]) -> str:
        return ", ".join(values) if values else "không có"

    overview = [
        f"Ủy ban nhân dân {commune_name} tổng hợp tình hình hoạt động của Trung tâm Phục vụ hành chính công "
        f"tháng {month_text} từ các báo cáo ngày đã ký như sau:",
        f"Số ngày đã ký báo cáo: {len(signed_days)}. Ngày ký sau hạn (lần ký đầu): {listed(late_days)}. "
        f"Ngày có bản sửa đổi: {listed(corrected)}.",
        f"Ngày chưa báo cáo: {listed(missing)}. Ngày chưa đến hạn báo cáo: {listed(not_due)}.",
    ]
    heading = month_heading(
        commune_name,
        first,
        now,
        "BÁO CÁO",
        f"Tổng hợp tình hình hoạt động của Trung tâm Phục vụ hành chính công tháng {month_text}",
        symbol,
        signing.number if signing else "",
    )
    rendered_note = ""
    if rendered_by:
        heading = replace(heading, issuer=("HỆ THỐNG TIẾP NHẬN BÁO CÁO", rendered_by.upper()), number="", symbol="")
        overview[0] = (
            f"Hệ thống tiếp nhận của {rendered_by} tổng hợp tình hình hoạt động của Trung tâm Phục vụ hành chính "
            f"công của {commune_name} tháng {month_text} từ các báo cáo ngày đã ký mà xã/phường đã gửi như sau:"
        )
        rendered_note = (
            f"BẢN DỰNG LẠI CỦA {rendered_by.upper()} từ các báo cáo ngày đã ký số của {commune_name}: "
            "không phải văn bản của xã/phường, không có số văn bản và chữ ký của xã/phường."
        )
    return MonthInput(
        heading=heading,
        rendered_note=rendered_note,
        signer=month_signer(province_name, signing),
        meta=month_archival(
            f"Báo cáo tổng hợp tháng {month_text} — {commune_name}", commune_name, f"{code}:{first:%Y-%m}", now, signing
        ),
        draft=draft,
        commune_name=commune_name,
        month_text=month_text,
        header=header,
        rows=rows,
        totals=totals,
        rates=[(str(r.label), percent(month_rates[r.name])) for r in rate_defs.RATES],
        estimate_rows=estimate_rows,
        estimate_summary=summary,
        trend=trend,
        overview=overview,
    )


def late_groups(docs: Mapping[dt.date, Doc]) -> list[tuple[str, list[list[str]]]]:
    """The month's late dossiers by officer and unit (Vietnamese order), from signed payloads only,
    each with the leader's explanation signed the same day."""
    groups: dict[tuple[str, str], list[list[str]]] = {}
    for day, doc in sorted(docs.items()):
        explained = {e["item"]: e for e in doc.get("explanations", [])}
        for dossier in doc.get("late_dossiers", []):
            e = explained.get(dossier.get("item", ""))
            if e is None:
                explanation = "Chưa giải trình"
            elif e.get("new_date"):
                explanation = f"{e['remedy']} ({e['responsible']}, {vn_date(e['new_date'])})"
            else:
                explanation = e["remedy"]
            groups.setdefault((dossier["officer"], dossier.get("unit") or ""), []).append(
                [
                    day.strftime("%d/%m/%Y"),
                    _vietnamese(LATE_KINDS, dossier["kind"]) or dossier["kind"],
                    str(dossier["count"]),
                    dossier["procedure"],
                    dossier["cause"],
                    explanation,
                ]
            )
    ordered = sorted(groups.items(), key=lambda item: (collation.key(item[0][0]), collation.key(item[0][1])))
    return [
        (f"{officer}{', ' + unit if unit else ''} ({sum(int(r[2]) for r in rows)} hồ sơ)", rows)
        for (officer, unit), rows in ordered
    ]


def late_list_input(
    commune_name: str,
    province_name: str,
    code: str,
    first: dt.date,
    groups: list[tuple[str, list[list[str]]]],
    now: dt.datetime,
    *,
    symbol: str = DEFAULT_SYMBOL,
    signing: MonthSigning | None = None,
    draft: bool = False,
) -> LateListInput:
    """The month's late dossiers as a report ("BÁO CÁO", numbered in the same BC register as the
    daily reports and the month summary): Decree 30 has no "danh sách" document type, and an
    appendix (phụ lục) has no number of its own to be filed under."""
    month_text = first.strftime("%m/%Y")
    return LateListInput(
        heading=month_heading(
            commune_name,
            first,
            now,
            "BÁO CÁO",
            f"Danh sách hồ sơ trễ hạn và giải trình tháng {month_text}",
            symbol,
            signing.number if signing else "",
        ),
        signer=month_signer(province_name, signing),
        meta=month_archival(
            f"Danh sách hồ sơ trễ hạn tháng {month_text} — {commune_name}",
            commune_name,
            f"{code}:{first:%Y-%m}:tre-han",
            now,
            signing,
        ),
        draft=draft,
        commune_name=commune_name,
        month_text=month_text,
        groups=groups,
    )
