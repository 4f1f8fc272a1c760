"""Signing a day's report and opening corrections: the multi-step rules of the heart of wardapp.

Signing writes the revision (exact signed bytes, hash, signature), freezes the day and queues the
outbox entry in one database transaction, and builds and signs the day's PDF in the same operation
(its signatures timed at the revision's ``signed_at``): either all of it happens or none of it. The
PDF is written to a pending file before the commit and renamed into place after it; a failure to
build it refuses the signature with a message and leaves nothing behind.
"""

from __future__ import annotations

import datetime as dt

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from joserfc import jws

from wardapp.audit import log as audit
from wardapp.commune.models import Commune
from wardapp.core import clock, history, payload, readiness, schema, text
from wardapp.core.deadline import is_late
from wardapp.core.pdf import official
from wardapp.delays.day import gather
from wardapp.evidence.operations import PhotosNotChecked, settle_photos
from wardapp.extensions import db
from wardapp.outbox.models import OutboxEntry
from wardapp.reports.models import DailyReport, ReportStatus
from wardapp.signing import documents, keys
from wardapp.signing.models import RegisterEntry, ReportRevision

JWS_TYPE = "wardapp-report+jws"
REASON_MAX = 2000


class CannotSign(Exception):
    def __init__(self, problems: list[str], field: str | None = None):
        super().__init__("; ".join(problems))
        self.problems = problems
        self.field = field


def latest_revision(report: DailyReport) -> ReportRevision | None:
    return db.session.scalar(
        db.select(ReportRevision).filter_by(report_id=report.id).order_by(ReportRevision.revision.desc()).limit(1)
    )


def revisions_of(report: DailyReport | None) -> list[ReportRevision]:
    if report is None:
        return []
    return list(
        db.session.scalars(
            db.select(ReportRevision).filter_by(report_id=report.id).order_by(ReportRevision.revision.desc())
        )
    )


def signer_of(user) -> dict:
    return {"username": user.username, "full_name": user.full_name, "position": user.position}


def build_document(commune: Commune, report: DailyReport, signer, signed_at, late_reason) -> dict:
    """The document the leader is about to sign, unnumbered: what the confirmation page and the
    draft PDF show. Signing builds the same from the same facts, numbered."""
    facts = gather(commune, report, report.date, document=True)
    return payload.build(facts, payload.Signing(signer_of(signer), signed_at, late_reason))


def next_register_number(year: int) -> int:
    """The next number of the year's BC register (Decree 30: numbering restarts each 1 January),
    shared by daily reports and month documents."""
    last = db.session.scalar(
        db.select(db.func.max(RegisterEntry.register_number)).filter(RegisterEntry.register_year == year)
    )
    return (last or 0) + 1


def enter_register(year: int, number: int, kind: str, document_id: str, document_number: str) -> RegisterEntry:
    """Take ``number`` in the register, in the caller's transaction: its primary key refuses the
    commit should another signature have taken the same number meanwhile."""
    entry = RegisterEntry(
        register_year=year, register_number=number, kind=kind, document_id=document_id, document_number=document_number
    )
    db.session.add(entry)
    return entry


def hidden_text_problems(document: dict) -> list[str]:
    """One message per stored text the signed report would carry with a forbidden character (text
    stored before every form checked it), each naming the item to correct, all of them."""
    return [
        _(
            "%(place)s: có ký tự ẩn hoặc ký tự đảo chiều văn bản (%(codes)s). Hãy sửa mục này rồi ký lại.",
            place=history.payload_place(document, path),
            codes=", ".join(codes[:3]),
        )
        for path, codes in schema.hidden_text(document)
    ]


