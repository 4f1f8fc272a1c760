"""Dossier imports: an admin may withdraw one (who, when, why), and what it replaced is kept

Reviewed by hand. Four nullable columns on ``dossier_imports``: ``withdrawn_at``,
``withdrawn_by_id`` (users.id), ``withdrawn_reason`` (Text) and ``replaced`` (JSON: for each
dossier the import updated, the values it overwrote and the import that had written them, so a
withdrawal puts them back). Existing imports are active and have no ``replaced``: withdrawing one
of them removes the dossiers it wrote last and cannot restore older values (the page says so).
Batch mode for SQLite (a table copy); plain ALTER TABLE on PostgreSQL. Downgrade drops the
columns: withdrawn imports then count again.

Revision ID: 3c7d9e1a2b40
Revises: 2c7d9e4f1a63
Create Date: 2026-12-02 10:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "3c7d9e1a2b40"
down_revision = "2c7d9e4f1a63"  # after the outbox refusals
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("dossier_imports", schema=None) as batch_op:
        batch_op.add_column(sa.Column("withdrawn_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("withdrawn_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("withdrawn_reason", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("replaced", sa.JSON(), nullable=True))
        batch_op.create_foreign_key("fk_dossier_imports_withdrawn_by_id_users", "users", ["withdrawn_by_id"], ["id"])


def downgrade():
    with op.batch_alter_table("dossier_imports", schema=None) as batch_op:
        batch_op.drop_constraint("fk_dossier_imports_withdrawn_by_id_users", type_="foreignkey")
        batch_op.drop_column("replaced")
        batch_op.drop_column("withdrawn_reason")
        batch_op.drop_column("withdrawn_by_id")
        batch_op.drop_column("withdrawn_at")
