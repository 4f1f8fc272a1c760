"""City sign-in attempts, an audit of enrolments and unlocks, session generations, key authors

Reviewed: two new tables (sign-in attempts: typed username, client address, outcome, never a
password; the audit of what city staff change) and two columns with server defaults so existing
rows stay valid (city_users.session_generation = 1, city_keys.enrolled_by = ''). Batch mode for
SQLite.

Revision ID: c17a0de5e551
Revises: 7c1d2e9a4b60
Create Date: 2026-11-30 12:40:00

"""

import sqlalchemy as sa
from alembic import op

revision = "c17a0de5e551"
down_revision = "7c1d2e9a4b60"  # after the figures columns (both were made from 0002)
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "city_login_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("ip", sa.String(length=45), nullable=True),
        sa.Column("outcome", sa.String(length=8), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_city_login_attempts")),
    )
    with op.batch_alter_table("city_login_attempts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_city_login_attempts_at"), ["at"], unique=False)
        batch_op.create_index(batch_op.f("ix_city_login_attempts_ip"), ["ip"], unique=False)
        batch_op.create_index(batch_op.f("ix_city_login_attempts_username"), ["username"], unique=False)
    op.create_table(
        "city_audit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("ip", sa.String(length=45), nullable=True),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("target", sa.String(length=80), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_city_audit")),
    )
    with op.batch_alter_table("city_audit", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_city_audit_at"), ["at"], unique=False)
    with op.batch_alter_table("city_users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("session_generation", sa.Integer(), server_default="1", nullable=False))
    with op.batch_alter_table("city_keys", schema=None) as batch_op:
        batch_op.add_column(sa.Column("enrolled_by", sa.String(length=64), server_default="", nullable=False))


def downgrade():
    with op.batch_alter_table("city_keys", schema=None) as batch_op:
        batch_op.drop_column("enrolled_by")
    with op.batch_alter_table("city_users", schema=None) as batch_op:
        batch_op.drop_column("session_generation")
    with op.batch_alter_table("city_audit", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_city_audit_at"))
    op.drop_table("city_audit")
    with op.batch_alter_table("city_login_attempts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_city_login_attempts_username"))
        batch_op.drop_index(batch_op.f("ix_city_login_attempts_ip"))
        batch_op.drop_index(batch_op.f("ix_city_login_attempts_at"))
    op.drop_table("city_login_attempts")
