"""The department signs its consolidated report once: its yearly register and the signed editions

Reviewed: two new tables, nothing moved. ``city_register_entries`` gives each number of the
department's register once per year (primary key: year and number); ``city_consolidated_editions``
keeps each signed edition of a consolidated report (its embedded JSON, its number, the SHA-256 of
the PDF kept in the store), an edition superseded by a later one stays.

Revision ID: 3c0d5e7f1a22
Revises: 5b1e7d2c9a40
Create Date: 2026-12-01 10:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "3c0d5e7f1a22"
down_revision = "5b1e7d2c9a40"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "city_register_entries",
        sa.Column("register_year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("register_number", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("document_id", sa.String(length=80), nullable=False),
        sa.Column("document_number", sa.String(length=40), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("register_year", "register_number", name=op.f("pk_city_register_entries")),
    )
    op.create_table(
        "city_consolidated_editions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scope", sa.String(length=120), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("start", sa.Date(), nullable=False),
        sa.Column("end", sa.Date(), nullable=False),
        sa.Column("to_date", sa.Boolean(), nullable=False),
        sa.Column("edition", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.String(length=80), nullable=False),
        sa.Column("register_year", sa.Integer(), nullable=False),
        sa.Column("register_number", sa.Integer(), nullable=False),
        sa.Column("document_number", sa.String(length=40), nullable=False),
        sa.Column("payload", sa.LargeBinary(), nullable=False),
        sa.Column("payload_sha256", sa.String(length=64), nullable=False),
        sa.Column("pdf_sha256", sa.String(length=64), nullable=False),
        sa.Column("pdf_bytes", sa.Integer(), nullable=False),
        sa.Column("signed_at", sa.DateTime(), nullable=False),
        sa.Column("signed_by_id", sa.Integer(), nullable=False),
        sa.Column("signer_name", sa.String(length=120), nullable=False),
        sa.Column("signer_position", sa.String(length=120), nullable=False),
        sa.Column("superseded_at", sa.DateTime(), nullable=True),
        sa.Column("superseded_by", sa.String(length=80), nullable=True),
        sa.ForeignKeyConstraint(
            ["signed_by_id"],
            ["city_users.id"],
            name=op.f("fk_city_consolidated_editions_signed_by_id_city_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_city_consolidated_editions")),
        sa.UniqueConstraint("document_id", name=op.f("uq_city_consolidated_editions_document_id")),
        sa.UniqueConstraint("register_year", "register_number", name="uq_city_consolidated_editions_register"),
        sa.UniqueConstraint("scope", "start", "end", "edition", name="uq_city_consolidated_editions_edition"),
    )
    with op.batch_alter_table("city_consolidated_editions", schema=None) as batch_op:
        batch_op.create_index("ix_city_consolidated_editions_period", ["scope", "start", "end"], unique=False)


def downgrade():
    with op.batch_alter_table("city_consolidated_editions", schema=None) as batch_op:
        batch_op.drop_index("ix_city_consolidated_editions_period")
    op.drop_table("city_consolidated_editions")
    op.drop_table("city_register_entries")
