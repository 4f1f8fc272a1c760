"""Signing a month's documents: the month summary and the late-dossier list, as the leader.

For a month that has ended, the leader signs both in one operation: each is built from the latest
signed revision of each day (nothing unsigned), takes the next number of the year's BC register
(shared with the daily reports: the summary first, then the list), embeds a JSON listing every
day's ``report_id``, ``revision`` and payload SHA-256 (``core.months``), and is signed twice at the
same ``signed_at``, the leader's certificate then the commune's. The PDFs are written to pending
files before the commit and renamed into place after it, as the daily report's are; if either
cannot be built nothing is signed. A day corrected (or signed for the first time) after the month
was signed makes the signed edition out of date: the leader may sign a new edition, with new
numbers; the old one is kept, marked superseded.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from werkzeug.exceptions import NotFound

from wardapp.audit import log as audit
from wardapp.commune.models import Commune
from wardapp.core import clock, months, periods
from wardapp.core.deadline import deadline_moment
from wardapp.core.files import write_atomic
from wardapp.core.pdf import archive, inputs, monthly, official
from wardapp.core.refusals import Refused
from wardapp.extensions import db
from wardapp.pdf.service import late_list_input, late_list_pdf, month_input, month_pdf, month_revisions
from wardapp.signing import documents
from wardapp.signing.models import MonthDocument, ReportRevision
from wardapp.signing.operations import enter_register, next_register_number

TITLES = {months.SUMMARY: "Báo cáo tổng hợp tháng", months.LATE_LIST: "Danh sách hồ sơ trễ hạn và giải trình tháng"}


class CannotSignMonth(Refused):
    """A month document cannot be signed now; why, in the leader's words."""


@dataclass(frozen=True)
class ChangedDay:
    """A day whose signed report differs from what the current edition lists."""

    date: dt.date
    listed: str | None  # the report_id the edition lists (None: the day was missing then)
    now: str | None  # the latest signed revision's report_id (None: no longer signed, never happens)


@dataclass
class MonthState:
    """What the leader's month page shows, and what signing would sign."""

    first: dt.date
    ended: bool  # only a month whose last day's deadline has passed can be signed
    latest: dict[dt.date, ReportRevision]
    first_late: dict[dt.date, bool]
    missing: list[dt.date]
    late_groups: list[tuple[str, list[list[str]]]]
    editions: list[MonthDocument] = field(default_factory=list)  # every signed edition, newest first
    changed: list[ChangedDay] = field(default_factory=list)

    @property
    def current(self) -> dict[str, MonthDocument]:
        return {doc.kind: doc for doc in self.editions if doc.current}

    @property
    def signed(self) -> bool:
        return bool(self.current)

    @property
    def signable(self) -> bool:
        return self.ended and (not self.signed or bool(self.changed))

    @property
    def late_days(self) -> list[dt.date]:
        return [day for day in sorted(self.latest) if self.first_late[day]]

    @property
    def corrected_days(self) -> list[dt.date]:
        return [day for day, revision in sorted(self.latest.items()) if revision.revision > 1]

    @property
    def late_dossiers(self) -> int:
        return sum(int(row[2]) for _heading, rows in self.late_groups for row in rows)


def month_ended(commune: Commune, first: dt.date, now: dt.datetime | None = None) -> bool:
    """The month is over and so is its last day's reporting deadline."""
    _start, end = periods.month_bounds(first)
    return (now or clock.now()) > deadline_moment(end, commune.deadline)


def editions_of(commune_id: int, first: dt.date) -> list[MonthDocument]:
    return list(
        db.session.scalars(
            db.select(MonthDocument)
            .filter_by(commune_id=commune_id, month=first)
            .order_by(MonthDocument.edition.desc(), MonthDocument.kind)
        )
    )


def month_state(commune: Commune, first: dt.date) -> MonthState:
    start, end = periods.month_bounds(first)
    latest, first_late = month_revisions(commune.id, start, end)
    today = clock.today()
    missing = [day for day in periods.days(start, min(end, today)) if day not in latest]
    docs = {day: revision.document for day, revision in latest.items()}
    state = MonthState(first, month_ended(commune, first), latest, first_late, missing, inputs.late_groups(docs))
    state.editions = editions_of(commune.id, first)
    summary = state.current.get(months.SUMMARY)
    if summary is not None:
        state.changed = changed_days(summary.document, latest)
    return state


