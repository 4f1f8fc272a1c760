"""Month documents: the shared BC register and the signed month summary and late-dossier list

Reviewed by hand. Two new tables:
- ``register_entries``: one row per number of the "BC" register in a calendar year, primary key
  (year, number), so a number is never given twice across daily reports and month documents.
  Filled from the numbers daily revisions already carry (``report_revisions.register_*``), so
  the next number follows them; ``report_revisions`` keeps its own columns and constraint.
- ``month_documents``: each signed edition of a month summary or late-dossier list (its embedded
  JSON, number, stored PDF's hash, who signed it and when, and what superseded it).
Nothing existing changes; downgrade drops both tables (the daily numbers stay on their revisions).
Plain CREATE TABLE and INSERT … SELECT: the same on SQLite and PostgreSQL.

Revision ID: 6d2a1f0b8c31
Revises: 7e3b2a1c9d42
Create Date: 2026-11-30 15:10:00

"""

import sqlalchemy as sa
from alembic import op

revision = "6d2a1f0b8c31"
down_revision = "7e3b2a1c9d42"  # after the photo category periods (both were made from 0008)
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "register_entries",
        sa.Column("register_year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("register_number", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("document_id", sa.String(length=60), nullable=False),
        sa.Column("document_number", sa.String(length=40), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("register_year", "register_number", name=op.f("pk_register_entries")),
    )
    # The numbers daily reports already took: the register continues after them.
    op.execute(
        "INSERT INTO register_entries (register_year, register_number, kind, document_id, document_number, created_at) "
        "SELECT register_year, register_number, 'daily', report_key, COALESCE(document_number, ''), signed_at "
        "FROM report_revisions WHERE register_year IS NOT NULL AND register_number IS NOT NULL"
    )
    op.create_table(
        "month_documents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("commune_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("edition", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.String(length=60), nullable=False),
        sa.Column("register_year", sa.Integer(), nullable=False),
        sa.Column("register_number", sa.Integer(), nullable=False),
        sa.Column("document_number", sa.String(length=40), nullable=False),
        sa.Column("payload", sa.LargeBinary(), nullable=False),
        sa.Column("payload_sha256", sa.String(length=64), nullable=False),
        sa.Column("pdf_sha256", sa.String(length=64), nullable=False),
        sa.Column("signed_at", sa.DateTime(), nullable=False),
        sa.Column("signed_by_id", sa.Integer(), nullable=False),
        sa.Column("superseded_at", sa.DateTime(), nullable=True),
        sa.Column("superseded_by", sa.String(length=60), nullable=True),
        sa.ForeignKeyConstraint(["commune_id"], ["communes.id"], name=op.f("fk_month_documents_commune_id_communes")),
        sa.ForeignKeyConstraint(["signed_by_id"], ["users.id"], name=op.f("fk_month_documents_signed_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_month_documents")),
        sa.UniqueConstraint("commune_id", "month", "kind", "edition", name="uq_month_documents_edition"),
        sa.UniqueConstraint("register_year", "register_number", name="uq_month_documents_register"),
        sa.UniqueConstraint("document_id", name=op.f("uq_month_documents_document_id")),
    )
    with op.batch_alter_table("month_documents", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_month_documents_commune_id"), ["commune_id"], unique=False)


def downgrade():
    with op.batch_alter_table("month_documents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_month_documents_commune_id"))
    op.drop_table("month_documents")
    op.drop_table("register_entries")
