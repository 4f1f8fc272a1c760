"""Fixtures for sign-and-send: the city intake migrated in its own instance and served for real on
127.0.0.1, the commune app pointed at it, and signed-in clients."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import flask_migrate
import pytest

from wardapp import ROOT
from wardapp.city.app import create_app as create_city_app
from wardapp.city.extensions import city_db
from wardapp.core import clock

from ..conftest import city_engine_config
from . import support


@pytest.fixture(autouse=True)
def quick_password_hashing(monkeypatch):
    support.use_quick_password_hashing(monkeypatch)


@pytest.fixture(scope="session")
def migrated_city_db(tmp_path_factory) -> Path:
    """Run the city's migrations once; each test gets a copy of the database file."""
    instance = tmp_path_factory.mktemp("city-migrated")
    app = create_city_app({"INSTANCE_PATH": instance, "SECRET_KEY": "test"})
    with app.app_context():
        flask_migrate.upgrade(directory=str(ROOT / "migrations" / "city"))
        city_db.engine.dispose()
    return instance / "city.sqlite3"


@pytest.fixture
def city_app(request, tmp_path_factory, migrated_city_db, db_engine):
    """The city intake on the test's engine (the commune app's ``app`` uses the same one)."""
    instance = tmp_path_factory.mktemp("city")
    shutil.copy(migrated_city_db, instance / "city.sqlite3")
    config = {"INSTANCE_PATH": instance, "TESTING": True, "WTF_CSRF_ENABLED": False, "SECRET_KEY": "city-test-secret"}
    app = create_city_app(config | city_engine_config(request, db_engine))
    yield app
    with app.app_context():
        city_db.engine.dispose()


@pytest.fixture
def city(city_app):
    """The city intake, listening on a free port of 127.0.0.1 (not started: see ``live_city``)."""
    server = support.City(city_app)
    yield server
    server.stop()


@pytest.fixture
def live_city(city):
    return city.start()


@pytest.fixture
def wired(app, live_city, commune, users):
    """The commune app sending to the live city, which knows the commune's key."""
    app.config["CITY_URL"] = live_city.url
    support.enrol_commune(live_city)
    return live_city


@pytest.fixture
def leader(app, users):
    """The leader's browser, signed in to the commune app."""
    return support.signed_in(app, "leader")


@pytest.fixture
def noon(monkeypatch):
    """The server's clock reads 12:00 today (Đà Nẵng) for the whole test, for both apps: deadlines
    decide whether a signature is late, not the hour the tests happen to run."""
    moment = dt.datetime.combine(dt.datetime.now(clock.TZ).date(), dt.time(12, 0), tzinfo=clock.TZ)
    monkeypatch.setattr(clock, "now", lambda: moment)
    return moment


@pytest.fixture
def scripted(app):
    """A scripted stand-in for the city on 127.0.0.1, and the commune app pointed at it."""
    script = support.ScriptedCity()
    served = support.Served(script).start()
    app.config["CITY_URL"] = served.url
    yield script
    script.released.set()
    served.stop()