def changed_days(document: dict, latest: dict[dt.date, ReportRevision]) -> list[ChangedDay]:
    """Days whose latest signed revision is not the one the signed edition lists: corrected
    afterwards, or signed for the first time afterwards."""
    listed = {dt.date.fromisoformat(d["date"]): d for d in document["days"]}
    changed = []
    for day in sorted(set(listed) | set(latest)):
        then, now = listed.get(day), latest.get(day)
        if then is None or now is None or then["payload_sha256"] != now.payload_sha256:
            changed.append(ChangedDay(day, then["report_id"] if then else None, now.report_key if now else None))
    return changed


def month_dir() -> Path:
    return Path(current_app.instance_path) / "pdfs" / "months"


def month_file(doc: MonthDocument) -> Path:
    return month_dir() / months.filename(doc.document_id.split(":", 1)[0], doc.month, doc.kind, doc.edition)


def current_edition(commune_id: int, first: dt.date, kind: str) -> MonthDocument | None:
    """The newest signed edition of a month document (None before the leader signs the month)."""
    return db.session.scalar(
        db.select(MonthDocument)
        .filter_by(commune_id=commune_id, month=first, kind=kind)
        .order_by(MonthDocument.edition.desc())
        .limit(1)
    )


def stored_pdf(doc: MonthDocument) -> bytes:
    """A signed month document's PDF, read from the file kept at signing; never rebuilt (its
    signatures say the moment the leader signed)."""
    try:
        return month_file(doc).read_bytes()
    except FileNotFoundError:
        raise NotFound(_("Không tìm thấy tệp PDF đã ký của %(id)s.", id=doc.document_id)) from None


def month_document_pdf(commune: Commune, first: dt.date, kind: str) -> tuple[bytes, str]:
    """A month document and its file name: the stored signed file once the leader signed the month
    (read, never rebuilt), otherwise the unsigned draft, watermarked "BẢN NHÁP"."""
    signed = current_edition(commune.id, first, kind)
    if signed is not None:
        return stored_pdf(signed), months.filename(commune.code, first, kind, signed.edition)
    with force_locale("vi"):
        build = month_pdf if kind == months.SUMMARY else late_list_pdf
        return build(commune, first), months.filename(commune.code, first, kind)


def sign_month(commune: Commune, first: dt.date, user) -> list[MonthDocument]:
    """Sign the month summary and the late-dossier list of ``first``'s month; commits."""
    now = clock.now()
    if not month_ended(commune, first, now):
        raise CannotSignMonth(
            [
                _(
                    "Tháng %(month)s chưa kết thúc: chỉ ký tài liệu tháng sau hạn báo cáo của ngày cuối tháng.",
                    month=first.strftime("%m/%Y"),
                )
            ]
        )
    state = month_state(commune, first)
    if not state.signable:
        raise CannotSignMonth([_("Tài liệu tháng này đã được ký và vẫn đúng với các báo cáo ngày đã ký.")])
    signed_at = now.replace(microsecond=0).astimezone(clock.TZ)
    year = signed_at.year
    number = next_register_number(year)
    previous = state.current
    edition = max((doc.edition for doc in state.editions), default=0) + 1
    made: list[tuple[MonthDocument, Path]] = []
    try:
        # The numbers first: one another signature took meanwhile fails here (IntegrityError),
        # before any PDF is built.
        for offset, kind in enumerate(months.KINDS):
            document_id = months.document_id(commune.code, first, kind, edition)
            document_number = official.document_number(number + offset, commune.document_symbol)
            enter_register(year, number + offset, kind, document_id, document_number)
        db.session.flush()
        for offset, kind in enumerate(months.KINDS):
            doc, pending = _sign_one(
                commune, state, kind, edition, year, number + offset, previous.get(kind), signed_at, user
            )
            made.append((doc, pending))
        for kind, old in previous.items():
            old.superseded_at = signed_at.astimezone(dt.UTC).replace(tzinfo=None)
            old.superseded_by = next(doc.document_id for doc, _pending in made if doc.kind == kind)
        audit.record(
            "month.signed",
            target_type="month",
            target_id=f"{first:%Y-%m}",
            actor=user,
            after={
                doc.kind: {"document_number": doc.document_number, "payload_sha256": doc.payload_sha256}
                for doc, _pending in made
            },
            summary=", ".join(doc.document_number for doc, _pending in made),
        )
        db.session.commit()
    except Exception:
        db.session.rollback()
        for _doc, pending in made:
            pending.unlink(missing_ok=True)
        raise
    for doc, pending in made:
        os.replace(pending, month_file(doc))
    return [doc for doc, _pending in made]


