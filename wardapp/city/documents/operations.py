"""The department's leader signs a period's consolidated report once.

Only the department's director (or a deputy director, "KT. GIÁM ĐỐC") signs (``SIGNER_ROLES``),
and only a period that has ended, or explicitly "to date" (then the date is in its title). Signing
takes the next number of the department's yearly register (``city_register_entries``: a number is
never given twice, even when two servers sign at once), embeds the JSON of every commune-day the
report adds up (``core.consolidated_docs``), signs twice with the department's certificate (the
leader's appearance, then the department's seal: ``core.pdf.signature.sign_document``, as the
commune signs its month documents), and keeps the PDF once in the store under its SHA-256: every
download is the same bytes. A commune revision received after signing makes the edition out of
date; the leader may then sign a new edition, with a new number; the old one is kept, superseded.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field

from cryptography import x509
from flask import current_app, has_request_context, request
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from wardapp.city.desk import operations as desk
from wardapp.city.documents import signing
from wardapp.city.documents.consolidated import Period, Signing, document_input, listed_days, symbol
from wardapp.city.documents.models import CityRegisterEntry, ConsolidatedEdition
from wardapp.city.extensions import city_db as db
from wardapp.city.intake import blobs
from wardapp.city.models import CityAudit, CityUser
from wardapp.core import clock, consolidated_docs, months
from wardapp.core.deadline import deadline_moment
from wardapp.core.i18n import fmt_date
from wardapp.core.i18n import gettext as _
from wardapp.core.pdf import archive, official
from wardapp.core.pdf.consolidated import build_consolidated
from wardapp.core.refusals import Refused
from wardapp.core.units import find

# The city roles that sign the department's report: the director, and a deputy "for" them (KT.).
DIRECTOR, DEPUTY = "director", "deputy_director"
SIGNER_ROLES = (DIRECTOR, DEPUTY)
KIND = "consolidated"  # the register entry's kind


class CannotSign(Refused):
    """The department's report cannot be signed now; why, in the signer's words."""


@dataclass(frozen=True)
class ChangedDay:
    """A commune-day whose current revision differs from what the signed edition lists."""

    commune_code: str
    commune_name: str
    date: dt.date
    listed: str | None  # the report_id the edition lists (None: the day had no report then)
    now: str | None  # the current revision's report_id (None: no longer current, e.g. returned)


@dataclass
class PeriodState:
    period: Period
    ended: bool
    editions: list[ConsolidatedEdition] = field(default_factory=list)  # newest first
    changed: list[ChangedDay] = field(default_factory=list)

    @property
    def current(self) -> ConsolidatedEdition | None:
        return next((e for e in self.editions if e.current), None)

    @property
    def signable(self) -> bool:
        """Ended (or to date), and never signed or out of date."""
        return (self.ended or self.period.to_date) and (
            self.current is None or bool(self.changed) or self.counts_other_days
        )

    @property
    def counts_other_days(self) -> bool:
        """The current edition counts other days than those asked for (all received / accepted)."""
        current = self.current
        return current is not None and counted_days(current.document) != self.period.counted


def counted_days(document: dict) -> str:
    """Which days a signed edition adds up (editions signed before the choice: every received one)."""
    return str(document.get("counted_days") or "received")


def may_sign(user: CityUser) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and user.role in SIGNER_ROLES


def signer_titles(user: CityUser) -> tuple[str, ...]:
    """The signature block's lines (Appendix I): a department is not a collegial body, so no
    "TM."; a deputy signs "KT." (for) the director."""
    position = str(current_app.config["CITY_SIGNER_POSITION"] or "Giám đốc").upper()
    if user.role == DEPUTY:
        return (f"KT. {position}", f"PHÓ {position}")
    return (position,)


def ended(period: Period, now: dt.datetime | None = None) -> bool:
    """The period is over, and so is the last day's reporting deadline of every province."""
    limits = desk.deadlines(period.provinces).values()
    moment = now or clock.now()
    return all(moment > deadline_moment(period.end, limit) for limit in limits)


def editions_of(period: Period) -> list[ConsolidatedEdition]:
    return list(
        db.session.scalars(
            select(ConsolidatedEdition)
            .filter_by(scope=period.scope, start=period.start, end=period.end)
            .order_by(ConsolidatedEdition.edition.desc())
        )
    )


