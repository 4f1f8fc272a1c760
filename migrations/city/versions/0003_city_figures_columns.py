"""City desk: the figures, rates and facts of each received revision as columns of a narrow
companion table, with the current revision of each commune-day; reviewers' provinces;
per-province deadlines

Reviewed: ``received_figures`` is a new table, one row per received report (its primary key is
the report's), filled below from each stored payload, which stays the record with the JWS;
``current`` is the highest revision of each commune-day, ``returned`` follows the report's state.
Two composite indexes serve the province/day and commune/day queries. ``city_users.provinces`` is
added with a server default (existing users keep seeing every province); ``city_provinces`` is
new. Runs in batch mode on SQLite and as plain DDL on PostgreSQL; the fill reads the reports in
pages and inserts through bound statements only.

Revision ID: 7c1d2e9a4b60
Revises: e50993d43380
Create Date: 2026-11-30 12:20:00

"""

import json

import sqlalchemy as sa
from alembic import op

revision = "7c1d2e9a4b60"
down_revision = "e50993d43380"
branch_labels = None
depends_on = None

# The columns as they are at this revision (frozen here: later figure lists need their own migration).
FIGURES = (
    "received_in_person", "received_online", "received_postal", "carried_over", "resolved_early",
    "resolved_on_time", "resolved_late", "pending_within", "pending_overdue", "apology_letters",
    "online_full_process", "online_partial", "fee_bearing", "paid_online", "digitized", "e_results",
    "feedback_received", "feedback_on_time", "feedback_late", "feedback_unsatisfied",
    "rating_very_satisfied", "rating_satisfied", "rating_unsatisfied", "counters_open", "staff_on_duty",
    "avg_wait_minutes", "outages_system", "outages_network", "response_team_cases",
)  # fmt: skip
RATES = (
    "online_rate", "full_process_rate", "on_time_rate", "late_rate", "resolved_in_time_rate",
    "digitization_rate", "e_result_rate", "online_payment_rate", "satisfaction_rate", "feedback_on_time_rate",
)  # fmt: skip
FACTS = ("tasks_behind", "explanations_count", "late_dossiers_count", "photos_count")
PAGE = 500


def upgrade():
    op.create_table(
        "received_figures",
        sa.Column("report_pk", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.String(length=80), nullable=False),
        sa.Column("commune_code", sa.String(length=5), nullable=False),
        sa.Column("province_code", sa.String(length=2), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("current", sa.Boolean(), nullable=False),
        sa.Column("late", sa.Boolean(), nullable=False),
        sa.Column("returned", sa.Boolean(), nullable=False),
        sa.Column("signed_at", sa.DateTime(), nullable=True),
        *(sa.Column(name, sa.Integer(), nullable=False) for name in FACTS),
        sa.Column("estimate_766", sa.Float(), nullable=True),
        *(sa.Column(name, sa.Integer(), nullable=False) for name in FIGURES),
        *(sa.Column(name, sa.Float(), nullable=True) for name in RATES),
        sa.ForeignKeyConstraint(
            ["report_pk"], ["received_reports.id"], name=op.f("fk_received_figures_report_pk_received_reports")
        ),
        sa.PrimaryKeyConstraint("report_pk", name=op.f("pk_received_figures")),
    )
    with op.batch_alter_table("received_figures", schema=None) as batch_op:
        batch_op.create_index(
            "ix_received_figures_province_date_current", ["province_code", "date", "current"], unique=False
        )
        batch_op.create_index("ix_received_figures_commune_date", ["commune_code", "date"], unique=False)
    with op.batch_alter_table("city_users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("provinces", sa.String(length=200), nullable=False, server_default=""))
    op.create_table(
        "city_provinces",
        sa.Column("code", sa.String(length=2), nullable=False),
        sa.Column("deadline", sa.Time(), nullable=False),
        sa.Column("reminder_emails", sa.Text(), nullable=False),
        sa.Column("updated_by", sa.String(length=120), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_city_provinces")),
    )
    _fill()


def _fill():
    """A figures row for every stored report, from its own payload; the newest revision of each
    commune-day is current."""
    from wardapp.city.intake import facts  # pure: the same computation intake uses

    bind = op.get_bind()
    reports = sa.table(
        "received_reports",
        sa.column("id", sa.Integer()),
        sa.column("report_id", sa.String()),
        sa.column("commune_code", sa.String()),
        sa.column("date", sa.Date()),
        sa.column("revision", sa.Integer()),
        sa.column("late", sa.Boolean()),
        sa.column("state", sa.String()),
        sa.column("payload", sa.LargeBinary()),
    )
    figures = sa.table(
        "received_figures",
        *(
            sa.column(name)
            for name in (
                "report_pk", "report_id", "commune_code", "province_code", "date", "revision", "current", "late",
                "returned", "signed_at", "estimate_766", *FACTS, *FIGURES, *RATES,
            )
        ),
    )  # fmt: skip
    newest: dict = {}
    last_id = 0
    while True:
        rows = bind.execute(
            sa.select(reports).where(reports.c.id > last_id).order_by(reports.c.id).limit(PAGE)
        ).all()
        if not rows:
            break
        batch = []
        for row in rows:
            values = facts.columns(json.loads(row.payload))
            batch.append(
                {
                    "report_pk": row.id,
                    "report_id": row.report_id,
                    "commune_code": row.commune_code,
                    "date": row.date,
                    "revision": row.revision,
                    "current": False,
                    "late": bool(row.late),
                    "returned": row.state == "returned",
                    **{k: v for k, v in values.items() if k in figures.c},
                }
            )
            key = (row.commune_code, row.date)
            if key not in newest or newest[key][0] < row.revision:
                newest[key] = (row.revision, row.id)
        bind.execute(sa.insert(figures), batch)
        last_id = rows[-1].id
    ids = [pk for _, pk in newest.values()]
    for start in range(0, len(ids), PAGE):
        bind.execute(
            sa.update(figures).where(figures.c.report_pk.in_(ids[start : start + PAGE])).values(current=True)
        )


def downgrade():
    op.drop_table("city_provinces")
    with op.batch_alter_table("city_users", schema=None) as batch_op:
        batch_op.drop_column("provinces")
    with op.batch_alter_table("received_figures", schema=None) as batch_op:
        batch_op.drop_index("ix_received_figures_commune_date")
        batch_op.drop_index("ix_received_figures_province_date_current")
    op.drop_table("received_figures")
