"""Enrolling communes at the city: one enrolment file (``core/enrolment.py``) gives the key the
commune's reports are signed with and the CA its PDF signatures chain to; both are enrolled
together, or neither. Adding a key or a CA to a commune that already has one takes a deliberate
second step (the admin's password again, or ``--confirm`` on the command line), and everything is
written to the security log with who did it."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from sqlalchemy import select

from wardapp.city.accounts import scope, signin
from wardapp.city.extensions import city_db as db
from wardapp.city.models import CityCommune, CityKey, CityTrustedCA, CityUser
from wardapp.core import enrolment
from wardapp.core.clock import utcnow
from wardapp.core.i18n import gettext as _
from wardapp.core.units import Unit, find


def no_ca_warning() -> str:
    """Without a CA the intake refuses every PDF the commune sends (422 bad_pdf), so a key-only file
    is enrolled with this said plainly, to the person who can still fix it."""
    return _(
        "Tệp chỉ có khóa ký, không có chứng thư CA của xã/phường: thành phố sẽ từ chối các bản PDF "
        "của xã/phường này cho đến khi thêm chứng thư CA (xã/phường xuất lại tệp kết nối bằng lệnh "
        "flask --app wsgi keys export, rồi kết nối lại tệp đó)."
    )


class EnrolError(ValueError):
    pass


class NeedsConfirmation(EnrolError):
    """A further key or CA for a commune that already has one: whoever holds it can sign its
    reports or its PDFs, so adding it takes a second step."""

    def __init__(self, code: str, keys: list[CityKey], new_cas: int = 0):
        self.keys = keys
        self.new_cas = new_cas
        if keys:
            message = _(
                "%(code)s đã có %(n)s khóa đang dùng; hãy xác nhận để thêm khóa nữa "
                "(khóa mới sẽ ký được báo cáo của xã/phường này).",
                code=code,
                n=len(keys),
            )
        else:
            message = _(
                "%(code)s đã được kết nối; hãy xác nhận để tin cậy thêm %(n)s chứng thư CA "
                "(chứng thư mới sẽ ký được bản PDF của xã/phường này).",
                code=code,
                n=new_cas,
            )
        super().__init__(message)


@dataclass
class Enrolled:
    """What one enrolment did: the key (new or already known), the CAs now trusted (new ones
    only), and what the enrolling person must know."""

    code: str
    key: CityKey
    new_cas: list[x509.Certificate] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def _unit(code: str, provinces: tuple[str, ...] | None) -> Unit:
    unit = find(code) if len(code) == 5 and code.isdigit() else None
    if unit is None:
        raise EnrolError(_("%(code)s không phải mã xã/phường trong danh mục chính thức.", code=code or _("(trống)")))
    allowed = provinces if provinces is not None else scope.served()
    if unit.province_code not in allowed:
        raise EnrolError(
            _(
                "%(code)s (%(name)s) không thuộc tỉnh/thành phố %(provinces)s.",
                code=code,
                name=unit.name,
                provinces=", ".join(allowed) or _("(trống)"),
            )
        )
    return unit


def _code_for(file: enrolment.Enrolment, code: str | None) -> str:
    """The commune the file enrols: the one it names; a code given beside it must be the same."""
    given = (code or "").strip()
    if file.code and given and given != file.code:
        raise EnrolError(_("Tệp kết nối là của xã/phường %(file)s, không phải %(given)s.", file=file.code, given=given))
    chosen = file.code or given
    if not chosen:
        raise EnrolError(_("Tệp chỉ có khóa, không ghi mã xã/phường: hãy nhập mã xã/phường."))
    return chosen


def _new_cas(code: str, certs: list[x509.Certificate]) -> list[x509.Certificate]:
    known = set(db.session.scalars(select(CityTrustedCA.fingerprint).filter_by(commune_code=code)))
    fresh: dict[str, x509.Certificate] = {}
    for cert in certs:
        fingerprint = enrolment.fingerprint(cert)
        if fingerprint not in known:
            fresh.setdefault(fingerprint, cert)
    return list(fresh.values())


def enrol_file(
    file: enrolment.Enrolment,
    code: str | None = None,
    provinces: tuple[str, ...] | None = None,
    *,
    actor: str,
    confirmed: bool = False,
) -> Enrolled:
    """Enrol what an enrolment file carries: its key and its CAs, all or nothing (the caller
    commits, or rolls back on an error). ``provinces`` narrows the served provinces to those the
    enrolling user may see."""
    chosen = _code_for(file, code)
    unit = _unit(chosen, provinces)
    existing_keys = db.session.scalars(select(CityKey).filter_by(commune_code=chosen).order_by(CityKey.id)).all()
    had_cas = db.session.scalar(select(CityTrustedCA.id).filter_by(commune_code=chosen).limit(1)) is not None
    new_cas = _new_cas(chosen, file.ca_certificates)
    known_key = next((k for k in existing_keys if k.kid == file.kid), None)
    if not confirmed and ((existing_keys and known_key is None) or (new_cas and (existing_keys or had_cas))):
        raise NeedsConfirmation(chosen, [] if known_key else list(existing_keys), len(new_cas))
    key = known_key or _add_key(unit, file.jwk, actor=actor, others=len(existing_keys))
    _trust(chosen, new_cas, actor=actor, first=not existing_keys and not had_cas)
    warnings = []
    if not file.ca_certificates and not had_cas:
        warnings.append(no_ca_warning())
    return Enrolled(chosen, key, new_cas, warnings)


def _add_key(unit: Unit, jwk: dict, *, actor: str, others: int) -> CityKey:
    taken = db.session.scalar(select(CityKey).filter_by(kid=jwk["kid"]))
    if taken is not None:
        raise EnrolError(_("Khóa này đã được kết nối cho một xã/phường khác."))
    commune = db.session.get(CityCommune, unit.code) or CityCommune(
        code=unit.code, name=unit.name, province_code=unit.province_code
    )
    commune.enrolled_at = commune.enrolled_at or utcnow()
    db.session.add(commune)
    row = CityKey(
        kid=jwk["kid"],
        commune_code=unit.code,
        jwk={k: jwk[k] for k in ("kty", "crv", "x")},
        enrolled_at=utcnow(),
        enrolled_by=actor[:64],
    )
    db.session.add(row)
    signin.record(
        "key.added" if others else "commune.enrolled",
        f"{unit.code} {unit.name}",
        f"kid {row.kid}" + (f"; the commune already had {others} key(s)" if others else ""),
        actor=actor,
    )
    return row


def _trust(code: str, certs: list[x509.Certificate], *, actor: str, first: bool) -> None:
    for cert in certs:
        fingerprint = enrolment.fingerprint(cert)
        pem = cert.public_bytes(serialization.Encoding.PEM).decode("ascii")
        db.session.add(CityTrustedCA(commune_code=code, fingerprint=fingerprint, pem=pem))
        signin.record(
            "ca.enrolled" if first else "ca.added",
            code,
            f"{cert.subject.rfc4514_string()[:300]} SHA-256 {fingerprint}",
            actor=actor,
        )
    db.session.flush()


def enrol(
    code: str,
    jwk: dict,
    provinces: tuple[str, ...] | None = None,
    *,
    actor: str = "",
    confirmed: bool = False,
) -> CityKey:
    """Enrol a bare public key (an older key-only file, or a key sent some other way)."""
    try:
        public = enrolment.public_key(jwk)
    except enrolment.EnrolmentError as error:
        raise EnrolError(str(error)) from error
    file = enrolment.Enrolment(code=code, name="", jwk=public, legacy=True)
    return enrol_file(file, code, provinces, actor=actor, confirmed=confirmed).key


def enrol_ca(code: str, pem: bytes, *, actor: str = "", confirmed: bool = False) -> list[x509.Certificate]:
    """Trust ``pem`` (one or more CA certificates) for the PDFs of commune ``code``: a CA beside
    an enrolled commune's key needs ``confirmed`` unless it is its first. The caller commits."""
    try:
        certs = x509.load_pem_x509_certificates(pem)
        for cert in certs:
            enrolment.ensure_ca(cert)
    except enrolment.EnrolmentError as error:
        raise EnrolError(str(error)) from error
    except ValueError as error:
        raise EnrolError(_("Không phải chứng thư PEM: %(error)s", error=error)) from error
    _unit(code, None)
    had_cas = db.session.scalar(select(CityTrustedCA.id).filter_by(commune_code=code).limit(1)) is not None
    new = _new_cas(code, certs)
    if new and had_cas and not confirmed:
        raise NeedsConfirmation(code, [], len(new))
    _trust(code, new, actor=actor, first=not had_cas)
    return certs


