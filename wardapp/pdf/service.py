"""PDFs in the commune app: inputs from the database, the commune's certificate, kept files."""
from __future__ import annotations

import calendar
import datetime as dt
import io
import os
import tempfile
import zipfile
from pathlib import Path

from flask import current_app
from babel.numbers import format_decimal
from PIL import Image

from .. import clock
from ..commune.models import Commune
from ..delays.models import Explanation, LateDossier
from ..evidence import storage as photo_storage
from ..extensions import db
from ..reports import index766, rates
from ..reports.models import DailyReport
from ..reports.operations import figures_between
from ..signing.models import ReportRevision
from . import document, inputs, monthly, signature


def cert_dir() -> Path:
    return Path(current_app.instance_path) / "pdf-cert"


def ensure_certificate(commune: Commune) -> Path:
    folder = cert_dir()
    if not (folder / signature.CERT_FILE).exists():
        signature.make_self_signed(folder, commune.name, commune.province_name, commune.code)
    return folder


def photo_images(sha256: str) -> tuple[bytes, int, int] | None:
    path = photo_storage.thumbnail_path(sha256)
    if not path.exists():
        return None
    data = path.read_bytes()
    with Image.open(io.BytesIO(data)) as image:
        return data, image.width, image.height


def trend_for(commune_id: int, day: dt.date):
    start = day - dt.timedelta(days=29)
    return inputs.trend_from_figures(day, figures_between(commune_id, start, day))


def revision_input(revision: ReportRevision) -> document.DailyInput:
    commune = Commune.current()
    doc = revision.document
    signed_at = clock.to_local(revision.signed_at)
    return inputs.daily_input(
        doc, province_name=commune.province_name, images=photo_images,
        trend=trend_for(revision.report.commune_id, revision.report.date),
        signer_time=signed_at.strftime("%H:%M %d/%m/%Y"), key_thumbprint=revision.kid,
        payload_sha256=revision.payload_sha256,
    )


def pdf_path(revision: ReportRevision) -> Path:
    return Path(current_app.instance_path) / "pdfs" / f"{revision.report_key.replace(':', '_')}.pdf"


def _keep(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".pdf-")
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    os.replace(tmp, path)


def revision_pdf(revision: ReportRevision) -> bytes:
    """The signed PDF of a revision: built and signed once, then always the same file."""
    path = pdf_path(revision)
    if path.exists():
        return path.read_bytes()
    commune = Commune.current()
    built = document.build_daily(revision_input(revision))
    signed = signature.sign_pdf(
        built.data, ensure_certificate(commune), built.signature_rect,
        signer_name=revision.signed_by.full_name, location=f"{commune.name}, {commune.province_name}",
        reason=f"Báo cáo ngày {revision.report.date:%d/%m/%Y} ({revision.report_key})",
        local_time=clock.to_local(revision.signed_at).strftime("%H:%M:%S %d/%m/%Y"),
    )
    if not path.exists():  # another worker may have kept it first: keep that one
        _keep(path, signed)
    return path.read_bytes()


def draft_pdf(report: DailyReport, user) -> bytes:
    """A preview of the day as it stands, watermarked as a draft and never signed."""
    from ..signing.operations import build_document

    commune = Commune.current()
    now = clock.now()
    doc = build_document(commune, report, user, now, None)
    data = inputs.daily_input(doc, province_name=commune.province_name, images=photo_images,
                              trend=trend_for(commune.id, report.date), signer_time="", draft=True,
                              payload_sha256="(chưa ký)")
    return document.build_daily(data).data


def latest_revisions(commune_id: int, start: dt.date, end: dt.date) -> dict[dt.date, ReportRevision]:
    rows = db.session.scalars(
        db.select(ReportRevision).join(DailyReport).filter(DailyReport.commune_id == commune_id,
                                                           DailyReport.date.between(start, end))
        .order_by(ReportRevision.revision)
    ).all()
    return {r.report.date: r for r in rows}


def range_zip(commune_id: int, start: dt.date, end: dt.date) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as archive:  # PDFs are compressed already
        for day, revision in sorted(latest_revisions(commune_id, start, end).items()):
            archive.writestr(f"{revision.report_key.replace(':', '_')}.pdf", revision_pdf(revision))
    return out.getvalue()


def month_bounds(first: dt.date) -> tuple[dt.date, dt.date]:
    return first, first.replace(day=calendar.monthrange(first.year, first.month)[1])


def month_pdf(commune: Commune, first: dt.date) -> bytes:
    start, end = month_bounds(first)
    today = clock.today()
    by_day = figures_between(commune.id, start, min(end, today))
    signed = latest_revisions(commune.id, start, end)
    return monthly.build_month(month_input(commune.name, commune.province_name, commune.code, first, by_day,
                                           {d: r.late for d, r in signed.items()}, today))


