"""City desk: figures, rates and facts of each received revision as columns; the current revision
of each commune-day; reviewers' provinces; per-province deadlines

Reviewed: columns are added nullable (filled below from each stored payload, which stays the
record); ``current`` is computed per commune-day (the highest revision); a composite index serves
the province/day queries; ``city_provinces`` is a new table. Runs in batch mode on SQLite and as
plain ALTERs on PostgreSQL. The fill reads rows in pages and writes through bound UPDATEs only.

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

# The columns as they were at this revision (frozen here: later figure lists need their own migration).
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
FACTS = (
    ("province_code", sa.String(length=2)),
    ("current", sa.Boolean()),
    ("signed_at", sa.DateTime()),
    ("tasks_behind", sa.Integer()),
    ("explanations_count", sa.Integer()),
    ("late_dossiers_count", sa.Integer()),
    ("photos_count", sa.Integer()),
    ("estimate_766", sa.Float()),
)
PAGE = 500


def upgrade():
    with op.batch_alter_table("received_reports", schema=None) as batch_op:
        for name, kind in FACTS:
            batch_op.add_column(sa.Column(name, kind, nullable=True))
        for name in FIGURES:
            batch_op.add_column(sa.Column(name, sa.Integer(), nullable=True))
        for name in RATES:
            batch_op.add_column(sa.Column(name, sa.Float(), nullable=True))
        batch_op.create_index(
            "ix_received_reports_province_date_current", ["province_code", "date", "current"], unique=False
        )
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
    with op.batch_alter_table("received_reports", schema=None) as batch_op:
        batch_op.alter_column("current", existing_type=sa.Boolean(), nullable=False)


def _fill():
    """Every stored revision gets its columns from its own payload; the newest one per commune-day is current."""
    from wardapp.city import facts  # pure: the same computation intake uses

    bind = op.get_bind()
    table = sa.table(
        "received_reports",
        sa.column("id", sa.Integer()),
        sa.column("commune_code", sa.String()),
        sa.column("date", sa.Date()),
        sa.column("revision", sa.Integer()),
        sa.column("payload", sa.LargeBinary()),
        *(sa.column(name, kind) for name, kind in FACTS),
        *(sa.column(name, sa.Integer()) for name in FIGURES),
        *(sa.column(name, sa.Float()) for name in RATES),
    )
    newest = {}
    last_id = 0
    while True:
        rows = bind.execute(
            sa.select(table.c.id, table.c.commune_code, table.c.date, table.c.revision, table.c.payload)
            .where(table.c.id > last_id)
            .order_by(table.c.id)
            .limit(PAGE)
        ).all()
        if not rows:
            break
        for row in rows:
            values = facts.columns(json.loads(row.payload))
            kept = {k: v for k, v in values.items() if k in table.c}
            bind.execute(sa.update(table).where(table.c.id == row.id).values(current=False, **kept))
            key = (row.commune_code, row.date)
            if key not in newest or newest[key][0] < row.revision:
                newest[key] = (row.revision, row.id)
        last_id = rows[-1].id
    ids = [pk for _, pk in newest.values()]
    for start in range(0, len(ids), PAGE):
        bind.execute(sa.update(table).where(table.c.id.in_(ids[start : start + PAGE])).values(current=True))


def downgrade():
    op.drop_table("city_provinces")
    with op.batch_alter_table("city_users", schema=None) as batch_op:
        batch_op.drop_column("provinces")
    with op.batch_alter_table("received_reports", schema=None) as batch_op:
        batch_op.drop_index("ix_received_reports_province_date_current")
        for name in (*RATES, *FIGURES, *reversed([n for n, _ in FACTS])):
            batch_op.drop_column(name)
