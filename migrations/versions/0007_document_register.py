"""Document register: the daily report's number and symbol (Decree 30 "Số: 05/BC-UBND")

Reviewed by hand: three nullable columns on report_revisions (revisions signed before this
migration keep no number: their signed payload has none) with a unique (year, number) pair so a
number is never given twice, and the commune's symbol with a server default so the existing row
gets "BC-UBND". Batch mode for SQLite; plain ALTERs on PostgreSQL.

Revision ID: 5d0c2e7a9b41
Revises: a11c0de5e550
Create Date: 2026-11-30 12:55:00

"""

import sqlalchemy as sa
from alembic import op

revision = "5d0c2e7a9b41"
down_revision = "a11c0de5e550"  # after the sign-in limits (both were made from 0005)
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("communes", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("document_symbol", sa.String(length=20), server_default="BC-UBND", nullable=False)
        )
    with op.batch_alter_table("report_revisions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("register_year", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("register_number", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("document_number", sa.String(length=40), nullable=True))
        batch_op.create_unique_constraint(
            batch_op.f("uq_report_revisions_register"), ["register_year", "register_number"]
        )


def downgrade():
    with op.batch_alter_table("report_revisions", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_report_revisions_register"), type_="unique")
        batch_op.drop_column("document_number")
        batch_op.drop_column("register_number")
        batch_op.drop_column("register_year")
    with op.batch_alter_table("communes", schema=None) as batch_op:
        batch_op.drop_column("document_symbol")