def read_file(data: bytes | str) -> enrolment.Enrolment:
    try:
        return enrolment.read(data)
    except enrolment.EnrolmentError as error:
        raise EnrolError(str(error)) from error


def enrol_checked(
    file: enrolment.Enrolment,
    code: str | None,
    provinces: tuple[str, ...],
    *,
    user: CityUser,
    password: str,
    ca_pem: str = "",
    ip: str | None = None,
) -> Enrolled:
    """One enrolment from the admin page, committed. A confirmation must carry the admin's
    password, checked first (a wrong one is written to the security log, committed, and refused);
    ``ca_pem`` is an older key-only file's CA, pasted beside it. Refused (``EnrolError``,
    ``NeedsConfirmation``): nothing is added."""
    confirmed = bool(password) and signin.confirm_password(user, password, ip)
    if password and not confirmed:
        signin.record("key.confirm_failed", (code or file.code)[:5], actor=user.username)
        db.session.commit()
        raise EnrolError(_("Mật khẩu xác nhận không đúng."))
    try:
        done = enrol_file(file, code, provinces, actor=user.username, confirmed=confirmed)
        if ca_pem:
            done.new_cas += enrol_ca(done.code, ca_pem.encode(), actor=user.username, confirmed=confirmed)
            done.warnings.clear()
    except EnrolError:
        db.session.rollback()
        raise
    db.session.commit()
    return done


