"""Sign and send: signing keys, signed revisions, outbox and send attempts

Reviewed: signed_revisions gets a server default so existing reports migrate as unsigned;
signed payloads are stored as bytes (LargeBinary), exactly as signed.

Revision ID: 3c443c19a3f3
Revises: 128919d6cab9
Create Date: 2026-11-22 05:30:11.725651

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '3c443c19a3f3'
down_revision = '128919d6cab9'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('signing_keys',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kid', sa.String(length=64), nullable=False),
    sa.Column('public_jwk', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('retired_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_signing_keys')),
    sa.UniqueConstraint('kid', name=op.f('uq_signing_keys_kid'))
    )
    op.create_table('report_revisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('report_id', sa.Integer(), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('report_key', sa.String(length=40), nullable=False),
    sa.Column('payload', sa.LargeBinary(), nullable=False),
    sa.Column('payload_sha256', sa.String(length=64), nullable=False),
    sa.Column('jws', sa.Text(), nullable=False),
    sa.Column('kid', sa.String(length=64), nullable=False),
    sa.Column('signed_at', sa.DateTime(), nullable=False),
    sa.Column('signed_by_id', sa.Integer(), nullable=False),
    sa.Column('late', sa.Boolean(), nullable=False),
    sa.Column('late_reason', sa.Text(), nullable=False),
    sa.Column('supersedes', sa.String(length=40), nullable=True),
    sa.Column('correction_reason', sa.Text(), nullable=False),
    sa.Column('city_state', sa.String(length=16), nullable=True),
    sa.Column('city_comment', sa.Text(), nullable=False),
    sa.Column('returned_at', sa.DateTime(), nullable=True),
    sa.Column('returned_by', sa.String(length=120), nullable=False),
    sa.ForeignKeyConstraint(['report_id'], ['daily_reports.id'], name=op.f('fk_report_revisions_report_id_daily_reports')),
    sa.ForeignKeyConstraint(['signed_by_id'], ['users.id'], name=op.f('fk_report_revisions_signed_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_revisions')),
    sa.UniqueConstraint('report_id', 'revision', name='uq_report_revisions_report_revision'),
    sa.UniqueConstraint('report_key', name=op.f('uq_report_revisions_report_key'))
    )
    with op.batch_alter_table('report_revisions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_report_revisions_report_id'), ['report_id'], unique=False)

    op.create_table('outbox_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('revision_id', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(), nullable=False),
    sa.Column('lease_until', sa.DateTime(), nullable=True),
    sa.Column('receipt_id', sa.String(length=80), nullable=True),
    sa.Column('received_at', sa.String(length=40), nullable=True),
    sa.Column('last_status', sa.Integer(), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('last_polled_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['revision_id'], ['report_revisions.id'], name=op.f('fk_outbox_entries_revision_id_report_revisions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox_entries')),
    sa.UniqueConstraint('revision_id', name=op.f('uq_outbox_entries_revision_id'))
    )
    with op.batch_alter_table('outbox_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outbox_entries_state'), ['state'], unique=False)

    op.create_table('send_attempts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('http_status', sa.Integer(), nullable=True),
    sa.Column('outcome', sa.String(length=16), nullable=False),
    sa.Column('error', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['entry_id'], ['outbox_entries.id'], name=op.f('fk_send_attempts_entry_id_outbox_entries')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_send_attempts'))
    )
    with op.batch_alter_table('send_attempts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_send_attempts_entry_id'), ['entry_id'], unique=False)

    with op.batch_alter_table('daily_reports', schema=None) as batch_op:
        batch_op.add_column(sa.Column('signed_revisions', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('correction_reason', sa.Text(), nullable=True))



def downgrade():
    with op.batch_alter_table('daily_reports', schema=None) as batch_op:
        batch_op.drop_column('correction_reason')
        batch_op.drop_column('signed_revisions')

    with op.batch_alter_table('send_attempts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_send_attempts_entry_id'))

    op.drop_table('send_attempts')
    with op.batch_alter_table('outbox_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outbox_entries_state'))

    op.drop_table('outbox_entries')
    with op.batch_alter_table('report_revisions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_report_revisions_report_id'))

    op.drop_table('report_revisions')
    op.drop_table('signing_keys')
