from __future__ import annotations

import datetime as dt
import functools
import json

from sqlalchemy import (
    JSON,
    BigInteger,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    Time,
    UniqueConstraint,
)
from sqlalchemy import false as sa_false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wardapp.city.extensions import CityModel
from wardapp.core import schema
from wardapp.core.clock import utcnow
from wardapp.core.figures import FIGURE_NAMES
from wardapp.core.rates import RATES
from wardapp.platform.models import ApiTokenColumns, LoginAttemptColumns, SignInAccount


class CityCommune(CityModel):
    """A commune the city expects reports from (its province's official list)."""

    __tablename__ = "city_communes"

    code: Mapped[str] = mapped_column(String(5), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    province_code: Mapped[str] = mapped_column(String(2), index=True)
    enrolled_at: Mapped[dt.datetime | None] = mapped_column()


class CityKey(CityModel):
    """An enrolled public key of a commune; old keys stay so old reports still verify."""

    __tablename__ = "city_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    kid: Mapped[str] = mapped_column(String(64), unique=True)
    commune_code: Mapped[str] = mapped_column(ForeignKey("city_communes.code"), index=True)
    jwk: Mapped[dict] = mapped_column(JSON)
    enrolled_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    enrolled_by: Mapped[str] = mapped_column(String(64), default="", server_default="")


class ReceivedReport(CityModel):
    """A verified signed revision as received: the JWS and its payload, stored as they came."""

    __tablename__ = "received_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[str] = mapped_column(String(40), unique=True)
    commune_code: Mapped[str] = mapped_column(ForeignKey("city_communes.code"), index=True)
    date: Mapped[dt.date] = mapped_column(index=True)
    revision: Mapped[int] = mapped_column()
    supersedes: Mapped[str | None] = mapped_column(String(40))
    payload: Mapped[bytes] = mapped_column(LargeBinary)
    payload_sha256: Mapped[str] = mapped_column(String(64))
    jws: Mapped[str] = mapped_column(Text)
    kid: Mapped[str] = mapped_column(String(64))
    late: Mapped[bool] = mapped_column(default=False)
    receipt_id: Mapped[str] = mapped_column(String(80), unique=True)
    received_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    pdf_sha256: Mapped[str | None] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(16), default="received")  # received | accepted | returned
    comment: Mapped[str] = mapped_column(Text, default="")
    returned_at: Mapped[dt.datetime | None] = mapped_column()
    returned_by: Mapped[str] = mapped_column(String(120), default="")
    accepted_at: Mapped[dt.datetime | None] = mapped_column()  # the reviewer's acceptance (city/review.py)
    accepted_by: Mapped[str] = mapped_column(String(120), default="", server_default="")

    photos = relationship("ReceivedPhoto", order_by="ReceivedPhoto.id", back_populates="report")
    facts = relationship("ReceivedFigures", uselist=False, back_populates="report")

    @property
    def document(self) -> dict:
        return json.loads(self.payload)

    @functools.cached_property
    def problems(self) -> list[str]:
        """Where the stored payload breaks today's schema: reports received before the schema was
        tightened may not render; each is shown as raw data, never allowed to break a page."""
        try:
            return schema.problems(self.document)
        except (ValueError, RecursionError):
            return ["(root): the stored payload is not JSON"]


class ReceivedFigures(CityModel):
    """What the city queries about a received revision, one narrow row beside it: the province,
    whether it is the commune-day's current revision, its lateness and return, the facts reviewers
    filter on, and one column per figure and per computed rate (named as in the payload).

    Kept apart from the received report (whose payload and JWS stay the record) so that adding up
    a province's month reads a few hundred bytes per day instead of the whole signed document.
    """

    __tablename__ = "received_figures"

    report_pk: Mapped[int] = mapped_column(ForeignKey("received_reports.id"), primary_key=True)
    report_id: Mapped[str] = mapped_column(String(80))
    commune_code: Mapped[str] = mapped_column(String(5))
    province_code: Mapped[str] = mapped_column(String(2))
    date: Mapped[dt.date] = mapped_column()
    revision: Mapped[int] = mapped_column()
    current: Mapped[bool] = mapped_column(default=True)
    late: Mapped[bool] = mapped_column(default=False)
    returned: Mapped[bool] = mapped_column(default=False)  # follows ReceivedReport.state
    accepted: Mapped[bool] = mapped_column(default=False, server_default=sa_false())  # follows it too
    log_figures: Mapped[int] = mapped_column(default=0, server_default="0")  # from the dossier log (figure_sources)
    signed_at: Mapped[dt.datetime | None] = mapped_column()  # UTC, as the payload says it
    tasks_behind: Mapped[int] = mapped_column(default=0)
    explanations_count: Mapped[int] = mapped_column(default=0)
    late_dossiers_count: Mapped[int] = mapped_column(default=0)
    photos_count: Mapped[int] = mapped_column(default=0)
    estimate_766: Mapped[float | None] = mapped_column(Float)  # share of the measurable part earned

    for _name in FIGURE_NAMES:
        locals()[_name] = mapped_column(Integer, nullable=False, default=0)
    for _rate in RATES:
        locals()[_rate.name] = mapped_column(Float, nullable=True)
    del _name, _rate

    __table_args__ = (
        Index("ix_received_figures_province_date_current", "province_code", "date", "current"),
        Index("ix_received_figures_commune_date", "commune_code", "date"),
    )

    report = relationship("ReceivedReport", back_populates="facts")


