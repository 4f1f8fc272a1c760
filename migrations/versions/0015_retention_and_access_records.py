"""Retention and personal data: retention settings, a photo's deleted bytes, the access record

Reviewed by hand. Three changes (issue 26):

- ``communes``: ``photo_retention_years`` (Integer, NOT NULL, server default 5) and
  ``log_retention_months`` (Integer, NOT NULL, server default 12), set by the admin within the
  floors in ``wardapp/retention/rules.py``.
- ``photos``: ``purged_at`` (DateTime, NULL): when the retention command deleted the photo's bytes.
  The row stays (hash, category, capture time) so the signed payload still names what it signed.
- ``access_records``: who opened which photo, PDF or package, and when (the record of processing
  the personal-data rules ask for), indexed by time for the admin's page and the purge.

Batch mode for SQLite (a table copy); plain ALTER TABLE on PostgreSQL. Downgrade drops them all:
the retention settings fall back to "keep forever", the record of access is lost.

Revision ID: 0c5a7e9d2b13
Revises: 9c5d7e3f2a68
Create Date: 2026-12-07 21:30:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0c5a7e9d2b13"
down_revision = "9c5d7e3f2a68"  # after the hidden characters repair
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("communes", schema=None) as batch_op:
        batch_op.add_column(sa.Column("photo_retention_years", sa.Integer(), server_default="5", nullable=False))
        batch_op.add_column(sa.Column("log_retention_months", sa.Integer(), server_default="12", nullable=False))
    with op.batch_alter_table("photos", schema=None) as batch_op:
        batch_op.add_column(sa.Column("purged_at", sa.DateTime(), nullable=True))
    op.create_table(
        "access_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("target", sa.String(length=120), nullable=False),
        sa.Column("ip", sa.String(length=45), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_access_records_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_access_records")),
    )
    with op.batch_alter_table("access_records", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_access_records_at"), ["at"], unique=False)


def downgrade():
    with op.batch_alter_table("access_records", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_access_records_at"))
    op.drop_table("access_records")
    with op.batch_alter_table("photos", schema=None) as batch_op:
        batch_op.drop_column("purged_at")
    with op.batch_alter_table("communes", schema=None) as batch_op:
        batch_op.drop_column("log_retention_months")
        batch_op.drop_column("photo_retention_years")
