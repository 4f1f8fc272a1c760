"""The city intake migrated once per session (its real migrations), a fresh copy for each test, and
a clock frozen at noon of a fixed day so deadlines and "today" never depend on when tests run."""

from __future__ import annotations

import datetime as dt
import functools
import shutil
from pathlib import Path

import flask_migrate
import pytest
from werkzeug.security import generate_password_hash

from wardapp import ROOT
from wardapp.city.app import create_app
from wardapp.city.extensions import city_db
from wardapp.core import clock

TODAY = dt.date(2026, 11, 20)


@pytest.fixture(autouse=True)
def quick_password_hashing(monkeypatch):
    quick = functools.partial(generate_password_hash, method="pbkdf2:sha256:1")
    monkeypatch.setattr("wardapp.platform.models.generate_password_hash", quick)


@pytest.fixture(scope="session")
def migrated_city(tmp_path_factory) -> Path:
    instance = tmp_path_factory.mktemp("city-desk-migrated")
    app = create_app({"INSTANCE_PATH": instance, "SECRET_KEY": "test", "TESTING": True})
    with app.app_context():
        flask_migrate.upgrade(directory=str(ROOT / "migrations" / "city"))
        city_db.engine.dispose()
    return instance / "city.sqlite3"


@pytest.fixture
def frozen(monkeypatch):
    """The clock reads 12:00 on TODAY (Vietnam time), before the 17:00 deadline."""
    moment = dt.datetime.combine(TODAY, dt.time(12, 0), tzinfo=clock.TZ)
    monkeypatch.setattr(clock, "now", lambda: moment)
    monkeypatch.setattr(clock, "today", lambda: moment.date())
    return moment


def make_city(tmp_path_factory, migrated_city, **config):
    instance = tmp_path_factory.mktemp("city-desk")
    shutil.copy(migrated_city, instance / "city.sqlite3")
    return create_app(
        {
            "INSTANCE_PATH": instance,
            "TESTING": True,
            "WTF_CSRF_ENABLED": False,
            "SECRET_KEY": "city-desk-test",
            **config,
        }
    )


@pytest.fixture
def city(tmp_path_factory, migrated_city, frozen):
    app = make_city(tmp_path_factory, migrated_city)
    yield app
    with app.app_context():
        city_db.engine.dispose()