class DeskRevision(CityModel):
    """One row whose ``n`` moves with every change to the received reports (a push stored, a report
    returned), in the same transaction: what the desk's remembered totals are checked against."""

    __tablename__ = "desk_revision"

    id: Mapped[int] = mapped_column(primary_key=True)
    n: Mapped[int] = mapped_column(BigInteger)


class ReceivedPhoto(CityModel):
    __tablename__ = "received_photos"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_pk: Mapped[int] = mapped_column(ForeignKey("received_reports.id"), index=True)
    sha256: Mapped[str] = mapped_column(String(64))
    content_type: Mapped[str] = mapped_column(String(32))
    bytes: Mapped[int] = mapped_column()

    report = relationship("ReceivedReport", back_populates="photos")


class IntakeLog(CityModel):
    """Every API request the intake answered, accepted or refused."""

    __tablename__ = "intake_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    ip: Mapped[str | None] = mapped_column(String(45))
    method: Mapped[str] = mapped_column(String(8))
    path: Mapped[str] = mapped_column(String(200))
    status: Mapped[int] = mapped_column()
    error: Mapped[str] = mapped_column(String(40), default="")
    detail: Mapped[str] = mapped_column(Text, default="")
    report_id: Mapped[str | None] = mapped_column(String(40))
    commune_code: Mapped[str | None] = mapped_column(String(5))


class CityUser(SignInAccount, CityModel):
    """A city reviewer (or the intake's admin); signing in as ``platform.models.SignInAccount``."""

    __tablename__ = "city_users"

    full_name: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(16), default="reviewer")
    # Province codes this user may see, comma-separated; empty: every province the intake serves.
    provinces: Mapped[str] = mapped_column(String(200), default="", server_default="")


class CityApiToken(ApiTokenColumns, CityModel):
    """A city reviewer's token for automated PDF pulls (``platform.models.ApiTokenColumns``)."""

    __tablename__ = "city_api_tokens"

    user_id: Mapped[int] = mapped_column(ForeignKey("city_users.id"), index=True)


class CityProvince(CityModel):
    """A province's settings at the city: its daily deadline and where reminders go."""

    __tablename__ = "city_provinces"

    code: Mapped[str] = mapped_column(String(2), primary_key=True)
    deadline: Mapped[dt.time] = mapped_column(Time, default=dt.time(17, 0))
    reminder_emails: Mapped[str] = mapped_column(Text, default="")  # the extra addresses, one a line
    updated_by: Mapped[str] = mapped_column(String(120), default="")
    updated_at: Mapped[dt.datetime | None] = mapped_column()


class CityLoginAttempt(LoginAttemptColumns, CityModel):
    __tablename__ = "city_login_attempts"


class CityAudit(CityModel):
    """What city staff did that changes who may push or sign in: enrolments, unlocks, sign-ins."""

    __tablename__ = "city_audit"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(64), default="")
    ip: Mapped[str | None] = mapped_column(String(45))
    action: Mapped[str] = mapped_column(String(40))
    target: Mapped[str] = mapped_column(String(80), default="")
    detail: Mapped[str] = mapped_column(Text, default="")


