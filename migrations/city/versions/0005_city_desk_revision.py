"""Desk revision: one counter that every change to the received reports moves

Reviewed: a one-row table (id 1, n 0). Intake and the return of a report add 1 to it in their own
transaction, so a worker that remembers a period's totals (wardapp/city/desk/operations.py) knows, from one
primary-key read, whether they still hold. A counter rather than max(id): on PostgreSQL two pushes
can commit out of id order, and a return changes a row without adding one. No data to move.

Revision ID: 0d35c0ffee05
Revises: c17a0de5e551
Create Date: 2026-11-30 15:15:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0d35c0ffee05"
down_revision = "c17a0de5e551"
branch_labels = None
depends_on = None


def upgrade():
    table = op.create_table(
        "desk_revision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("n", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_desk_revision")),
    )
    op.bulk_insert(table, [{"id": 1, "n": 0}])


def downgrade():
    op.drop_table("desk_revision")
