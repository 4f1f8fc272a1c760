"""Issue 11, item 8, for the city intake: no URL gives a 500 (Hypothesis over every route)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings

from wardapp.city.app import create_app as create_city_app
from wardapp.city.models import CityUser

from ..fuzzing import requests_for, routes

SKIP_POST = {"city.logout", "city.sign_out_everywhere"}
ROUTES = routes(
    create_city_app({"SECRET_KEY": "routes-only", "SQLALCHEMY_DATABASE_URI": "sqlite://", "TESTING": True}), SKIP_POST
)


@pytest.mark.parametrize(("rule", "methods", "keys"), ROUTES, ids=[r for r, _, _ in ROUTES])
def test_no_city_route_answers_a_5xx_whatever_its_path_and_query(city, rule, methods, keys):
    city.make_user("quantri", role="admin")
    with city.context() as session:
        admin_id = session.query(CityUser).one().get_id()

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
        client = city.app.test_client()
        with client.session_transaction() as session:
            session["_user_id"] = admin_id
            session["_fresh"] = True
        response = client.open(path, method=method, query_string=query, data={})
        assert response.status_code < 500, (method, path, query, response.status_code)

    check()