# --- many at once -------------------------------------------------------------------------------


@dataclass(frozen=True)
class EnrolResult:
    source: str  # the file name or "dòng N" (line N)
    code: str
    enrolled: bool
    detail: str  # the key's kid (and any warning), or why it was refused


Entry = tuple[str, str, "enrolment.Enrolment | str"]


def enrol_many(entries: list[Entry], provinces: tuple[str, ...], *, actor: str) -> list[EnrolResult]:
    """Enrol each (source, code, enrolment) on its own: a refused one leaves the others enrolled.
    A further key or CA for an enrolled commune is refused here (it needs its own confirmation).

    An entry whose file could not be read carries the reason instead (refused with it). Committed."""
    results = []
    for source, code, file in entries:
        if isinstance(file, str):
            results.append(EnrolResult(source, code, False, file))
            continue
        try:
            with db.session.begin_nested():
                done = enrol_file(file, code or None, provinces, actor=actor)
            detail = " ".join([done.key.kid, *done.warnings])
            results.append(EnrolResult(source, done.code, True, detail))
        except EnrolError as error:
            results.append(EnrolResult(source, code or file.code, False, str(error)))
    db.session.commit()
    return results


def _code_in(text: str) -> str:
    digits = "".join(ch if ch.isdigit() else " " for ch in text).split()
    return next((d for d in digits if len(d) == 5), "")


def entries_from_folder(folder: Path) -> list[Entry]:
    """Every ``*.json``/``*.jwk`` file of a folder: enrolment files (they name their commune), or
    older key-only files whose code is a ``code`` member or the first 5-digit number in the file
    name (``20242.json``, ``20242-hai-chau.jwk``)."""
    entries: list[Entry] = []
    for path in sorted(p for p in folder.iterdir() if p.suffix.lower() in (".json", ".jwk") and p.is_file()):
        try:
            file = read_file(path.read_bytes())
        except EnrolError as error:
            entries.append((path.name, _code_in(path.stem), str(error)))
            continue
        entries.append((path.name, file.code or _code_in(path.stem), file))
    return entries


def entries_from_csv(text: str) -> list[Entry]:
    """A CSV with a header: ``code`` and either ``jwk`` (the JWK as JSON) or ``x`` (the Ed25519
    public key, base64url, as in the JWK). Keys only: CAs come with enrolment files."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    fields = {(f or "").strip().lower() for f in reader.fieldnames or []}
    if "code" not in fields or not fields & {"jwk", "x"}:
        raise EnrolError(_("Tệp CSV cần dòng tiêu đề có cột code và jwk (hoặc x)."))
    entries: list[Entry] = []
    for number, raw in enumerate(reader, start=2):
        row = {(k or "").strip().lower(): (v or "").strip() for k, v in raw.items()}
        code = row.get("code", "")
        source = _("dòng %(n)s", n=number)
        if row.get("jwk"):
            text_key = row["jwk"]
        elif row.get("x"):
            text_key = json.dumps({"kty": "OKP", "crv": "Ed25519", "x": row["x"]})
        else:
            entries.append((source, code, _("Dòng này không có khóa.")))
            continue
        try:
            entries.append((source, code, read_file(text_key)))
        except EnrolError as error:
            entries.append((source, code, str(error)))
    return entries
