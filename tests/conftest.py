"""Fixtures: a real SQLite file per test, built by the real migrations; personas; log-in helper;
the server clock every test runs at (``helpers.TEST_NOW``)."""

from __future__ import annotations

import shutil
from pathlib import Path

import flask_migrate
import pytest
import time_machine

from wardapp.app import create_app
from wardapp.extensions import db

from . import factories
from .helpers import TEST_NOW, IsolatedClient

ROLES = ("staff", "leader", "reviewer", "admin")


_session_clock = time_machine.travel(TEST_NOW, tick=True)


def pytest_configure(config):
    # Session fixtures and module constants see the same clock as the tests (not the real date).
    _session_clock.start()


def pytest_unconfigure(config):
    _session_clock.stop()


@pytest.fixture(autouse=True)
def frozen_clock():
    """Every test starts at ``TEST_NOW`` on the server's clock (time then runs on as usual), so no
    test depends on the hour the suite is run; ``WARDAPP_TEST_NOW`` moves that moment."""
    with time_machine.travel(TEST_NOW, tick=True) as traveller:
        yield traveller


@pytest.fixture(scope="session")
def migrated_db(tmp_path_factory) -> Path:
    """Run the migrations once; each test gets a copy of the resulting database file."""
    instance = tmp_path_factory.mktemp("migrated")
    app = create_app({"INSTANCE_PATH": instance, "SECRET_KEY": "test"})
    with app.app_context():
        flask_migrate.upgrade()
        db.engine.dispose()
    return instance / "wardapp.sqlite3"


def make_app(instance: Path, migrated_db: Path, **config):
    shutil.copy(migrated_db, instance / "wardapp.sqlite3")
    settings = {
        "INSTANCE_PATH": instance,
        "TESTING": True,
        "WTF_CSRF_ENABLED": False,
        "SECRET_KEY": "test-secret",
    } | config
    app = create_app(settings)
    app.test_client_class = IsolatedClient  # every request in its own app context, as in production
    return app


@pytest.fixture
def app(tmp_path, migrated_db):
    app = make_app(tmp_path, migrated_db)
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def commune(app):
    return factories.make_commune()


@pytest.fixture
def users(app, commune):
    """One user per role, named after the role, password ``factories.PASSWORD``."""
    return {role: factories.make_user(commune, role) for role in ROLES}


@pytest.fixture
def client(app):
    return app.test_client()


class Auth:
    def __init__(self, client):
        self.client = client

    def login(self, username: str, password: str = factories.PASSWORD):
        return self.client.post("/login", data={"username": username, "password": password})

    def logout(self):
        return self.client.post("/logout")


@pytest.fixture
def auth(client):
    return Auth(client)
