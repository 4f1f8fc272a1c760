"""Flags stored at intake: each received revision's figures out of line with the commune's history

city_figure_flags holds, for a revision that became its commune-day's current one, every figure
the kernel's rule (wardapp/core/outliers.py) found out of line with the commune's comparable days:
the value, the usual range (median, low, high), the modified z-score and how many comparable days
it was judged on. Written by intake in the push's transaction (wardapp/city/flag_store.py), so the
desk reads a period's flags with one indexed query instead of judging them when a page asks.
Revisions already received are judged by ``flask --app wardapp.city.app city review
backfill-flags`` (not here: a large city's history takes minutes, and the command is the same one
that re-judges after the CITY_OUTLIER_* settings change). A reviewer's checks stay where they were
(city_flag_checks, one per commune, day and figure).

Revision ID: a1f3c5e7d901
Revises: 7a3c0e5d2b19
Create Date: 2026-12-08 00:20:00

"""

import sqlalchemy as sa
from alembic import op

revision = "a1f3c5e7d901"
down_revision = "7a3c0e5d2b19"  # after the review
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "city_figure_flags",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_pk", sa.Integer(), nullable=False),
        sa.Column("commune_code", sa.String(length=5), nullable=False),
        sa.Column("province_code", sa.String(length=2), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("metric", sa.String(length=40), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("median", sa.Float(), nullable=False),
        sa.Column("low", sa.Float(), nullable=False),
        sa.Column("high", sa.Float(), nullable=False),
        sa.Column("z", sa.Float(), nullable=False),
        sa.Column("history", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["report_pk"], ["received_reports.id"], name=op.f("fk_city_figure_flags_report_pk_received_reports")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_city_figure_flags")),
        sa.UniqueConstraint("report_pk", "metric", name=op.f("uq_city_figure_flags_report_pk")),
    )
    op.create_index("ix_city_figure_flags_province_date", "city_figure_flags", ["province_code", "date"])


def downgrade():
    op.drop_index("ix_city_figure_flags_province_date", table_name="city_figure_flags")
    op.drop_table("city_figure_flags")