def sign_report(
    commune: Commune, report: DailyReport, user, late_reason: str = "", *, signed_at: dt.datetime | None = None
) -> ReportRevision:
    """Sign the day as it stands now, freeze it and queue it for the city; commits.

    ``signed_at`` exists only for generating demo history; every route signs at the server's now.
    """
    if report.frozen:
        raise CannotSign([_("Báo cáo này đã được ký. Mở bản sửa đổi nếu cần thay đổi.")])
    check_photos(report)
    facts = gather(commune, report, report.date, document=True)  # the day, read once
    state = readiness.check(facts)
    if not state.ready:
        raise CannotSign(state.blockers)
    # Whole seconds: the payload, /M and the CMS signing-time all say this moment to the second.
    signed_at = (signed_at or clock.now()).replace(microsecond=0)
    late_reason = " ".join((late_reason or "").split())[:REASON_MAX]
    if hidden := text.problem(late_reason):
        raise CannotSign([hidden], field="late_reason")
    if is_late(report.date, commune.deadline, signed_at) and not late_reason:
        raise CannotSign(
            # Said at the field, whose label names the deadline ("Ký sau hạn 17:00: lý do ký
            # muộn"): the summary above the form reads label then message, each once.
            [_("Hãy nêu lý do.")],
            field="late_reason",
        )
    register_year = signed_at.astimezone(clock.TZ).year
    register_number = next_register_number(register_year)
    number = official.document_number(register_number, commune.document_symbol)
    with force_locale("vi"):  # the signed report is an official Vietnamese document
        document = payload.build(facts, payload.Signing(signer_of(user), signed_at, late_reason, number))
    if places := hidden_text_problems(document):
        raise CannotSign(places)
    problems = schema.problems(document)
    if problems:  # a bug, never the user's fault: refuse rather than sign something malformed
        raise CannotSign([_("Dữ liệu ký không hợp lệ: %(p)s", p="; ".join(problems))])
    signed_bytes = payload.encode(document)
    key_row = keys.ensure_key(user)
    token = jws.serialize_compact(
        {"alg": "Ed25519", "kid": key_row.kid, "typ": JWS_TYPE},
        signed_bytes,
        keys.private_key(key_row.kid),
        algorithms=["Ed25519"],
    )
    revision = ReportRevision(
        report_id=report.id,
        revision=document["revision"],
        report_key=document["report_id"],
        payload=signed_bytes,
        payload_sha256=payload.sha256(signed_bytes),
        jws=token,
        kid=key_row.kid,
        signed_at=signed_at.astimezone(dt.UTC).replace(tzinfo=None),
        signed_by_id=user.id,
        late=document["late"],
        late_reason=document["late_reason"] or "",
        supersedes=document["supersedes"],
        correction_reason=document["correction_reason"] or "",
        register_year=register_year,
        register_number=register_number,
        document_number=document["document_number"],
    )
    revision.report, revision.signed_by = report, user
    # The number first: one another signature took meanwhile fails here (IntegrityError), before
    # any PDF is built, and nothing is signed.
    enter_register(register_year, register_number, "daily", revision.report_key, document["document_number"])
    db.session.flush()
    db.session.add(revision)
    db.session.add(OutboxEntry(revision=revision))
    pending = _prepare_pdf(revision)
    report.status = ReportStatus.SIGNED
    report.signed_revisions = revision.revision
    report.correction_reason = None
    audit.record(
        "report.signed",
        target_type="report",
        target_id=revision.report_key,
        actor=user,
        after={"payload_sha256": revision.payload_sha256, "late": revision.late, "kid": key_row.kid},
        summary=revision.late_reason[:300],
    )
    try:
        db.session.commit()
    except Exception:
        documents.drop_pdf(pending)
        raise
    _keep_pdf(pending, revision)
    return revision


def check_photos(report: DailyReport) -> None:
    """The sign gate's first step, and the preview's (so that it shows what will be signed): every
    photo of the day decoded (a JPEG is decoded just after its upload's answer; should that not
    have run, it happens here), so a photo found corrupt stops counting before the checklist is
    read and none is signed undecoded."""
    try:
        settle_photos(report)
    except PhotosNotChecked as error:
        names = ", ".join(p.original_name or p.sha256[:12] for p in error.photos)
        raise CannotSign(
            [_("Không đọc được tệp ảnh %(names)s để kiểm tra; báo cáo chưa được ký.", names=names)]
        ) from error


def _prepare_pdf(revision: ReportRevision):
    """The signed PDF, built before the commit: if it cannot be built, nothing is signed."""
    try:
        return documents.prepare_pdf(revision)
    except Exception as error:
        current_app.logger.exception("could not build the signed PDF of %s", revision.report_key)
        message = _("Không tạo được bản PDF ký số (%(error)s); báo cáo chưa được ký.", error=type(error).__name__)
        raise CannotSign([message]) from error


def _keep_pdf(pending, revision: ReportRevision) -> None:
    """After the commit the revision exists: put its PDF in place. Should the rename fail (a full
    disk), the revision stays signed and ``documents.signed_pdf_file`` builds the PDF when first
    asked (a download, the sender, ``flask pdf repair``)."""
    try:
        documents.keep_pdf(pending, revision)
    except OSError:
        current_app.logger.exception("could not keep the signed PDF of %s", revision.report_key)


def open_correction(report: DailyReport, user, reason: str) -> None:
    """Reopen a signed day as a draft of the next revision, copied from the last signed one."""
    reason = " ".join((reason or "").split())[:REASON_MAX]
    if not report.frozen:
        raise CannotSign([_("Chỉ mở bản sửa đổi cho báo cáo đã ký.")])
    if not reason:
        raise CannotSign([_("Nêu lý do sửa đổi.")], field="reason")
    if hidden := text.problem(reason):
        raise CannotSign([_("Lý do sửa đổi: %(problem)s", problem=hidden)], field="reason")
    report.correction_reason = reason
    report.status = ReportStatus.COMPLETE
    report.touch(user)
    audit.record(
        "report.correction_opened",
        target_type="report",
        target_id=report.date.isoformat(),
        after={"reason": reason, "next_revision": report.signed_revisions + 1},
        actor=user,
    )
    db.session.commit()


def changes_between(older: dict, newer: dict) -> list[tuple[str, object, object]]:
    """What a correction changed: (what, before, after) for figures, narrative, photos, explanations."""
    diff = []
    for name, value in newer["figures"].items():
        if older["figures"].get(name) != value:
            diff.append((name, older["figures"].get(name), value))
    for name, words in newer["narrative"].items():
        if older["narrative"].get(name) != words:
            diff.append((name, older["narrative"].get(name), words))
    old_photos = {p["sha256"] for p in older["photos"]}
    new_photos = {p["sha256"] for p in newer["photos"]}
    if old_photos != new_photos:
        diff.append(("photos", len(old_photos), len(new_photos)))
    old_expl = {e["item"]: e["remedy"] for e in older["explanations"]}
    new_expl = {e["item"]: e["remedy"] for e in newer["explanations"]}
    if old_expl != new_expl:
        diff.append(("explanations", len(old_expl), len(new_expl)))
    return diff
