"""Photo categories: the day a category starts to apply

Reviewed: one nullable column; existing categories keep NULL, meaning "from the start", so no past
day changes its checklist. Batch mode for SQLite; plain ALTER TABLE on PostgreSQL.

Revision ID: 5c1f0e9a7d21
Revises: 5d0c2e7a9b41
Create Date: 2026-11-30 12:30:00

"""

import sqlalchemy as sa
from alembic import op

revision = "5c1f0e9a7d21"
down_revision = "5d0c2e7a9b41"  # after the document register (both were made from 0004)
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("photo_categories", schema=None) as batch_op:
        batch_op.add_column(sa.Column("valid_from", sa.Date(), nullable=True))


def downgrade():
    with op.batch_alter_table("photo_categories", schema=None) as batch_op:
        batch_op.drop_column("valid_from")
