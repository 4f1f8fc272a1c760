"""Review at the city: a received day accepted (by whom, when), and flags checked by a reviewer

Reviewed: received_reports gains accepted_at and accepted_by (state takes the new value
"accepted" beside received and returned: a String(16), no constraint to change);
received_figures gains ``accepted``, the desk's copy of that state (as ``returned`` is), false for
every stored row. city_flag_checks keeps a reviewer's "checked" on a figure flagged as out of line
with the commune's own history (wardapp/core/outliers.py): one row per commune, day and figure.
No data to move: nothing was accepted before.

Revision ID: 7a3c0e5d2b19
Revises: 5b1e7d2c9a40
Create Date: 2026-12-02 10:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "7a3c0e5d2b19"
down_revision = "5b1e7d2c9a40"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("received_reports") as batch:
        batch.add_column(sa.Column("accepted_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("accepted_by", sa.String(length=120), nullable=False, server_default=""))
    with op.batch_alter_table("received_figures") as batch:
        batch.add_column(sa.Column("accepted", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.create_table(
        "city_flag_checks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("commune_code", sa.String(length=5), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("metric", sa.String(length=40), nullable=False),
        sa.Column("report_id", sa.String(length=40), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("checked_by", sa.String(length=120), nullable=False),
        sa.Column("checked_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_city_flag_checks")),
        sa.UniqueConstraint("commune_code", "date", "metric", name=op.f("uq_city_flag_checks_commune_code")),
    )


def downgrade():
    op.drop_table("city_flag_checks")
    with op.batch_alter_table("received_figures") as batch:
        batch.drop_column("accepted")
    with op.batch_alter_table("received_reports") as batch:
        batch.drop_column("accepted_by")
        batch.drop_column("accepted_at")
