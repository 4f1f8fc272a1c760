"""Fixtures for sign-and-send: the city intake (``city_app``, tests/conftest.py) served for real on
127.0.0.1, the commune app pointed at it, and a scripted stand-in for the city."""

from __future__ import annotations

import pytest

from . import support


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
def scripted(app):
    """A scripted stand-in for the city on 127.0.0.1, and the commune app pointed at it."""
    script = support.ScriptedCity()
    served = support.Served(script).start()
    app.config["CITY_URL"] = served.url
    yield script
    script.released.set()
    served.stop()
