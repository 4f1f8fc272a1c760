"""Photos: whether their pixels were decoded (pending, readable, unreadable)

Reviewed by hand. One column on ``photos``, ``pixels`` (String 12, NOT NULL, server default
'readable'): a JPEG is now accepted on its header and structure and decoded right after the
uploader's answer, so a photo can be waiting for that decode ('pending') or be found corrupt
inside ('unreadable': shown with a message, never counted, never signed). Every existing photo
was decoded completely before it was accepted, so the server default makes each one 'readable'
and no day's checklist, readiness or signed document changes. Batch mode for SQLite (a table
copy); a plain ALTER TABLE ADD COLUMN on PostgreSQL. Downgrade drops the column: a photo marked
unreadable then counts again as it would have before this revision.

Revision ID: 8b4e6c2d1f57
Revises: 6d2a1f0b8c31
Create Date: 2026-11-30 18:20:00

"""

import sqlalchemy as sa
from alembic import op

revision = "8b4e6c2d1f57"
down_revision = "6d2a1f0b8c31"  # after the month documents
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("photos", schema=None) as batch_op:
        batch_op.add_column(sa.Column("pixels", sa.String(length=12), server_default="readable", nullable=False))


def downgrade():
    with op.batch_alter_table("photos", schema=None) as batch_op:
        batch_op.drop_column("pixels")
