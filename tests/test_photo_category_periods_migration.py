"""Migration 7e3b2a1c9d42 (photo category periods) on SQLite and on PostgreSQL, with data: it
changes no day's checklist on the way up, and gives ``valid_from`` back on the way down."""

from __future__ import annotations

import datetime as dt

import flask_migrate
import pytest
import sqlalchemy as sa

from wardapp.app import create_app
from wardapp.extensions import db

pytestmark = pytest.mark.engines

BEFORE, PERIODS = "5c1f0e9a7d21", "7e3b2a1c9d42"
MADE_LATER = dt.date(2026, 11, 10)
# key: (active, required, valid_from) as the previous schema stored them
ROWS = {
    "exterior": (True, True, None),  # asked for from the start
    "board": (True, True, MADE_LATER),  # added (or made required) later
    "online_corner": (False, True, None),  # turned off: on no day, as every screen shows it now
    "optional": (True, False, None),  # offered, never required
}


@pytest.fixture
def database(request, tmp_path, db_engine) -> str:
    if db_engine == "sqlite":
        return f"sqlite:///{tmp_path / 'periods.sqlite3'}"
    cluster = request.getfixturevalue("postgres")
    name = cluster.create_database("periods")
    request.addfinalizer(lambda: cluster.drop_database(name))
    return cluster.url(name)


@pytest.fixture
def migration_app(tmp_path, database):
    app = create_app({"INSTANCE_PATH": tmp_path, "SECRET_KEY": "test", "SQLALCHEMY_DATABASE_URI": database})
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


def _insert_categories() -> dict[str, int]:
    with db.engine.begin() as connection:
        connection.execute(
            sa.text(
                "INSERT INTO communes (id, code, name, province_code, province_name, deadline) "
                "VALUES (1, '20242', 'Phường Hải Châu', '48', 'Đà Nẵng', '17:00:00')"
            )
        )
        for position, (key, (active, required, valid_from)) in enumerate(ROWS.items()):
            connection.execute(
                sa.text(
                    "INSERT INTO photo_categories (commune_id, key, label, required, position, active, valid_from) "
                    "VALUES (1, :key, :key, :required, :position, :active, :valid_from)"
                ),
                {"key": key, "required": required, "position": position, "active": active, "valid_from": valid_from},
            )
        rows = connection.execute(sa.text("SELECT key, id FROM photo_categories"))
        return {row.key: row.id for row in rows}


def _periods(ids: dict[str, int]) -> dict[str, list[tuple]]:
    with db.engine.connect() as connection:
        rows = connection.execute(
            sa.text("SELECT category_id, valid_from, retired_from FROM photo_category_periods ORDER BY id")
        ).all()
    by_id = {v: k for k, v in ids.items()}
    found: dict[str, list[tuple]] = {key: [] for key in ids}
    for category_id, valid_from, retired_from in rows:
        found[by_id[category_id]].append((_day(valid_from), _day(retired_from)))
    return found


def _day(value) -> dt.date | None:
    return dt.date.fromisoformat(value) if isinstance(value, str) else value


def test_the_periods_migration_keeps_every_days_checklist_and_goes_back(migration_app):
    flask_migrate.upgrade(revision=BEFORE)
    ids = _insert_categories()

    flask_migrate.upgrade(revision=PERIODS)

    assert _periods(ids) == {
        "exterior": [(None, None)],
        "board": [(MADE_LATER, None)],
        "online_corner": [],
        "optional": [],
    }
    assert "valid_from" not in {c["name"] for c in sa.inspect(db.engine).get_columns("photo_categories")}

    # The models read it as the old rule did: each day's checklist is what it was.
    from wardapp.evidence.operations import categories_in_force

    db.session.remove()
    for day in (MADE_LATER - dt.timedelta(days=1), MADE_LATER):
        expected = [k for k, (active, required, since) in ROWS.items() if active and required and (since or day) <= day]
        assert [c.key for c in categories_in_force(1, day)] == expected
    db.session.remove()

    flask_migrate.downgrade(revision=BEFORE)

    with db.engine.connect() as connection:
        back = dict(connection.execute(sa.text("SELECT key, valid_from FROM photo_categories")).all())
    assert {k: _day(v) for k, v in back.items()} == {k: since for k, (_, _, since) in ROWS.items()}
    assert "photo_category_periods" not in sa.inspect(db.engine).get_table_names()
