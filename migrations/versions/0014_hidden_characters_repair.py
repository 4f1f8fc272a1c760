"""Text stored before every form checked it: its hidden characters taken out

Reviewed by hand. Data only, no schema change. Until now most forms stored what was typed as is,
so a pasted bidirectional override (U+202E), a zero-width space or a control character could sit
in a task, the response team, a photo caption, a late dossier, an explanation and the like. The
signed report refuses such characters, and tasks and the team are in every day's report: one of
them blocked signing for the whole commune. The forms now refuse them (core/text); this revision
removes them from what is already stored, with the same rule (``core.text.without_forbidden``),
in every text column whose value can reach a signed report or a screen's names. The characters are
invisible, so what people read does not change. A task code that would then equal another task's
code of the same commune keeps its row id as a suffix (codes are unique per commune). Signed
revisions are never touched: what was signed had none of these characters (signing refused them).
Runs row by row through plain SELECT/UPDATE statements, the same on SQLite and PostgreSQL.
Downgrade changes nothing (the removed characters were never meant to be there).

Revision ID: 9c5d7e3f2a68
Revises: 3c7d9e1a2b40
Create Date: 2026-12-02 10:00:00

"""

import sqlalchemy as sa
from alembic import op

from wardapp.core.text import without_forbidden

revision = "9c5d7e3f2a68"
down_revision = "3c7d9e1a2b40"  # after the dossier import withdrawal
branch_labels = None
depends_on = None

# table -> the text columns repaired (keys, hashes and coded values are never typed).
COLUMNS = {
    "communes": ("name", "province_name"),
    "users": ("full_name", "position"),
    "photo_categories": ("label",),
    "photos": ("original_name", "caption", "camera"),
    "response_teams": ("decision_number", "decision_signer", "duties"),
    "team_members": ("name", "position", "unit", "phone"),
    "support_cases": ("procedure", "problem", "outcome"),
    "tasks": ("code", "title", "goal", "expected_output", "responsible", "source_document"),
    "task_progress": ("note",),
    "daily_reports": ("highlights", "difficulties", "proposals", "correction_reason"),
    "late_dossiers": ("procedure", "dossier_code", "officer", "unit", "cause"),
    "explanations": ("item_label", "cause", "remedy", "responsible"),
    "figure_overrides": ("reason",),
    "api_tokens": ("name",),
}


def _repair(bind, table_name: str, columns: tuple[str, ...]) -> None:
    table = sa.table(table_name, sa.column("id"), *(sa.column(c) for c in columns))
    rows = bind.execute(sa.select(table)).mappings().all()
    for row in rows:
        changed = {}
        for column in columns:
            value = row[column]
            if isinstance(value, str) and (clean := without_forbidden(value)) != value:
                changed[column] = clean
        if changed:
            bind.execute(sa.update(table).where(table.c.id == row["id"]).values(**changed))


def _repair_task_codes(bind) -> None:
    tasks = sa.table("tasks", sa.column("id"), sa.column("commune_id"), sa.column("code"))
    rows = bind.execute(sa.select(tasks).order_by(tasks.c.id)).mappings().all()
    taken = {(r["commune_id"], r["code"]) for r in rows}
    for row in rows:
        clean = without_forbidden(row["code"] or "")
        if clean == row["code"]:
            continue
        if (row["commune_id"], clean) in taken or not clean:
            clean = f"{clean}-{row['id']}"
        taken.add((row["commune_id"], clean))
        bind.execute(sa.update(tasks).where(tasks.c.id == row["id"]).values(code=clean))


def upgrade():
    bind = op.get_bind()
    _repair_task_codes(bind)
    for table_name, columns in COLUMNS.items():
        _repair(bind, table_name, tuple(c for c in columns if not (table_name == "tasks" and c == "code")))


def downgrade():
    pass
