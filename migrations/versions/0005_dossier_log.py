"""Dossier log: dossiers (no personal data), their imports, column mappings and figure overrides

Reviewed: four new tables only, nothing existing altered; no column can hold an applicant's
name, address, phone or ID number. Indexes serve the day's count (received / finished by commune).

Revision ID: 855e8f84d604
Revises: 79799ce93f73
Create Date: 2026-11-30 12:05:52.813689

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '855e8f84d604'
down_revision = '79799ce93f73'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('dossier_column_mappings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('commune_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('columns', sa.JSON(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['commune_id'], ['communes.id'], name=op.f('fk_dossier_column_mappings_commune_id_communes')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_dossier_column_mappings_created_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dossier_column_mappings')),
    sa.UniqueConstraint('commune_id', 'name', name='uq_dossier_column_mappings_commune_name')
    )
    op.create_table('dossier_imports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('commune_id', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=80), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('rows', sa.Integer(), nullable=False),
    sa.Column('created', sa.Integer(), nullable=False),
    sa.Column('updated', sa.Integer(), nullable=False),
    sa.Column('fields', sa.JSON(), nullable=False),
    sa.Column('first_received', sa.Date(), nullable=True),
    sa.Column('last_received', sa.Date(), nullable=True),
    sa.Column('longest_days', sa.Integer(), nullable=False),
    sa.Column('imported_at', sa.DateTime(), nullable=False),
    sa.Column('imported_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['commune_id'], ['communes.id'], name=op.f('fk_dossier_imports_commune_id_communes')),
    sa.ForeignKeyConstraint(['imported_by_id'], ['users.id'], name=op.f('fk_dossier_imports_imported_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dossier_imports'))
    )
    with op.batch_alter_table('dossier_imports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dossier_imports_commune_id'), ['commune_id'], unique=False)

    op.create_table('figure_overrides',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('commune_id', sa.Integer(), nullable=False),
    sa.Column('date', sa.Date(), nullable=False),
    sa.Column('figure', sa.String(length=40), nullable=False),
    sa.Column('value', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('by_id', sa.Integer(), nullable=True),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['by_id'], ['users.id'], name=op.f('fk_figure_overrides_by_id_users')),
    sa.ForeignKeyConstraint(['commune_id'], ['communes.id'], name=op.f('fk_figure_overrides_commune_id_communes')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_figure_overrides')),
    sa.UniqueConstraint('commune_id', 'date', 'figure', name='uq_figure_overrides_commune_date_figure')
    )
    with op.batch_alter_table('figure_overrides', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_figure_overrides_date'), ['date'], unique=False)

    op.create_table('dossiers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('commune_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=60), nullable=False),
    sa.Column('procedure', sa.String(length=300), nullable=False),
    sa.Column('field', sa.String(length=200), nullable=False),
    sa.Column('channel', sa.Integer(), nullable=True),
    sa.Column('received_at', sa.DateTime(), nullable=False),
    sa.Column('due_at', sa.DateTime(), nullable=True),
    sa.Column('transferred_at', sa.DateTime(), nullable=True),
    sa.Column('finished_at', sa.DateTime(), nullable=True),
    sa.Column('returned_at', sa.DateTime(), nullable=True),
    sa.Column('state', sa.String(length=12), nullable=False),
    sa.Column('officer', sa.String(length=120), nullable=False),
    sa.Column('unit', sa.String(length=200), nullable=False),
    sa.Column('fee_bearing', sa.Boolean(), nullable=False),
    sa.Column('paid_online', sa.Boolean(), nullable=False),
    sa.Column('digitized', sa.Boolean(), nullable=False),
    sa.Column('e_result', sa.Boolean(), nullable=False),
    sa.Column('full_process', sa.Boolean(), nullable=True),
    sa.Column('import_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['commune_id'], ['communes.id'], name=op.f('fk_dossiers_commune_id_communes')),
    sa.ForeignKeyConstraint(['import_id'], ['dossier_imports.id'], name=op.f('fk_dossiers_import_id_dossier_imports')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dossiers')),
    sa.UniqueConstraint('commune_id', 'code', name='uq_dossiers_commune_code')
    )
    with op.batch_alter_table('dossiers', schema=None) as batch_op:
        batch_op.create_index('ix_dossiers_commune_finished', ['commune_id', 'finished_at'], unique=False)
        batch_op.create_index('ix_dossiers_commune_received', ['commune_id', 'received_at'], unique=False)



def downgrade():
    with op.batch_alter_table('dossiers', schema=None) as batch_op:
        batch_op.drop_index('ix_dossiers_commune_received')
        batch_op.drop_index('ix_dossiers_commune_finished')

    op.drop_table('dossiers')
    with op.batch_alter_table('figure_overrides', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_figure_overrides_date'))

    op.drop_table('figure_overrides')
    with op.batch_alter_table('dossier_imports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_dossier_imports_commune_id'))

    op.drop_table('dossier_imports')
    op.drop_table('dossier_column_mappings')
