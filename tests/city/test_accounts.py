"""The city's accounts follow the commune's account policy (issue 21, "Also"): the username's form
and the password's minimum length, one rule (``wardapp.platform.accounts``) both apps apply when an
account is made. An account made before the rule keeps signing in."""

from __future__ import annotations

import pytest

from wardapp.city.extensions import city_db
from wardapp.city.models import CityAudit, CityUser
from wardapp.platform import accounts

from . import support

REFUSED_USERNAMES = ["Sở KHCN", "ab", "tran van tham", "x" * 65, "admin;drop", "thẩm"]


def create_user(city, *args: str):
    return city.test_cli_runner().invoke(
        args=["city", "create-user", "--full-name", "Trần Văn Thẩm", *args], catch_exceptions=False
    )


def usernames(city) -> list[str]:
    with city.app_context():
        return list(city_db.session.scalars(city_db.select(CityUser.username)))


@pytest.mark.parametrize("username", REFUSED_USERNAMES)
def test_create_user_refuses_a_username_the_commune_refuses(city, username):
    result = create_user(city, "--username", username, "--password", "mat-khau-du-dai")

    assert result.exit_code != 0
    assert "username" in result.output and "Từ 3 đến 64 ký tự" in result.output
    assert usernames(city) == []


def test_create_user_refuses_a_short_password(city):
    result = create_user(city, "--username", "thamtv", "--password", "1234567")

    assert result.exit_code != 0
    assert f"ít nhất {accounts.MIN_PASSWORD} ký tự" in result.output
    assert usernames(city) == []


def test_an_account_within_the_policy_is_made_audited_and_signs_in(city):
    result = create_user(city, "--username", " ThamTV ", "--password", support.PASSWORD)

    assert result.exit_code == 0, result.output
    assert usernames(city) == ["thamtv"]
    with city.app_context():
        assert [a.action for a in city_db.session.scalars(city_db.select(CityAudit))] == ["user.created"]
    support.signed_in(city, "thamtv")


def test_a_generated_password_meets_the_policy(city):
    result = create_user(city, "--username", "thamtv")

    secret = result.output.rsplit("password: ", 1)[1].strip()
    assert result.exit_code == 0 and accounts.password_problem(secret) is None


def test_an_account_made_before_the_policy_keeps_signing_in(city):
    # As the older create-user made it: any text, lower-cased; a three-character password.
    with city.app_context():
        user = CityUser(username="sở khcn", full_name="Cán bộ cũ", role="reviewer", provinces="")
        user.set_password("123")
        city_db.session.add(user)
        city_db.session.commit()

    answer = city.test_client().post("/login", data={"username": "Sở KHCN", "password": "123"})

    assert answer.status_code == 303


def set_password(city, *args: str):
    return city.test_cli_runner().invoke(args=["city", "set-password", *args], catch_exceptions=False)


def test_an_old_account_meets_the_policy_when_its_password_is_set(city):
    with city.app_context():
        user = CityUser(username="thamtv", full_name="Cán bộ cũ", role="reviewer", provinces="")
        user.set_password("123")
        city_db.session.add(user)
        city_db.session.commit()
    browser = city.test_client()
    assert browser.post("/login", data={"username": "thamtv", "password": "123"}).status_code == 303

    refused = set_password(city, "--username", "thamtv", "--password", "1234567")
    assert refused.exit_code != 0 and f"ít nhất {accounts.MIN_PASSWORD} ký tự" in refused.output

    result = set_password(city, "--username", "ThamTV", "--password", support.PASSWORD)

    assert result.exit_code == 0, result.output
    assert browser.get("/").status_code == 302  # the session signed in with the old password ended
    assert city.test_client().post("/login", data={"username": "thamtv", "password": "123"}).status_code == 401
    support.signed_in(city, "thamtv")
    with city.app_context():
        actions = [a.action for a in city_db.session.scalars(city_db.select(CityAudit).order_by(CityAudit.id))]
    assert actions == ["login", "user.password_set", "sessions.ended", "login.failed", "login"]


def test_set_password_names_an_unknown_account(city):
    result = set_password(city, "--username", "khongco")

    assert result.exit_code != 0 and "Không có tài khoản này" in result.output


def test_the_commune_applies_the_same_rule(app):
    from wardapp.auth.operations import check_user_fields

    for username in REFUSED_USERNAMES:
        errors = check_user_fields(
            {"username": username, "full_name": "A", "role": "staff", "password": "1234567"}, creating=True
        )
        assert errors["username"] == accounts.username_problem(username)
        assert errors["password"] == accounts.password_problem("1234567")