def month_input(commune_name: str, province_name: str, code: str, first: dt.date, by_day: dict,
                late: dict[dt.date, bool], today: dt.date) -> monthly.MonthInput:
    """Shared by the commune app and the city intake (``late``: signed days → signed late?)."""
    start, end = month_bounds(first)
    header = ["Ngày", "Tình trạng", "Tiếp nhận", "Trực tuyến", "Đã giải quyết", "Quá hạn", "Đang giải quyết",
              "Tỷ lệ trực tuyến", "Tỷ lệ đúng hạn", "Tỷ lệ hài lòng"]
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
            r = rates.compute(f)
            rows.append([day.strftime("%d/%m/%Y"), state, inputs.number(rates.received_total(f)),
                         inputs.number(f["received_online"]), inputs.number(rates.resolved_total(f)),
                         inputs.number(f["resolved_late"]), inputs.number(rates.pending_total(f)),
                         inputs.percent(r["online_rate"]), inputs.percent(r["on_time_rate"]),
                         inputs.percent(r["satisfaction_rate"])])
        day += dt.timedelta(days=1)
    days = [by_day[d] for d in sorted(by_day)]
    total = rates.sum_figures(days)
    month_rates = rates.compute(total)
    totals = ["Cả tháng", f"{len(days)} ngày", inputs.number(rates.received_total(total)),
              inputs.number(total["received_online"]), inputs.number(rates.resolved_total(total)),
              inputs.number(total["resolved_late"]), inputs.number(rates.pending_total(total)),
              inputs.percent(month_rates["online_rate"]), inputs.percent(month_rates["on_time_rate"]),
              inputs.percent(month_rates["satisfaction_rate"])]
    estimate = index766.estimate(total)
    summary = (f"Ước tính {format_decimal(estimate.points, '#,##0.0', locale='vi') if days else '—'} / "
               f"{inputs.number(estimate.measured_max)} điểm của phần đo được; phần này chiếm "
               f"{inputs.percent(estimate.coverage)} tổng 100 điểm của Bộ chỉ số.")
    estimate_rows = [[str(r.indicator.group), str(r.indicator.label) + (" (*)" if r.indicator.assumed else ""),
                      inputs.percent(r.rate), f"{'—' if r.score is None else format(r.score, '.1f').replace('.', ',')}"
                      f" / {r.indicator.points:g}"] for r in estimate.results]
    trend = None
    if days:
        dates = [start + dt.timedelta(days=i) for i in range((min(end, today) - start).days + 1)]
        trend = inputs.Trend(days=[d.strftime("%d/%m") for d in dates],
                             series=[(str(rates.RATES_BY_NAME[n].label),
                                      [rates.RATES_BY_NAME[n].of(by_day[d]) if d in by_day else None for d in dates])
                                     for n in inputs.TREND_SERIES],
                             percent_labels=(inputs.percent(0), inputs.percent(0.5), inputs.percent(1)))
    return monthly.MonthInput(
        commune_name=commune_name, province_name=province_name, month_text=first.strftime("%m/%Y"),
        doc_id=f"{code}:{first:%Y-%m}", header=header, rows=rows, totals=totals,
        rates=[(str(r.label), inputs.percent(month_rates[r.name])) for r in rates.RATES],
        estimate_rows=estimate_rows, estimate_summary=summary, trend=trend,
        missing_days=", ".join(missing), late_days=", ".join(late_days),
    )


def late_list_pdf(commune: Commune, first: dt.date) -> bytes:
    start, end = month_bounds(first)
    rows = db.session.execute(
        db.select(LateDossier, DailyReport.date).join(DailyReport, LateDossier.report_id == DailyReport.id)
        .filter(DailyReport.commune_id == commune.id, DailyReport.date.between(start, end))
        .order_by(LateDossier.officer, DailyReport.date)
    ).all()
    ids = {d.report_id for d, _ in rows}
    explained = {}
    if ids:
        for e in db.session.scalars(db.select(Explanation).filter(Explanation.report_id.in_(ids))
                                    .order_by(Explanation.id)):
            explained[e.item_key] = e
    groups: dict[tuple[str, str], list] = {}
    for dossier, day in rows:
        e = explained.get(f"late:{dossier.id}")
        groups.setdefault((dossier.officer, dossier.unit), []).append([
            day.strftime("%d/%m/%Y"), dossier.kind_label, str(dossier.count), dossier.procedure, dossier.cause,
            f"{e.remedy} ({e.responsible}, {e.new_date:%d/%m/%Y})" if e and e.new_date else (e.remedy if e else "Chưa giải trình"),
        ])
    return monthly.build_late_list(monthly.LateListInput(
        commune_name=commune.name, province_name=commune.province_name, month_text=first.strftime("%m/%Y"),
        doc_id=f"{commune.code}:{first:%Y-%m}:tre-han",
        groups=[(f"{officer}{', ' + unit if unit else ''} ({sum(int(r[2]) for r in items)} hồ sơ)", items)
                for (officer, unit), items in sorted(groups.items())],
    ))
