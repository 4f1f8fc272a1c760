"""The city intake's tests: each test's city comes from ``make_city`` / ``city_app`` (tests/conftest.py,
the real migrations run once), and the clock reads noon of ``TODAY`` (before the 17:00 deadline), so
deadlines and "today" never depend on when tests run."""

from __future__ import annotations

import pytest

from ..helpers import TODAY

__all__ = ["TODAY"]


@pytest.fixture
def city(make_city, noon):
    """A city intake with no commune enrolled, at noon."""
    return make_city()
