"""Review at the city: a received day accepted (by whom, when), and flags checked by a reviewer

Reviewed: received_reports gains accepted_at and accepted_by (state takes the new value
"accepted" beside received and returned: a String(16), no constraint to change);
received_figures gains ``accepted``, the desk's copy of that state (as ``returned`` is), false for
every stored row. city_flag_checks keeps a reviewer's "checked" on a figure flagged as out of line
with the commune's own history (wardapp/core/outliers.py): one row per commune, day and figure.
received_figures.log_figures counts the figures a revision's payload says came from the commune's
own dossier log (figure_sources), filled for the reports already received from their payloads
(page by page, by primary key; only rows with a count above 0 are updated). The province's
one-stop export: city_oneshop_imports (one row per imported file: its name, SHA-256, rows, who)
and city_oneshop_counts (per commune and day, the II.06a counts computed from it by the kernel's
counting function, JSON; the latest import of a commune-day replaces the earlier one). No
dossier, and nothing personal, is stored. No data to move: nothing was accepted before.

Revision ID: 7a3c0e5d2b19
Revises: 3c0d5e7f1a22
Create Date: 2026-12-02 10:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "7a3c0e5d2b19"
down_revision = "3c0d5e7f1a22"  # after the consolidated editions
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("received_reports") as batch:
        batch.add_column(sa.Column("accepted_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("accepted_by", sa.String(length=120), nullable=False, server_default=""))
    with op.batch_alter_table("received_figures") as batch:
        batch.add_column(sa.Column("accepted", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("log_figures", sa.Integer(), nullable=False, server_default="0"))
    _fill_log_figures()
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

    op.create_table(
        "city_oneshop_imports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("first_day", sa.Date(), nullable=False),
        sa.Column("last_day", sa.Date(), nullable=False),
        sa.Column("imported_by", sa.String(length=64), nullable=False),
        sa.Column("imported_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_city_oneshop_imports")),
    )
    op.create_table(
        "city_oneshop_counts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("commune_code", sa.String(length=5), nullable=False),
        sa.Column("province_code", sa.String(length=2), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("counts", sa.JSON(), nullable=False),
        sa.Column("import_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["import_id"],
            ["city_oneshop_imports.id"],
            name=op.f("fk_city_oneshop_counts_import_id_city_oneshop_imports"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_city_oneshop_counts")),
        sa.UniqueConstraint("commune_code", "date", name=op.f("uq_city_oneshop_counts_commune_code")),
    )
    op.create_index("ix_city_oneshop_counts_province_date", "city_oneshop_counts", ["province_code", "date"])


def _fill_log_figures(page: int = 500) -> None:
    import json

    from wardapp.city.intake import facts  # pure: the same computation intake uses

    bind = op.get_bind()
    reports = sa.table("received_reports", sa.column("id", sa.Integer), sa.column("payload", sa.LargeBinary))
    figures = sa.table("received_figures", sa.column("report_pk", sa.Integer), sa.column("log_figures", sa.Integer))
    last_id = 0
    while rows := bind.execute(
        sa.select(reports.c.id, reports.c.payload).where(reports.c.id > last_id).order_by(reports.c.id).limit(page)
    ).all():
        last_id = rows[-1].id
        for row in rows:
            try:
                count = facts.from_log(json.loads(row.payload))
            except (ValueError, AttributeError):
                continue
            if count:
                bind.execute(figures.update().where(figures.c.report_pk == row.id).values(log_figures=count))


def downgrade():
    op.drop_index("ix_city_oneshop_counts_province_date", table_name="city_oneshop_counts")
    op.drop_table("city_oneshop_counts")
    op.drop_table("city_oneshop_imports")
    op.drop_table("city_flag_checks")
    with op.batch_alter_table("received_figures") as batch:
        batch.drop_column("log_figures")
        batch.drop_column("accepted")
    with op.batch_alter_table("received_reports") as batch:
        batch.drop_column("accepted_by")
        batch.drop_column("accepted_at")
