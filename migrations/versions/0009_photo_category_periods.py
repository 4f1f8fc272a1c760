"""Photo categories: the periods each one is asked for (turning one off no longer reaches back)

Reviewed. Until now a category applied to a day when it was in use, required and
``valid_from <= day``: turning it off (or making it optional) took it off every past day too, an
unsigned day before the change suddenly no longer needed the photo. Now each category has periods,
``[valid_from, retired_from)``, opened when the admin asks for it and closed (never rewritten) when
the admin stops: a past day keeps the checklist it had. ``photo_categories.valid_from`` moves into
the periods and goes.

Existing rows, chosen so that no day's checklist changes on upgrade:
- in use and required: one open period from its ``valid_from`` (NULL: from the start), as before;
- turned off or optional: no period. Every screen already judges every day without them, and the
  day they were turned off is not recorded reliably (the audit log names a category by its key,
  which every commune shares), so any date we guessed would re-open or close days by guesswork.

Downgrade keeps the in-force period's first day as ``valid_from`` (closed periods are lost: the old
schema cannot say them). Batch mode for SQLite; plain DDL on PostgreSQL.

Revision ID: 7e3b2a1c9d42
Revises: 5c1f0e9a7d21
Create Date: 2026-11-30 15:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "7e3b2a1c9d42"
down_revision = "5c1f0e9a7d21"
branch_labels = None
depends_on = None

categories = sa.table(
    "photo_categories",
    sa.column("id", sa.Integer),
    sa.column("active", sa.Boolean),
    sa.column("required", sa.Boolean),
    sa.column("valid_from", sa.Date),
)
periods = sa.table(
    "photo_category_periods",
    sa.column("id", sa.Integer),
    sa.column("category_id", sa.Integer),
    sa.column("valid_from", sa.Date),
    sa.column("retired_from", sa.Date),
)


def upgrade():
    op.create_table(
        "photo_category_periods",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=True),
        sa.Column("retired_from", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["category_id"],
            ["photo_categories.id"],
            name=op.f("fk_photo_category_periods_category_id_photo_categories"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_photo_category_periods")),
    )
    with op.batch_alter_table("photo_category_periods", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_photo_category_periods_category_id"), ["category_id"], unique=False)

    connection = op.get_bind()
    asked_for = connection.execute(
        sa.select(categories.c.id, categories.c.valid_from).where(
            categories.c.active == sa.true(), categories.c.required == sa.true()
        )
    ).all()
    if asked_for:
        op.bulk_insert(
            periods,
            [{"category_id": row.id, "valid_from": row.valid_from, "retired_from": None} for row in asked_for],
        )

    with op.batch_alter_table("photo_categories", schema=None) as batch_op:
        batch_op.drop_column("valid_from")


def downgrade():
    with op.batch_alter_table("photo_categories", schema=None) as batch_op:
        batch_op.add_column(sa.Column("valid_from", sa.Date(), nullable=True))

    connection = op.get_bind()
    open_periods = connection.execute(
        sa.select(periods.c.category_id, periods.c.valid_from).where(
            periods.c.retired_from.is_(None), periods.c.valid_from.is_not(None)
        )
    ).all()
    for row in open_periods:
        connection.execute(
            categories.update().where(categories.c.id == row.category_id).values(valid_from=row.valid_from)
        )

    with op.batch_alter_table("photo_category_periods", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_photo_category_periods_category_id"))
    op.drop_table("photo_category_periods")
