"""Every migration of both apps runs on SQLite and on PostgreSQL: up to the head, down to nothing
and up again, leaving the schema the models describe."""

from __future__ import annotations

import flask_migrate
import pytest
from sqlalchemy import inspect

from wardapp import ROOT
from wardapp.app import create_app
from wardapp.city.app import create_app as create_city_app
from wardapp.city.extensions import city_db
from wardapp.extensions import db

pytestmark = pytest.mark.engines  # on SQLite and on PostgreSQL


@pytest.fixture
def empty_database(request, tmp_path, db_engine) -> str:
    if db_engine == "sqlite":
        return f"sqlite:///{tmp_path / 'empty.sqlite3'}"
    cluster = request.getfixturevalue("postgres")
    name = cluster.create_database("migrations")
    request.addfinalizer(lambda: cluster.drop_database(name))
    return cluster.url(name)


def tables(engine) -> set[str]:
    return set(inspect(engine).get_table_names()) - {"alembic_version"}


def test_the_commune_apps_migrations_go_up_down_and_up_again(tmp_path, empty_database):
    app = create_app({"INSTANCE_PATH": tmp_path, "SECRET_KEY": "test", "SQLALCHEMY_DATABASE_URI": empty_database})
    with app.app_context():
        try:
            flask_migrate.upgrade()
            assert tables(db.engine) == set(db.metadata.tables)
            flask_migrate.downgrade(revision="base")
            assert tables(db.engine) == set()
            flask_migrate.upgrade()
            assert tables(db.engine) == set(db.metadata.tables)
        finally:
            db.session.remove()
            db.engine.dispose()


def test_the_city_intakes_migrations_go_up_down_and_up_again(tmp_path, empty_database):
    directory = str(ROOT / "migrations" / "city")
    app = create_city_app(
        {"INSTANCE_PATH": tmp_path, "SECRET_KEY": "test", "TESTING": True, "SQLALCHEMY_DATABASE_URI": empty_database}
    )
    with app.app_context():
        try:
            flask_migrate.upgrade(directory=directory)
            assert tables(city_db.engine) == set(city_db.metadata.tables)
            flask_migrate.downgrade(directory=directory, revision="base")
            assert tables(city_db.engine) == set()
            flask_migrate.upgrade(directory=directory)
            assert tables(city_db.engine) == set(city_db.metadata.tables)
        finally:
            city_db.session.remove()
            city_db.engine.dispose()
