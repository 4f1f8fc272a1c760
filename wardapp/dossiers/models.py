"""Dossiers of the one-stop log (no personal data), their imports, column mappings and overrides."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wardapp.audit.snapshots import Audited
from wardapp.commune.models import CommuneOwned
from wardapp.core.clock import utcnow
from wardapp.core.dossier_counts import Channel, DossierFacts, State
from wardapp.extensions import Model


class DossierImport(CommuneOwned, Audited, Model):
    """One imported export file: what it was (SHA-256, rows) and who imported it when."""

    AUDITED = ("source", "filename", "sha256", "rows", "created", "updated")

    __tablename__ = "dossier_imports"

    source: Mapped[str] = mapped_column(String(80))  # preset key or the name of a saved mapping
    filename: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64))
    rows: Mapped[int] = mapped_column()
    created: Mapped[int] = mapped_column(default=0)
    updated: Mapped[int] = mapped_column(default=0)
    fields: Mapped[list] = mapped_column(JSON)  # dossier fields the file had columns for
    first_received: Mapped[dt.date | None] = mapped_column()
    last_received: Mapped[dt.date | None] = mapped_column()
    # The longest a finished dossier of this file took (days, rounded up): bounds the day's query.
    longest_days: Mapped[int] = mapped_column(default=0)
    imported_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    imported_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    # Withdrawn by an admin (a wrong file): its dossiers are taken back out, its figures no longer count.
    withdrawn_at: Mapped[dt.datetime | None] = mapped_column()
    withdrawn_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    withdrawn_reason: Mapped[str | None] = mapped_column(Text)
    # For each dossier it updated, what it overwrote: {code: {"import_id": .., column: old value}}.
    replaced: Mapped[dict | None] = mapped_column(JSON)

    imported_by = relationship("User", foreign_keys=[imported_by_id])
    withdrawn_by = relationship("User", foreign_keys=[withdrawn_by_id])

    @property
    def active(self) -> bool:
        return self.withdrawn_at is None


class Dossier(Model):
    """One dossier of the log, once per commune and code. Times are naive Vietnam time."""

    __tablename__ = "dossiers"
    __table_args__ = (
        UniqueConstraint("commune_id", "code", name="uq_dossiers_commune_code"),
        Index("ix_dossiers_commune_received", "commune_id", "received_at"),
        Index("ix_dossiers_commune_finished", "commune_id", "finished_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    commune_id: Mapped[int] = mapped_column(ForeignKey("communes.id"))
    code: Mapped[str] = mapped_column(String(60))
    procedure: Mapped[str] = mapped_column(String(300), default="")
    field: Mapped[str] = mapped_column(String(200), default="")
    channel: Mapped[int | None] = mapped_column()  # 1 in person, 2 online, 3 public post
    received_at: Mapped[dt.datetime] = mapped_column()
    due_at: Mapped[dt.datetime | None] = mapped_column()
    transferred_at: Mapped[dt.datetime | None] = mapped_column()
    finished_at: Mapped[dt.datetime | None] = mapped_column()
    returned_at: Mapped[dt.datetime | None] = mapped_column()
    state: Mapped[str] = mapped_column(String(12), default=State.NORMAL)
    officer: Mapped[str] = mapped_column(String(120), default="")
    unit: Mapped[str] = mapped_column(String(200), default="")
    fee_bearing: Mapped[bool] = mapped_column(default=False)
    paid_online: Mapped[bool] = mapped_column(default=False)
    digitized: Mapped[bool] = mapped_column(default=False)
    e_result: Mapped[bool] = mapped_column(default=False)
    full_process: Mapped[bool | None] = mapped_column()
    import_id: Mapped[int] = mapped_column(ForeignKey("dossier_imports.id"))  # the last import that wrote it

    def facts(self) -> DossierFacts:
        return DossierFacts(
            code=self.code,
            received_at=self.received_at,
            due_at=self.due_at,
            finished_at=self.finished_at,
            channel=Channel(self.channel) if self.channel else None,
            state=State(self.state),
            full_process=self.full_process,
            fee_bearing=self.fee_bearing,
            paid_online=self.paid_online,
            digitized=self.digitized,
            e_result=self.e_result,
        )


class ColumnMapping(Model):
    """How another export's columns map to dossier fields, saved once by the admin."""

    __tablename__ = "dossier_column_mappings"
    __table_args__ = (UniqueConstraint("commune_id", "name", name="uq_dossier_column_mappings_commune_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    commune_id: Mapped[int] = mapped_column(ForeignKey("communes.id"))
    name: Mapped[str] = mapped_column(String(80))
    columns: Mapped[dict] = mapped_column(JSON)  # field → header as written in the file
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class FigureOverride(Model):
    """A person's value for one figure of a day in place of the count from the log, with why."""

    __tablename__ = "figure_overrides"
    __table_args__ = (UniqueConstraint("commune_id", "date", "figure", name="uq_figure_overrides_commune_date_figure"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    commune_id: Mapped[int] = mapped_column(ForeignKey("communes.id"))
    date: Mapped[dt.date] = mapped_column(index=True)
    figure: Mapped[str] = mapped_column(String(40))
    value: Mapped[int] = mapped_column()
    reason: Mapped[str] = mapped_column(Text)
    by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    by = relationship("User")