def current_edition(period: Period) -> ConsolidatedEdition | None:
    return db.session.scalar(
        select(ConsolidatedEdition)
        .filter_by(scope=period.scope, start=period.start, end=period.end, superseded_at=None)
        .order_by(ConsolidatedEdition.edition.desc())
        .limit(1)
    )


def state_of(period: Period) -> PeriodState:
    state = PeriodState(period, ended(period), editions_of(period))
    current = state.current
    if current is not None:
        state.changed = changed_days(current.document, period)
    return state


def changed_days(document: dict, period: Period) -> list[ChangedDay]:
    """Commune-days whose current revision is not the one the signed edition lists: corrected,
    received for the first time, or returned after it was signed."""
    listed = {(d["commune"], d["date"]): d for d in document["days"]}
    now = {(d.commune_code, d.date.isoformat()): d for d in listed_days(period)}
    changed = []
    for key in sorted(set(listed) | set(now)):
        then, current = listed.get(key), now.get(key)
        if then is None or current is None or then["payload_sha256"] != current.payload_sha256:
            unit = find(key[0])
            changed.append(
                ChangedDay(
                    key[0],
                    unit.name if unit else key[0],
                    dt.date.fromisoformat(key[1]),
                    then["report_id"] if then else None,
                    current.report_id if current else None,
                )
            )
    return changed


def pdf_key(pdf_sha256: str) -> str:
    """Where a signed edition's PDF is kept: named by its content, written once."""
    return f"consolidated/{pdf_sha256}.pdf"


def stored_pdf(edition: ConsolidatedEdition) -> bytes | None:
    """The signed edition's PDF as kept at signing; never rebuilt (its signatures say the moment)."""
    return blobs.store().get(pdf_key(edition.pdf_sha256))


def edition_by_id(document_id: str) -> ConsolidatedEdition | None:
    return db.session.scalar(select(ConsolidatedEdition).filter_by(document_id=document_id))


def is_test_certificate(certificate: x509.Certificate) -> bool:
    """A self-signed certificate (the one made on first use): for tests, not for official documents."""
    return certificate.issuer == certificate.subject


def _next_number(year: int) -> int:
    last = db.session.scalar(select(func.max(CityRegisterEntry.register_number)).filter_by(register_year=year))
    return int(last or 0) + 1


