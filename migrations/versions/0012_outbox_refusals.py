"""Outbox: what the city's refusal was, and since when it keeps refusing

Reviewed by hand. Two nullable columns on ``outbox_entries``: ``refusal`` (String 64, the
PROTOCOL error code of the city's last refusal, with its additive ``reason`` after a slash, e.g.
``bad_pdf/untrusted_ca``), read to explain the refusal in Vietnamese to the person who must act
and to decide whether the cause is at the city (then the entry is retried on a slow schedule); and
``refused_since`` (DateTime, UTC), the first refusal of the current run of refusals, which bounds
those slow retries to some days. Both are NULL for every existing entry: an entry refused before
this revision keeps waiting for a person, as it did. Batch mode for SQLite (a table copy); plain
ALTER TABLE ADD COLUMN on PostgreSQL. Downgrade drops both.

Revision ID: 2c7d9e4f1a63
Revises: 8b4e6c2d1f57
Create Date: 2026-12-07 21:20:00

"""

import sqlalchemy as sa
from alembic import op

revision = "2c7d9e4f1a63"
down_revision = "8b4e6c2d1f57"  # after the photo pixels
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("outbox_entries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("refusal", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("refused_since", sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table("outbox_entries", schema=None) as batch_op:
        batch_op.drop_column("refused_since")
        batch_op.drop_column("refusal")
