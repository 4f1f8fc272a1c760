"""Fixtures every test module shares: a real database per test, built by the real migrations, for
the commune app (``app``) and the city intake (``make_city``, ``city_app``); personas; clients;
quick password hashing; the server clock every test runs at (``helpers.TEST_NOW``), a
time-machine traveller (``frozen_clock``) a test moves with ``move_to``/``shift``, and ``noon``.

The database is a SQLite file. Test modules marked ``pytest.mark.engines`` run every test that
uses a database twice: on SQLite and on PostgreSQL (a throwaway cluster of Debian's PostgreSQL
that the tests start, ``tests/services.py``; each test gets its own database copied from a
migrated template). A machine without PostgreSQL fails those tests, so CI cannot pass by skipping
them; ``WARDAPP_ENGINES=optional`` (``make test ENGINES=optional``) turns that into a skip.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
import secrets
import shutil
from pathlib import Path

import flask_migrate
import pytest
import time_machine
from werkzeug.security import generate_password_hash

from wardapp import ROOT
from wardapp.app import create_app
from wardapp.city.app import create_app as create_city_app
from wardapp.city.extensions import city_db
from wardapp.core import clock
from wardapp.extensions import db

from . import factories, services
from .helpers import TEST_NOW, TODAY, IsolatedClient, signed_in

ROLES = ("staff", "leader", "reviewer", "admin")
ENGINES = ("sqlite", "postgresql")


def pytest_generate_tests(metafunc):
    if "db_engine" in metafunc.fixturenames and metafunc.definition.get_closest_marker("engines"):
        metafunc.parametrize("db_engine", ENGINES, indirect=True)


def unavailable(reason: str):
    """A server the tests need is missing: a failure, or a skip where the developer asked for it."""
    if os.environ.get("WARDAPP_ENGINES") == "optional":
        pytest.skip(f"{reason} (WARDAPP_ENGINES=optional)")
    pytest.fail(
        f"{reason}. Install it (make system, as root), or run `make test ENGINES=optional` to skip "
        "the PostgreSQL and object-store tests on this machine.",
        pytrace=False,
    )


@pytest.fixture
def db_engine(request) -> str:
    """The database the test runs on: ``sqlite`` unless the module is marked ``engines``."""
    return getattr(request, "param", "sqlite")


@pytest.fixture(scope="session")
def postgres():
    """One throwaway PostgreSQL cluster for the whole run, started on first use."""
    try:
        cluster = services.PostgresCluster().start()
    except services.Unavailable as error:
        unavailable(str(error))
    yield cluster
    cluster.stop()


@pytest.fixture(scope="session")
def migrated_postgres(postgres, tmp_path_factory) -> str:
    """A PostgreSQL database built by the commune app's migrations: the template of each test's."""
    name = postgres.create_database("wardapp_template")
    instance = tmp_path_factory.mktemp("migrated-pg")
    app = create_app({"INSTANCE_PATH": instance, "SECRET_KEY": "test", "SQLALCHEMY_DATABASE_URI": postgres.url(name)})
    with app.app_context():
        flask_migrate.upgrade()
        db.engine.dispose()
    return name


@pytest.fixture(scope="session")
def migrated_city_postgres(postgres, tmp_path_factory) -> str:
    """A PostgreSQL database built by the city's migrations: the template of each test's."""
    name = postgres.create_database("city_template")
    instance = tmp_path_factory.mktemp("city-migrated-pg")
    app = create_city_app(
        {
            "INSTANCE_PATH": instance,
            "SECRET_KEY": "test",
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": postgres.url(name),
        }
    )
    with app.app_context():
        flask_migrate.upgrade(directory=str(ROOT / "migrations" / "city"))
        city_db.engine.dispose()
    return name


@pytest.fixture(scope="session")
def s3_server():
    """One SeaweedFS S3 server on 127.0.0.1 for the whole run, started on first use, with one bucket."""
    try:
        server = services.SeaweedS3().start()
    except services.Unavailable as error:
        unavailable(str(error))
    server.bucket = server.create_bucket()
    yield server
    server.stop()


def city_engine_config(request, db_engine: str) -> dict:
    """The city intake's database and store for the test's engine.

    SQLite leg: the instance's SQLite file and its folder (the defaults). PostgreSQL leg: the
    production set-up, a PostgreSQL database and the object store (a prefix of its own in the S3
    server's bucket), with the secret key every server of a shared database must be given.
    """
    if db_engine != "postgresql":
        return {}
    s3 = request.getfixturevalue("s3_server")
    return {
        "SQLALCHEMY_DATABASE_URI": fresh_postgres(request, "migrated_city_postgres", "city_test"),
        **s3.settings(s3.bucket, prefix=f"test-{secrets.token_hex(6)}"),
    }


def fresh_postgres(request, template_fixture: str, prefix: str) -> str:
    """A new database copied from a migrated template, dropped after the test; returns its URL."""
    cluster = request.getfixturevalue("postgres")
    name = cluster.create_database(prefix, template=request.getfixturevalue(template_fixture))
    request.addfinalizer(lambda: cluster.drop_database(name))
    return cluster.url(name)


_session_clock = time_machine.travel(TEST_NOW, tick=True)


def pytest_configure(config):
    # Session fixtures and module constants see the same clock as the tests (not the real date).
    _session_clock.start()
    services.sign_s3_requests_with_the_real_clock()


def pytest_unconfigure(config):
    _session_clock.stop()


@pytest.fixture(autouse=True)
def frozen_clock():
    """Every test starts at ``TEST_NOW`` on the server's clock (time then runs on as usual), so no
    test depends on the hour the suite is run; ``WARDAPP_TEST_NOW`` moves that moment.

    The one clock of the tests: everything (``clock.now``, ``clock.utcnow``, the database's
    timestamps, both apps, live servers in threads) reads it. A test moves it by taking this
    traveller: ``frozen_clock.move_to(moment)`` or ``frozen_clock.shift(dt.timedelta(...))``;
    never monkeypatch ``wardapp.core.clock`` (the patched function and the rest would disagree).
    """
    with time_machine.travel(TEST_NOW, tick=True) as traveller:
        yield traveller


@pytest.fixture
def noon(frozen_clock) -> dt.datetime:
    """The server's clock stands still at 12:00 on ``TODAY`` (Vietnam time): before the 17:00
    deadline, so signing today is on time and signing yesterday late, whatever ``TEST_NOW`` is, and
    every moment the apps record is noon exactly. A test moves it on with ``frozen_clock.shift``."""
    moment = dt.datetime.combine(TODAY, dt.time(12, 0), tzinfo=clock.TZ)
    frozen_clock.move_to(moment, tick=False)
    return moment


@pytest.fixture(autouse=True)
def quick_password_hashing(monkeypatch):
    """One PBKDF2 round instead of scrypt's 0.1 s a hash, for both apps' accounts: no test here is
    about the hash's strength, and most tests create a few users and sign one in."""
    quick = functools.partial(generate_password_hash, method="pbkdf2:sha256:1")
    monkeypatch.setattr("wardapp.platform.models.generate_password_hash", quick)


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
def app(request, tmp_path, migrated_db, db_engine):
    config = {}
    if db_engine == "postgresql":
        config["SQLALCHEMY_DATABASE_URI"] = fresh_postgres(request, "migrated_postgres", "wardapp_test")
    app = make_app(tmp_path, migrated_db, **config)
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(scope="session")
def migrated_city(tmp_path_factory) -> Path:
    """Run the city's migrations once; each test's city intake gets a copy of the database file."""
    instance = tmp_path_factory.mktemp("city-migrated")
    app = create_city_app({"INSTANCE_PATH": instance, "SECRET_KEY": "test", "TESTING": True})
    with app.app_context():
        flask_migrate.upgrade(directory=str(ROOT / "migrations" / "city"))
        city_db.engine.dispose()
    return instance / "city.sqlite3"


@pytest.fixture
def make_city(request, tmp_path_factory, migrated_city, db_engine):
    """Makes a city intake on the test's engine (its own instance folder and database), with
    ``config`` on top of the test settings: ``make_city(CITY_PROVINCE_CODES="48,46")``."""
    made = []

    def make(**config):
        instance = tmp_path_factory.mktemp("city")
        shutil.copy(migrated_city, instance / "city.sqlite3")
        settings = {
            "INSTANCE_PATH": instance,
            "TESTING": True,
            "WTF_CSRF_ENABLED": False,
            "SECRET_KEY": "city-test-secret",
        }
        city = create_city_app(settings | city_engine_config(request, db_engine) | config)
        city.test_client_class = IsolatedClient
        made.append(city)
        return city

    yield make
    for city in made:
        with city.app_context():
            city_db.engine.dispose()


@pytest.fixture
def city_app(make_city):
    """The city intake on the test's engine (the commune app's ``app`` uses the same one)."""
    return make_city()


@pytest.fixture
def commune(app):
    return factories.make_commune()


@pytest.fixture
def users(app, commune):
    """One user per role, named after the role, password ``factories.PASSWORD``."""
    return {role: factories.make_user(commune, role) for role in ROLES}


@pytest.fixture
def client(app):
    """An anonymous browser of the commune app (``helpers.signed_in`` gives a signed-in one)."""
    return app.test_client()


@pytest.fixture
def staff(app, users):
    """The staff member's browser, signed in to the commune app."""
    return signed_in(app, "staff")


@pytest.fixture
def leader(app, users):
    """The leader's browser, signed in to the commune app."""
    return signed_in(app, "leader")


@pytest.fixture
def admin(app, users):
    """The admin's browser, signed in to the commune app."""
    return signed_in(app, "admin")


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
