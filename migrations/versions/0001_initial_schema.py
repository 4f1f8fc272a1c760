"""Initial schema: communes, users, daily reports, audit log

Every table of the daily report desk. Reviewed: names follow the naming convention,
the one-report-per-commune-per-day constraint is named, the audit log gets append-only triggers.

Revision ID: 07b60547cf28
Revises: 
Create Date: 2026-11-22 05:14:32.687479

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '07b60547cf28'
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('communes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=5), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('province_code', sa.String(length=2), nullable=False),
    sa.Column('province_name', sa.String(length=120), nullable=False),
    sa.Column('deadline', sa.Time(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_communes')),
    sa.UniqueConstraint('code', name=op.f('uq_communes_code'))
    )
    op.create_table('users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('commune_id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('password_hash', sa.String(length=256), nullable=False),
    sa.Column('full_name', sa.String(length=120), nullable=False),
    sa.Column('position', sa.String(length=120), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('locale', sa.String(length=5), nullable=False),
    sa.Column('failed_logins', sa.Integer(), nullable=False),
    sa.Column('locked_until', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('last_login_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['commune_id'], ['communes.id'], name=op.f('fk_users_commune_id_communes')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('username', name=op.f('uq_users_username'))
    )
    op.create_table('audit_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('actor_username', sa.String(length=64), nullable=True),
    sa.Column('action', sa.String(length=64), nullable=False),
    sa.Column('target_type', sa.String(length=32), nullable=True),
    sa.Column('target_id', sa.String(length=64), nullable=True),
    sa.Column('summary', sa.String(length=300), nullable=False),
    sa.Column('before', sa.JSON(), nullable=True),
    sa.Column('after', sa.JSON(), nullable=True),
    sa.Column('ip', sa.String(length=45), nullable=True),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_audit_events_actor_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_events'))
    )
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_events_action'), ['action'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_events_at'), ['at'], unique=False)

    op.create_table('daily_reports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('commune_id', sa.Integer(), nullable=False),
    sa.Column('date', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('received_in_person', sa.Integer(), nullable=False),
    sa.Column('received_online', sa.Integer(), nullable=False),
    sa.Column('received_postal', sa.Integer(), nullable=False),
    sa.Column('carried_over', sa.Integer(), nullable=False),
    sa.Column('resolved_early', sa.Integer(), nullable=False),
    sa.Column('resolved_on_time', sa.Integer(), nullable=False),
    sa.Column('resolved_late', sa.Integer(), nullable=False),
    sa.Column('pending_within', sa.Integer(), nullable=False),
    sa.Column('pending_overdue', sa.Integer(), nullable=False),
    sa.Column('apology_letters', sa.Integer(), nullable=False),
    sa.Column('online_full_process', sa.Integer(), nullable=False),
    sa.Column('online_partial', sa.Integer(), nullable=False),
    sa.Column('fee_bearing', sa.Integer(), nullable=False),
    sa.Column('paid_online', sa.Integer(), nullable=False),
    sa.Column('digitized', sa.Integer(), nullable=False),
    sa.Column('e_results', sa.Integer(), nullable=False),
    sa.Column('feedback_received', sa.Integer(), nullable=False),
    sa.Column('feedback_on_time', sa.Integer(), nullable=False),
    sa.Column('feedback_late', sa.Integer(), nullable=False),
    sa.Column('feedback_unsatisfied', sa.Integer(), nullable=False),
    sa.Column('rating_very_satisfied', sa.Integer(), nullable=False),
    sa.Column('rating_satisfied', sa.Integer(), nullable=False),
    sa.Column('rating_unsatisfied', sa.Integer(), nullable=False),
    sa.Column('counters_open', sa.Integer(), nullable=False),
    sa.Column('staff_on_duty', sa.Integer(), nullable=False),
    sa.Column('avg_wait_minutes', sa.Integer(), nullable=False),
    sa.Column('outages_system', sa.Integer(), nullable=False),
    sa.Column('outages_network', sa.Integer(), nullable=False),
    sa.Column('response_team_cases', sa.Integer(), nullable=False),
    sa.Column('highlights', sa.Text(), nullable=False),
    sa.Column('difficulties', sa.Text(), nullable=False),
    sa.Column('proposals', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['commune_id'], ['communes.id'], name=op.f('fk_daily_reports_commune_id_communes')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_daily_reports_created_by_id_users')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_daily_reports_updated_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_daily_reports')),
    sa.UniqueConstraint('commune_id', 'date', name='uq_daily_reports_commune_date')
    )
    with op.batch_alter_table('daily_reports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_daily_reports_commune_id'), ['commune_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_daily_reports_date'), ['date'], unique=False)



    _make_audit_log_append_only()


# The audit log is append-only: the database itself refuses UPDATE and DELETE on it, so no code
# path (nor a careless shell session) can rewrite history.
APPEND_ONLY_SQLITE = [
    "CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events "
    "BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END",
    "CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events "
    "BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END",
]
APPEND_ONLY_POSTGRESQL = [
    "CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS "
    "$$ BEGIN RAISE EXCEPTION 'audit log is append-only'; END $$",
    "CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events "
    "FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()",
]


def _make_audit_log_append_only():
    dialect = op.get_bind().dialect.name
    statements = {"sqlite": APPEND_ONLY_SQLITE, "postgresql": APPEND_ONLY_POSTGRESQL}.get(dialect, [])
    for statement in statements:
        op.execute(statement)


def downgrade():
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS audit_events_no_update")
        op.execute("DROP TRIGGER IF EXISTS audit_events_no_delete")
    elif dialect == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_events_append_only ON audit_events")
        op.execute("DROP FUNCTION IF EXISTS audit_events_append_only()")
    with op.batch_alter_table('daily_reports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_daily_reports_date'))
        batch_op.drop_index(batch_op.f('ix_daily_reports_commune_id'))

    op.drop_table('daily_reports')
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_events_at'))
        batch_op.drop_index(batch_op.f('ix_audit_events_action'))

    op.drop_table('audit_events')
    op.drop_table('users')
    op.drop_table('communes')