class CitySigningKey(CityModel):
    """The key a party of the intake signs with (today only ``department``: the consolidated
    report), kept in the shared database so that every intake server signs with the same
    certificate. The key is in an encrypted PKCS#12; its passphrase is configuration, never here
    (wardapp/city/signing.py)."""

    __tablename__ = "city_signing_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    purpose: Mapped[str] = mapped_column(String(32), unique=True)
    pkcs12: Mapped[bytes] = mapped_column(LargeBinary)
    certificate: Mapped[str] = mapped_column(Text)  # PEM, public: shown and checked without the passphrase
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str] = mapped_column(String(64), default="")


class CityTrustedCA(CityModel):
    """A CA a commune's PDF signatures may chain to, enrolled with its key (``city enrol
    --ca-cert``): in the shared database, so that every intake server checks the same roots."""

    __tablename__ = "city_trusted_cas"

    id: Mapped[int] = mapped_column(primary_key=True)
    commune_code: Mapped[str] = mapped_column(String(5), index=True)
    fingerprint: Mapped[str] = mapped_column(String(64))  # SHA-256 of the DER, hex
    pem: Mapped[str] = mapped_column(Text)
    added_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    __table_args__ = (UniqueConstraint("commune_code", "fingerprint"),)


class CityFlagCheck(CityModel):
    """A reviewer's "checked" on a figure flagged as out of line with the commune's own history
    (wardapp/city/flags.py): one per commune, day and figure, with the revision it was made on."""

    __tablename__ = "city_flag_checks"

    id: Mapped[int] = mapped_column(primary_key=True)
    commune_code: Mapped[str] = mapped_column(String(5))
    date: Mapped[dt.date] = mapped_column()
    metric: Mapped[str] = mapped_column(String(40))
    report_id: Mapped[str] = mapped_column(String(40))
    comment: Mapped[str] = mapped_column(Text)
    checked_by: Mapped[str] = mapped_column(String(120))
    checked_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    __table_args__ = (UniqueConstraint("commune_code", "date", "metric"),)


class OneStopImport(CityModel):
    """One import of the province's one-stop dossier-log export (city/reconcile.py): the file is
    read, counted and dropped; only its name, digest and size are kept, never a dossier."""

    __tablename__ = "city_oneshop_imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    filename: Mapped[str] = mapped_column(String(200))
    sha256: Mapped[str] = mapped_column(String(64))
    rows: Mapped[int] = mapped_column()
    first_day: Mapped[dt.date] = mapped_column()
    last_day: Mapped[dt.date] = mapped_column()
    imported_by: Mapped[str] = mapped_column(String(64))
    imported_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class OneStopCounts(CityModel):
    """A commune-day's II.06a counts as the province's export gives them (the kernel's counting
    function, core/dossier_counts.py); the latest import covering the day replaces the earlier."""

    __tablename__ = "city_oneshop_counts"

    id: Mapped[int] = mapped_column(primary_key=True)
    commune_code: Mapped[str] = mapped_column(String(5))
    province_code: Mapped[str] = mapped_column(String(2))
    date: Mapped[dt.date] = mapped_column()
    counts: Mapped[dict] = mapped_column(JSON)
    import_id: Mapped[int] = mapped_column(ForeignKey("city_oneshop_imports.id"))

    __table_args__ = (
        UniqueConstraint("commune_code", "date"),
        Index("ix_city_oneshop_counts_province_date", "province_code", "date"),
    )


class FigureFlag(CityModel):
    """A figure of a received revision out of line with the commune's own history, as the kernel's
    rule judged it (core/outliers.py) when the revision arrived (city/flag_store.py). Only the
    revision that is its commune-day's current one is read; a reviewer's check is kept apart, per
    commune, day and figure (CityFlagCheck), so a correction does not lose it."""

    __tablename__ = "city_figure_flags"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_pk: Mapped[int] = mapped_column(ForeignKey("received_reports.id"))
    commune_code: Mapped[str] = mapped_column(String(5))
    province_code: Mapped[str] = mapped_column(String(2))
    date: Mapped[dt.date] = mapped_column()
    metric: Mapped[str] = mapped_column(String(40))
    value: Mapped[float] = mapped_column(Float)
    median: Mapped[float] = mapped_column(Float)
    low: Mapped[float] = mapped_column(Float)
    high: Mapped[float] = mapped_column(Float)
    z: Mapped[float] = mapped_column(Float)
    history: Mapped[int] = mapped_column()  # how many comparable days it was judged on

    __table_args__ = (
        UniqueConstraint("report_pk", "metric"),
        Index("ix_city_figure_flags_province_date", "province_code", "date"),
    )
