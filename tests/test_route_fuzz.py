"""Issue 11, item 8, for the commune app: no URL gives a 500 (Hypothesis over every route, each
route on its own so every one gets its share of awkward values)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings

from wardapp.app import create_app
from wardapp.core import clock
from wardapp.extensions import db

from . import factories
from .fuzzing import requests_for, routes
from .helpers import isolated_client

# POSTs that end the test's own session would only make later examples test the sign-in page.
SKIP_POST = {"auth.logout", "auth.sign_out_everywhere"}
ROUTES = routes(create_app({"SECRET_KEY": "routes-only", "SQLALCHEMY_DATABASE_URI": "sqlite://"}), SKIP_POST)


def persona(path: str) -> str:
    """Who asks: the admin for admin pages, a reviewer for PDFs, else the leader (who sees most)."""
    if path.startswith("/admin"):
        return "admin"
    return "reviewer" if path.startswith(("/pdf", "/api")) else "leader"


@pytest.mark.parametrize(("rule", "methods", "keys"), ROUTES, ids=[r for r, _, _ in ROUTES])
def test_no_route_answers_a_5xx_whatever_its_path_and_query(app, commune, users, rule, methods, keys):
    factories.make_report(commune, clock.today(), users["staff"])
    db.session.commit()
    ids = {role: user.get_id() for role, user in users.items()}

    @settings(
        max_examples=15,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(request=requests_for(rule, methods, keys))
    def check(request):
        method, path, query = request
        client = isolated_client(app)
        with client.session_transaction() as session:
            session["_user_id"] = ids[persona(path)]
            session["_fresh"] = True
        response = client.open(path, method=method, query_string=query, data={})
        assert response.status_code < 500, (method, path, query, response.status_code)

    check()