def sign(period: Period, user: CityUser) -> ConsolidatedEdition:
    """Sign ``period``'s consolidated report as ``user``; commits. CannotSign says why not."""
    if not may_sign(user):
        raise CannotSign([_("Chỉ Giám đốc hoặc Phó Giám đốc Sở được ký báo cáo tổng hợp.")])
    now = clock.now()
    state = state_of(period)
    if not state.ended and not period.to_date:
        raise CannotSign(
            [_("Kỳ báo cáo chưa kết thúc: chỉ ký khi đã hết kỳ, hoặc ký báo cáo \"tính đến ngày\" hôm nay.")]
        )
    if period.to_date and period.end != clock.today():
        raise CannotSign([_("Báo cáo \"tính đến ngày\" chỉ ký cho số liệu đến hôm nay.")])
    if not state.signable:
        raise CannotSign([_("Báo cáo tổng hợp của kỳ này đã được ký và vẫn đúng với các báo cáo ngày hiện hành.")])
    signed_at = now.replace(microsecond=0).astimezone(clock.TZ)
    previous = state.current
    edition_no = max((e.edition for e in state.editions), default=0) + 1
    document_id = consolidated_docs.document_id(period.provinces, period.start, period.end, edition_no)
    year = signed_at.year
    number = _next_number(year)
    document_number = official.document_number(number, symbol())
    try:
        # The number first: one another signature took meanwhile fails here, before any PDF is built.
        with db.session.begin_nested():
            db.session.add(
                CityRegisterEntry(
                    register_year=year,
                    register_number=number,
                    kind=KIND,
                    document_id=document_id,
                    document_number=document_number,
                )
            )
    except IntegrityError:
        db.session.rollback()
        raise CannotSign([_("Số văn bản vừa được cấp cho văn bản khác; hãy ký lại.")]) from None
    signer = {"username": user.username, "full_name": user.full_name, "position": " ".join(signer_titles(user))}
    supersedes = previous.document_number if previous else None
    content = consolidated_docs.build(
        provinces=period.provinces,
        **period.days(),
        edition=months.SignedEdition(edition_no, document_number, supersedes, signed_at, signer),
        days=listed_days(period),
        counted=period.counted,
    )
    data = consolidated_docs.encode(content)
    try:
        pdf = _signed_pdf(period, user, document_number, signed_at, content, data)
    except signing.SigningKeyError:
        db.session.rollback()
        raise
    except Exception as error:
        db.session.rollback()
        current_app.logger.exception("could not sign the consolidated report %s", document_id)
        raise CannotSign(
            [_("Không tạo được bản PDF ký số (%(error)s); báo cáo chưa được ký.", error=type(error).__name__)]
        ) from error
    pdf_sha256 = hashlib.sha256(pdf).hexdigest()
    blobs.store().put(pdf_key(pdf_sha256), pdf, "application/pdf")  # by content: harmless if we roll back
    utc = signed_at.astimezone(dt.UTC).replace(tzinfo=None)
    edition = ConsolidatedEdition(
        scope=period.scope,
        **period.days(),
        edition=edition_no,
        document_id=document_id,
        register_year=year,
        register_number=number,
        document_number=document_number,
        payload=data,
        payload_sha256=hashlib.sha256(data).hexdigest(),
        pdf_sha256=pdf_sha256,
        pdf_bytes=len(pdf),
        signed_at=utc,
        signed_by_id=user.id,
        signer_name=user.full_name,
        signer_position=" ".join(signer_titles(user)),
    )
    db.session.add(edition)
    if previous is not None:
        previous.superseded_at = utc
        previous.superseded_by = document_id
    db.session.add(
        CityAudit(
            actor=user.username,
            action="consolidated.signed",
            target=document_id,
            detail=f"{document_number}; {fmt_date(period.start)}–{fmt_date(period.end)}"
            + (f"; supersedes {previous.document_number}" if previous else ""),
        )
    )
    try:
        db.session.commit()
    except IntegrityError:  # the same edition signed a moment before, through another server
        db.session.rollback()
        raise CannotSign([_("Báo cáo này vừa được ký ở nơi khác; hãy tải lại trang.")]) from None
    return edition


def public_target(document_id: str, payload_sha256: str) -> str:
    """What the QR code holds: the public page of this edition (no account needed)."""
    base = str(current_app.config.get("CITY_PUBLIC_URL") or "").strip().rstrip("/")
    if not base and has_request_context():
        base = request.host_url.rstrip("/")
    return f"{base}/xac-thuc/{document_id}?sha256={payload_sha256}"


def _signed_pdf(
    period: Period, user: CityUser, number: str, signed_at: dt.datetime, content: dict, data: bytes
) -> bytes:
    from wardapp.core.pdf import signature  # pyHanko: loaded when a document is first signed

    attachment = archive.Attachment(
        consolidated_docs.embedded_name(content),
        data,
        "application/json",
        "Các báo cáo ngày đã ký được tổng hợp (JSON)",
    )
    plan = Signing(
        number,
        user.full_name,
        signer_titles(user),
        signed_at,
        attachment,
        document_id=content["document_id"],
        verify_target=public_target(content["document_id"], hashlib.sha256(data).hexdigest()),
    )
    document = document_input(period, plan)
    built = build_consolidated(document)
    key = signing.department_key()
    department = str(current_app.config["CITY_DEPARTMENT_NAME"])
    return signature.sign_document(
        built.data,
        built.signature_rect,
        signer=signature.Party(key, user.full_name, signature.placeholder_signature(user.full_name)),
        organisation=signature.Party(key, department, signature.placeholder_seal(department)),
        signing=signature.Signing(
            signed_at=signed_at,
            organisation=department,
            location=document.heading.place_date.split(",")[0],
            reason=f"{number}: {document.heading.summary}",
            page=(built.signature_page or built.pages) - 1,
            seal_mm=float(current_app.config["CITY_SEAL_SIZE_MM"]),
        ),
    )
