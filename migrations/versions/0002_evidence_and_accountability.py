"""Evidence and accountability: photos, response team, plan tasks, late dossiers, explanations

Reviewed: behind_tolerance gets a server default so existing communes migrate; existing
communes get the default photo checklist.

Revision ID: 128919d6cab9
Revises: 07b60547cf28
Create Date: 2026-11-22 05:17:52.407350

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '128919d6cab9'
down_revision = '07b60547cf28'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('photo_categories',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('commune_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=40), nullable=False),
    sa.Column('label', sa.String(length=120), nullable=False),
    sa.Column('required', sa.Boolean(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['commune_id'], ['communes.id'], name=op.f('fk_photo_categories_commune_id_communes')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_photo_categories')),
    sa.UniqueConstraint('commune_id', 'key', name='uq_photo_categories_commune_key')
    )
    with op.batch_alter_table('photo_categories', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_photo_categories_commune_id'), ['commune_id'], unique=False)

    op.create_table('response_teams',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('commune_id', sa.Integer(), nullable=False),
    sa.Column('decision_number', sa.String(length=60), nullable=False),
    sa.Column('decision_date', sa.Date(), nullable=True),
    sa.Column('decision_signer', sa.String(length=120), nullable=False),
    sa.Column('duties', sa.Text(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['commune_id'], ['communes.id'], name=op.f('fk_response_teams_commune_id_communes')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_response_teams')),
    sa.UniqueConstraint('commune_id', name=op.f('uq_response_teams_commune_id'))
    )
    op.create_table('tasks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('commune_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('goal', sa.Text(), nullable=False),
    sa.Column('expected_output', sa.Text(), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('deadline', sa.Date(), nullable=False),
    sa.Column('responsible', sa.String(length=120), nullable=False),
    sa.Column('source_document', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['commune_id'], ['communes.id'], name=op.f('fk_tasks_commune_id_communes')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tasks')),
    sa.UniqueConstraint('commune_id', 'code', name='uq_tasks_commune_code')
    )
    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tasks_commune_id'), ['commune_id'], unique=False)

    op.create_table('task_progress',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('task_id', sa.Integer(), nullable=False),
    sa.Column('date', sa.Date(), nullable=False),
    sa.Column('percent', sa.Integer(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('by_id', sa.Integer(), nullable=True),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['by_id'], ['users.id'], name=op.f('fk_task_progress_by_id_users')),
    sa.ForeignKeyConstraint(['task_id'], ['tasks.id'], name=op.f('fk_task_progress_task_id_tasks')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_task_progress'))
    )
    with op.batch_alter_table('task_progress', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_task_progress_task_id'), ['task_id'], unique=False)

    op.create_table('team_members',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('position', sa.String(length=120), nullable=False),
    sa.Column('unit', sa.String(length=120), nullable=False),
    sa.Column('phone', sa.String(length=20), nullable=False),
    sa.Column('field', sa.String(length=16), nullable=False),
    sa.Column('is_leader', sa.Boolean(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['team_id'], ['response_teams.id'], name=op.f('fk_team_members_team_id_response_teams')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_team_members'))
    )
    with op.batch_alter_table('team_members', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_team_members_team_id'), ['team_id'], unique=False)

    op.create_table('explanations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('report_id', sa.Integer(), nullable=False),
    sa.Column('item_key', sa.String(length=60), nullable=False),
    sa.Column('item_label', sa.String(length=300), nullable=False),
    sa.Column('cause', sa.Text(), nullable=False),
    sa.Column('remedy', sa.Text(), nullable=False),
    sa.Column('new_date', sa.Date(), nullable=True),
    sa.Column('responsible', sa.String(length=120), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_explanations_author_id_users')),
    sa.ForeignKeyConstraint(['report_id'], ['daily_reports.id'], name=op.f('fk_explanations_report_id_daily_reports')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_explanations'))
    )
    with op.batch_alter_table('explanations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_explanations_report_id'), ['report_id'], unique=False)

    op.create_table('late_dossiers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('report_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('procedure', sa.String(length=200), nullable=False),
    sa.Column('dossier_code', sa.String(length=60), nullable=False),
    sa.Column('officer', sa.String(length=120), nullable=False),
    sa.Column('unit', sa.String(length=120), nullable=False),
    sa.Column('cause', sa.Text(), nullable=False),
    sa.Column('apology_issued', sa.Boolean(), nullable=False),
    sa.Column('new_appointment', sa.Date(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_late_dossiers_created_by_id_users')),
    sa.ForeignKeyConstraint(['report_id'], ['daily_reports.id'], name=op.f('fk_late_dossiers_report_id_daily_reports')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_late_dossiers'))
    )
    with op.batch_alter_table('late_dossiers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_late_dossiers_report_id'), ['report_id'], unique=False)

    op.create_table('photos',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('report_id', sa.Integer(), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('content_type', sa.String(length=32), nullable=False),
    sa.Column('bytes', sa.Integer(), nullable=False),
    sa.Column('width', sa.Integer(), nullable=False),
    sa.Column('height', sa.Integer(), nullable=False),
    sa.Column('original_name', sa.String(length=200), nullable=False),
    sa.Column('caption', sa.String(length=300), nullable=False),
    sa.Column('taken_at', sa.DateTime(), nullable=True),
    sa.Column('camera', sa.String(length=120), nullable=False),
    sa.Column('gps_lat', sa.Float(), nullable=True),
    sa.Column('gps_lon', sa.Float(), nullable=True),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('uploaded_at', sa.DateTime(), nullable=False),
    sa.Column('removed_at', sa.DateTime(), nullable=True),
    sa.Column('removed_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['category_id'], ['photo_categories.id'], name=op.f('fk_photos_category_id_photo_categories')),
    sa.ForeignKeyConstraint(['removed_by_id'], ['users.id'], name=op.f('fk_photos_removed_by_id_users')),
    sa.ForeignKeyConstraint(['report_id'], ['daily_reports.id'], name=op.f('fk_photos_report_id_daily_reports')),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'], name=op.f('fk_photos_uploaded_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_photos'))
    )
    with op.batch_alter_table('photos', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_photos_report_id'), ['report_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_photos_sha256'), ['sha256'], unique=False)

    op.create_table('support_cases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('commune_id', sa.Integer(), nullable=False),
    sa.Column('date', sa.Date(), nullable=False),
    sa.Column('time', sa.Time(), nullable=False),
    sa.Column('procedure', sa.String(length=200), nullable=False),
    sa.Column('problem', sa.Text(), nullable=False),
    sa.Column('outcome', sa.Text(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=True),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('removed_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['commune_id'], ['communes.id'], name=op.f('fk_support_cases_commune_id_communes')),
    sa.ForeignKeyConstraint(['member_id'], ['team_members.id'], name=op.f('fk_support_cases_member_id_team_members')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_support_cases_recorded_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_support_cases'))
    )
    with op.batch_alter_table('support_cases', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_support_cases_commune_id'), ['commune_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_support_cases_date'), ['date'], unique=False)

    with op.batch_alter_table('communes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('team_deadline', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('behind_tolerance', sa.Integer(), nullable=False, server_default='20'))

    with op.batch_alter_table('daily_reports', schema=None) as batch_op:
        batch_op.add_column(sa.Column('ready_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('ready_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_daily_reports_ready_by_id_users'), 'users', ['ready_by_id'], ['id'])


    _default_photo_categories_for_existing_communes()


DEFAULT_CATEGORIES = (
    ("exterior", "Mặt tiền, biển hiệu Trung tâm"),
    ("counters", "Quầy tiếp nhận và trả kết quả"),
    ("waiting_area", "Khu vực chờ của người dân"),
    ("public_notice", "Niêm yết công khai thủ tục hành chính"),
    ("online_corner", "Góc hỗ trợ dịch vụ công trực tuyến"),
    ("team_at_work", "Tổ phản ứng nhanh đang hỗ trợ"),
)


def _default_photo_categories_for_existing_communes():
    # Communes set up before this migration get the checklist a new commune gets (a frozen copy of
    # wardapp/evidence/defaults.py: a migration must not change when the app's code does).
    bind = op.get_bind()
    categories = sa.table(
        "photo_categories", sa.column("commune_id", sa.Integer), sa.column("key", sa.String),
        sa.column("label", sa.String), sa.column("required", sa.Boolean),
        sa.column("position", sa.Integer), sa.column("active", sa.Boolean),
    )
    for (commune_id,) in bind.execute(sa.text("SELECT id FROM communes")).all():
        op.bulk_insert(categories, [
            {"commune_id": commune_id, "key": key, "label": label, "required": True,
             "position": position, "active": True}
            for position, (key, label) in enumerate(DEFAULT_CATEGORIES)
        ])


def downgrade():
    with op.batch_alter_table('daily_reports', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_daily_reports_ready_by_id_users'), type_='foreignkey')
        batch_op.drop_column('ready_by_id')
        batch_op.drop_column('ready_at')

    with op.batch_alter_table('communes', schema=None) as batch_op:
        batch_op.drop_column('behind_tolerance')
        batch_op.drop_column('team_deadline')

    with op.batch_alter_table('support_cases', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_support_cases_date'))
        batch_op.drop_index(batch_op.f('ix_support_cases_commune_id'))

    op.drop_table('support_cases')
    with op.batch_alter_table('photos', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_photos_sha256'))
        batch_op.drop_index(batch_op.f('ix_photos_report_id'))

    op.drop_table('photos')
    with op.batch_alter_table('late_dossiers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_late_dossiers_report_id'))

    op.drop_table('late_dossiers')
    with op.batch_alter_table('explanations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_explanations_report_id'))

    op.drop_table('explanations')
    with op.batch_alter_table('team_members', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_team_members_team_id'))

    op.drop_table('team_members')
    with op.batch_alter_table('task_progress', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_task_progress_task_id'))

    op.drop_table('task_progress')
    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tasks_commune_id'))

    op.drop_table('tasks')
    op.drop_table('response_teams')
    with op.batch_alter_table('photo_categories', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_photo_categories_commune_id'))

    op.drop_table('photo_categories')