def _sign_one(
    commune: Commune,
    state: MonthState,
    kind: str,
    edition: int,
    year: int,
    number: int,
    previous: MonthDocument | None,
    signed_at: dt.datetime,
    user,
) -> tuple[MonthDocument, Path]:
    """One month document: its JSON, its PDF built, signed and written to a pending file, its row."""
    document_number = official.document_number(number, commune.document_symbol)
    listed = [
        months.ListedDay(day, revision.report_key, revision.revision, revision.payload_sha256, state.first_late[day])
        for day, revision in state.latest.items()
    ]
    signer = {"username": user.username, "full_name": user.full_name, "position": user.position or ""}
    supersedes = previous.document_number if previous else None
    content = months.build(
        kind=kind,
        commune={"code": commune.code, "name": commune.name, "province_code": commune.province_code},
        month=state.first,
        edition=months.SignedEdition(edition, document_number, supersedes, signed_at, signer),
        days=listed,
        missing=state.missing,
    )
    data = months.encode(content)
    signing = inputs.MonthSigning(
        number=document_number,
        signer_name=user.full_name,
        signer_position=user.position or "",
        signed_at=signed_at,
        attachment=archive.Attachment(
            months.embedded_name(content), data, "application/json", "Các báo cáo ngày đã ký được tổng hợp (JSON)"
        ),
    )
    pdf = _signed_pdf(commune, state, kind, signing, content["document_id"], user)
    doc = MonthDocument(
        commune_id=commune.id,
        month=state.first,
        kind=kind,
        edition=edition,
        document_id=content["document_id"],
        register_year=year,
        register_number=number,
        document_number=document_number,
        payload=data,
        payload_sha256=hashlib.sha256(data).hexdigest(),
        pdf_sha256=hashlib.sha256(pdf).hexdigest(),
        signed_at=signed_at.astimezone(dt.UTC).replace(tzinfo=None),
        signed_by_id=user.id,
    )
    db.session.add(doc)
    final = month_file(doc)
    pending = final.parent / ".pending" / f"{final.name}.{uuid.uuid4().hex}"
    write_atomic(pending, pdf)
    return doc, pending


def _signed_pdf(
    commune: Commune, state: MonthState, kind: str, signing: inputs.MonthSigning, document_id: str, user
) -> bytes:
    try:
        with force_locale("vi"):  # an official Vietnamese document whatever the leader's language
            if kind == months.SUMMARY:
                data = month_input(
                    commune, state.first, state.latest, state.first_late, signing.signed_at, signing=signing
                )
                built = monthly.build_month(data)
            else:
                built = monthly.build_late_list(
                    late_list_input(commune, state.first, state.latest, signing.signed_at, signing=signing)
                )
        return documents.sign_twice(
            built.data,
            built.signature_rect,
            leader=user,
            signed_at=signing.signed_at.astimezone(dt.UTC),
            reason=f"{TITLES[kind]} {state.first:%m/%Y} ({document_id})",
        )
    except Exception as error:
        current_app.logger.exception("could not build the signed month document %s", document_id)
        message = _(
            "Không tạo được bản PDF ký số (%(error)s); tài liệu tháng chưa được ký.", error=type(error).__name__
        )
        raise CannotSignMonth([message]) from error
