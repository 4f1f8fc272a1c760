"""The department's own documents: its yearly register of numbers and the signed editions of its
consolidated report (kept beside the intake's tables; ``city/documents/operations.py`` writes them)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wardapp.city.extensions import CityModel
from wardapp.core.clock import utcnow
from wardapp.platform.models import SignedEdition


class CityRegisterEntry(CityModel):
    """The department's document register: one row per number given in a calendar year. The
    primary key is what makes "a number is never given twice in a year" hold when two leaders
    sign at the same moment on two servers."""

    __tablename__ = "city_register_entries"

    register_year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    register_number: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    kind: Mapped[str] = mapped_column(String(20))  # "consolidated"
    document_id: Mapped[str] = mapped_column(String(80))
    document_number: Mapped[str] = mapped_column(String(40))  # "05/BC-SKHCN", as printed
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class ConsolidatedEdition(SignedEdition, CityModel):
    """One signed edition of the consolidated report of a scope (its provinces) and period: the
    JSON it embeds, its number, where its PDF is kept (``pdf_sha256`` names it in the store). A
    commune revision received after signing lets the leader sign a new edition; the old one is
    kept, marked superseded."""

    __tablename__ = "city_consolidated_editions"
    __table_args__ = (
        UniqueConstraint("scope", "start", "end", "edition", name="uq_city_consolidated_editions_edition"),
        UniqueConstraint("register_year", "register_number", name="uq_city_consolidated_editions_register"),
        Index("ix_city_consolidated_editions_period", "scope", "start", "end"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    scope: Mapped[str] = mapped_column(String(120))  # core.consolidated_docs.scope_key
    kind: Mapped[str] = mapped_column(String(10))  # day | week | month | quarter | year | range
    start: Mapped[dt.date] = mapped_column()
    end: Mapped[dt.date] = mapped_column()
    to_date: Mapped[bool] = mapped_column(default=False)  # signed before the period ended, as "to date"
    document_id: Mapped[str] = mapped_column(String(80), unique=True)
    pdf_bytes: Mapped[int] = mapped_column()
    signed_by_id: Mapped[int] = mapped_column(ForeignKey("city_users.id"))
    signer_name: Mapped[str] = mapped_column(String(120))
    signer_position: Mapped[str] = mapped_column(String(120))
    superseded_by: Mapped[str | None] = mapped_column(String(80))

    signed_by = relationship("CityUser")
