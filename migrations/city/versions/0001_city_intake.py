"""City intake: communes, keys, received reports and photos, intake log, reviewers

The city intake's own database, separate from a commune's. Reviewed: report_id and receipt_id
are unique, so a report is stored once even when two pushes race.

Revision ID: dd9cf6610006
Revises: 
Create Date: 2026-11-22 05:31:57.009262

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'dd9cf6610006'
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('city_communes',
    sa.Column('code', sa.String(length=5), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('province_code', sa.String(length=2), nullable=False),
    sa.Column('enrolled_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_city_communes'))
    )
    with op.batch_alter_table('city_communes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_city_communes_province_code'), ['province_code'], unique=False)

    op.create_table('city_users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('password_hash', sa.String(length=256), nullable=False),
    sa.Column('full_name', sa.String(length=120), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_city_users')),
    sa.UniqueConstraint('username', name=op.f('uq_city_users_username'))
    )
    op.create_table('intake_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('ip', sa.String(length=45), nullable=True),
    sa.Column('method', sa.String(length=8), nullable=False),
    sa.Column('path', sa.String(length=200), nullable=False),
    sa.Column('status', sa.Integer(), nullable=False),
    sa.Column('error', sa.String(length=40), nullable=False),
    sa.Column('detail', sa.Text(), nullable=False),
    sa.Column('report_id', sa.String(length=40), nullable=True),
    sa.Column('commune_code', sa.String(length=5), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_intake_log'))
    )
    with op.batch_alter_table('intake_log', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_intake_log_at'), ['at'], unique=False)

    op.create_table('city_keys',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kid', sa.String(length=64), nullable=False),
    sa.Column('commune_code', sa.String(length=5), nullable=False),
    sa.Column('jwk', sa.JSON(), nullable=False),
    sa.Column('enrolled_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['commune_code'], ['city_communes.code'], name=op.f('fk_city_keys_commune_code_city_communes')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_city_keys')),
    sa.UniqueConstraint('kid', name=op.f('uq_city_keys_kid'))
    )
    with op.batch_alter_table('city_keys', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_city_keys_commune_code'), ['commune_code'], unique=False)

    op.create_table('received_reports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('report_id', sa.String(length=40), nullable=False),
    sa.Column('commune_code', sa.String(length=5), nullable=False),
    sa.Column('date', sa.Date(), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('supersedes', sa.String(length=40), nullable=True),
    sa.Column('payload', sa.LargeBinary(), nullable=False),
    sa.Column('payload_sha256', sa.String(length=64), nullable=False),
    sa.Column('jws', sa.Text(), nullable=False),
    sa.Column('kid', sa.String(length=64), nullable=False),
    sa.Column('late', sa.Boolean(), nullable=False),
    sa.Column('receipt_id', sa.String(length=80), nullable=False),
    sa.Column('received_at', sa.DateTime(), nullable=False),
    sa.Column('pdf_sha256', sa.String(length=64), nullable=True),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('returned_at', sa.DateTime(), nullable=True),
    sa.Column('returned_by', sa.String(length=120), nullable=False),
    sa.ForeignKeyConstraint(['commune_code'], ['city_communes.code'], name=op.f('fk_received_reports_commune_code_city_communes')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_received_reports')),
    sa.UniqueConstraint('receipt_id', name=op.f('uq_received_reports_receipt_id')),
    sa.UniqueConstraint('report_id', name=op.f('uq_received_reports_report_id'))
    )
    with op.batch_alter_table('received_reports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_received_reports_commune_code'), ['commune_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_received_reports_date'), ['date'], unique=False)

    op.create_table('received_photos',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('report_pk', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('content_type', sa.String(length=32), nullable=False),
    sa.Column('bytes', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['report_pk'], ['received_reports.id'], name=op.f('fk_received_photos_report_pk_received_reports')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_received_photos'))
    )
    with op.batch_alter_table('received_photos', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_received_photos_report_pk'), ['report_pk'], unique=False)



def downgrade():
    with op.batch_alter_table('received_photos', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_received_photos_report_pk'))

    op.drop_table('received_photos')
    with op.batch_alter_table('received_reports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_received_reports_date'))
        batch_op.drop_index(batch_op.f('ix_received_reports_commune_code'))

    op.drop_table('received_reports')
    with op.batch_alter_table('city_keys', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_city_keys_commune_code'))

    op.drop_table('city_keys')
    with op.batch_alter_table('intake_log', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_intake_log_at'))

    op.drop_table('intake_log')
    op.drop_table('city_users')
    with op.batch_alter_table('city_communes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_city_communes_province_code'))

    op.drop_table('city_communes')
