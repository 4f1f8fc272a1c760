"""The city intake under attack, tried again as the attack battery made it (issue 11, items 1 and 4):
password guessing over real HTTP, a second key slipped in for an enrolled commune, and sessions
that outlive their sign-out."""

from __future__ import annotations

import json
import re

import requests
from joserfc.jwk import OKPKey

from wardapp.city.models import CityAudit

from . import support

ATTACKER, OFFICE = "192.0.2.66", "203.0.113.10"


def http_sign_in(base: str, username: str, password: str) -> tuple[requests.Session, requests.Response]:
    browser = requests.Session()
    page = browser.get(f"{base}/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    answer = browser.post(
        f"{base}/login",
        data={"username": username, "password": password, "csrf_token": token},
        allow_redirects=False,
    )
    return browser, answer


def login_error(html: str) -> str:
    match = re.search(r'id="login-error">([^<]*)<', html)
    return match.group(1) if match else ""


def test_25_wrong_passwords_then_the_right_one_do_not_sign_in(city_app, city):
    """The attack as made: guesses over HTTP, then the admin's real password, from the same place."""
    city_app.config["WTF_CSRF_ENABLED"] = True
    city.make_user("quantri", role="admin")
    city.start()
    answers = [http_sign_in(city.url, "quantri", f"doan-{i}")[1] for i in range(25)]
    _, right = http_sign_in(city.url, "quantri", support.CITY_PASSWORD)

    assert {a.status_code for a in answers[:5]} == {401}
    assert right.status_code in (401, 429)
    assert "wardapp_city_session" not in right.cookies or right.status_code != 303
    assert len({login_error(a.text) for a in answers[:5]}) == 1  # the same words every time


def test_an_unknown_name_and_a_wrong_password_read_the_same(city):
    city.make_user()
    client = city.app.test_client()
    unknown = client.post("/login", data={"username": "khong-co", "password": "x"})
    wrong = client.post("/login", data={"username": "sokhcn", "password": "x"})

    assert unknown.status_code == wrong.status_code == 401
    assert login_error(unknown.get_data(as_text=True)) == login_error(wrong.get_data(as_text=True)) != ""


def test_the_owner_signs_in_from_the_usual_place_while_attacked_elsewhere(city):
    city.make_user()
    client = city.app.test_client()
    office = {"REMOTE_ADDR": OFFICE}
    assert (
        client.post(
            "/login", data={"username": "sokhcn", "password": support.CITY_PASSWORD}, environ_base=office
        ).status_code
        == 303
    )
    client.post("/logout", environ_base=office)
    for _ in range(10):
        city.app.test_client().post(
            "/login", data={"username": "sokhcn", "password": "sai"}, environ_base={"REMOTE_ADDR": ATTACKER}
        )

    from_attacker = city.app.test_client().post(
        "/login", data={"username": "sokhcn", "password": support.CITY_PASSWORD}, environ_base={"REMOTE_ADDR": ATTACKER}
    )
    from_office = city.app.test_client().post(
        "/login", data={"username": "sokhcn", "password": support.CITY_PASSWORD}, environ_base=office
    )

    assert from_attacker.status_code == 401
    assert from_office.status_code == 303


def test_the_admin_sees_the_lock_with_its_source_and_unlocks_it(city):
    city.make_user()
    city.make_user("quantri", role="admin")
    for _ in range(5):
        city.app.test_client().post(
            "/login", data={"username": "sokhcn", "password": "sai"}, environ_base={"REMOTE_ADDR": ATTACKER}
        )
    admin = city.signed_in("quantri")

    page = admin.get("/security").get_data(as_text=True)
    row = re.search(r'id="lock-sokhcn">(.*?)</tr>', page, re.S).group(1)
    assert ATTACKER in row

    admin.post("/security", data={"username": "sokhcn"})

    assert 'id="lock-sokhcn"' not in admin.get("/security").get_data(as_text=True)
    city.signed_in("sokhcn")  # asserts the sign-in works again
    assert city.signed_in("sokhcn").get("/security").status_code == 403  # reviewers do not see it


def other_jwk() -> dict:
    key = OKPKey.generate_key("Ed25519")
    return {**key.as_dict(private=False), "kid": key.thumbprint()}


def test_a_second_key_for_an_enrolled_commune_needs_the_password_again_and_is_audited(app, city, commune):
    city.make_user("quantri", role="admin")
    first = support.public_jwk()
    admin = city.signed_in("quantri")
    assert admin.post("/communes", data={"code": "20242", "jwk": json.dumps(first)}).status_code == 303
    forged = other_jwk()

    asked = admin.post("/communes", data={"code": "20242", "jwk": json.dumps(forged)})
    wrong = admin.post("/communes", data={"code": "20242", "jwk": json.dumps(forged), "password": "doan-bua"})

    assert asked.status_code == 422 and 'id="confirm-enrol"' in asked.get_data(as_text=True)
    assert first["kid"] in asked.get_data(as_text=True)  # the page shows the key the commune has
    assert wrong.status_code == 422 and "Mật khẩu xác nhận không đúng." in wrong.get_data(as_text=True)
    assert [k["kid"] for k in city.rows(support.CityKey)] == [first["kid"]]

    added = admin.post(
        "/communes", data={"code": "20242", "jwk": json.dumps(forged), "password": support.CITY_PASSWORD}
    )

    assert added.status_code == 303
    keys = city.rows(support.CityKey)
    assert [(k["kid"], k["enrolled_by"]) for k in keys] == [(first["kid"], "quantri"), (forged["kid"], "quantri")]
    page = admin.get("/communes").get_data(as_text=True)
    assert forged["kid"] in page and "2 khóa" in page
    audit = [(r["action"], r["actor"]) for r in city.rows(CityAudit) if r["action"].startswith(("key", "commune"))]
    assert audit == [("commune.enrolled", "quantri"), ("key.confirm_failed", "quantri"), ("key.added", "quantri")]


def test_a_cookie_captured_before_logout_does_not_work_after_it(city_app, city):
    city_app.config["WTF_CSRF_ENABLED"] = True
    city.make_user()
    city.start()
    browser, answer = http_sign_in(city.url, "sokhcn", support.CITY_PASSWORD)
    assert answer.status_code == 303
    captured = dict(browser.cookies)
    assert requests.get(f"{city.url}/", cookies=captured, allow_redirects=False).status_code == 200

    page = browser.get(f"{city.url}/")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    browser.post(f"{city.url}/logout", data={"csrf_token": token}, allow_redirects=False)

    replay = requests.get(f"{city.url}/", cookies=captured, allow_redirects=False)
    assert replay.status_code == 302 and "/login" in replay.headers["Location"]


def test_sign_out_everywhere_ends_the_other_sessions(city):
    city.make_user()
    laptop, phone = city.signed_in(), city.signed_in()
    assert phone.get("/").status_code == 200

    laptop.post("/sign-out-everywhere")

    assert phone.get("/").status_code == 302
    assert laptop.get("/").status_code == 302
