"""City PDF pulls: reviewer API tokens

Reviewed: a new table only; tokens are stored as SHA-256 hashes.

Revision ID: e50993d43380
Revises: dd9cf6610006
Create Date: 2026-11-22 05:41:29.471248

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'e50993d43380'
down_revision = 'dd9cf6610006'
branch_labels = None
depends_on = None


def upgrade():

    op.create_table('city_api_tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('token_sha256', sa.String(length=64), nullable=False),
    sa.Column('hint', sa.String(length=12), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('revoked_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['city_users.id'], name=op.f('fk_city_api_tokens_user_id_city_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_city_api_tokens')),
    sa.UniqueConstraint('token_sha256', name=op.f('uq_city_api_tokens_token_sha256'))
    )
    with op.batch_alter_table('city_api_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_city_api_tokens_user_id'), ['user_id'], unique=False)




def downgrade():

    with op.batch_alter_table('city_api_tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_city_api_tokens_user_id'))

    op.drop_table('city_api_tokens')

