"""The commune's Ed25519 keys: exported as a public JWK, rotated without orphaning old reports, the
private half readable by its owner only."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import stat
from pathlib import Path

import pytest

from wardapp.delivery.sender import send_due
from wardapp.extensions import db
from wardapp.signing.models import SigningKey
from wardapp.signing.operations import sign_report

from ..helpers import TODAY
from . import support

pytestmark = pytest.mark.engines  # on SQLite and on PostgreSQL


def thumbprint(jwk: dict) -> str:
    canonical = json.dumps({"crv": jwk["crv"], "kty": jwk["kty"], "x": jwk["x"]}, separators=(",", ":"), sort_keys=True)
    return base64.urlsafe_b64encode(hashlib.sha256(canonical.encode()).digest()).decode().rstrip("=")


def cli(app, *args: str):
    result = app.test_cli_runner().invoke(args=list(args))
    assert result.exit_code == 0, result.output
    return result


def test_it_exports_the_active_public_key_as_a_jwk_named_by_its_thumbprint(app, commune):
    jwk = json.loads(cli(app, "keys", "export", "--key-only").output)

    assert set(jwk) == {"kty", "crv", "x", "kid"}  # no private "d"
    assert (jwk["kty"], jwk["crv"]) == ("OKP", "Ed25519")
    assert len(base64.urlsafe_b64decode(jwk["x"] + "=")) == 32
    assert jwk["kid"] == thumbprint(jwk)
    assert json.loads(cli(app, "keys", "export", "--key-only").output) == jwk  # exporting makes no new key
    enrolment = json.loads(cli(app, "keys", "export").output)  # what the city is given: the same key
    assert enrolment["format"] == "wardapp-enrolment" and enrolment["key"] == jwk
    assert enrolment["commune"]["code"] == "20242" and enrolment["pdf_ca"]


def test_it_keeps_the_private_key_readable_by_its_owner_only(app, commune):
    kid = json.loads(cli(app, "keys", "export", "--key-only").output)["kid"]
    folder = Path(app.instance_path) / "keys"

    assert stat.S_IMODE((folder / f"{kid}.jwk").stat().st_mode) == 0o600
    assert stat.S_IMODE(folder.stat().st_mode) & 0o077 == 0
    private = json.loads((folder / f"{kid}.jwk").read_text())
    assert "d" in private and private["x"] == json.loads(cli(app, "keys", "export", "--key-only").output)["x"]


def test_it_rotates_to_a_new_key_and_keeps_the_old_public_half(app, commune):
    old = json.loads(cli(app, "keys", "export", "--key-only").output)

    new = json.loads(cli(app, "keys", "rotate").output)

    assert new["kid"] != old["kid"] and "d" not in new
    assert json.loads(cli(app, "keys", "export", "--key-only").output) == new
    rows = {row.kid: row for row in db.session.scalars(db.select(SigningKey))}
    assert rows[old["kid"]].retired_at is not None and rows[new["kid"]].retired_at is None
    folder = Path(app.instance_path) / "keys"
    assert stat.S_IMODE((folder / f"{new['kid']}.jwk").stat().st_mode) == 0o600
    actions = support.audit_actions()
    assert actions.count("key.created") == 2 and actions.count("key.retired") == 1


def test_it_keeps_old_revisions_verifiable_at_the_city_after_a_rotation(app, wired, commune, users, tmp_path):
    yesterday = TODAY - dt.timedelta(days=1)
    old_report = support.ready_day(commune, users, yesterday, photos=1)
    old_rev = sign_report(commune, old_report, users["leader"], "Quên ký")
    assert send_due() == {"accepted": 1}
    old_token, old_photos = old_rev.jws, support.photo_parts(old_rev)

    new = json.loads(cli(app, "keys", "rotate").output)
    jwk_file = tmp_path / "new.jwk"
    jwk_file.write_text(json.dumps(new))
    with wired.app.app_context():
        refused = wired.app.test_cli_runner().invoke(args=["city", "enrol", "20242", str(jwk_file)])
        enrolled = wired.app.test_cli_runner().invoke(args=["city", "enrol", "20242", str(jwk_file), "--add-key"])
    assert refused.exit_code != 0 and "đã có 1 khóa đang dùng" in refused.output
    assert enrolled.exit_code == 0 and new["kid"] in enrolled.output

    report = support.ready_day(commune, users, TODAY, photos=1)
    new_rev = sign_report(commune, report, users["leader"], "Chờ số liệu")
    assert new_rev.kid == new["kid"] != old_rev.kid
    assert send_due() == {"accepted": 1}

    again = support.push(wired.url, old_token, old_photos)
    assert again.status_code == 200  # the old signature still verifies after the rotation
    assert {(r["report_id"], r["kid"]) for r in wired.received()} == {
        (old_rev.report_key, old_rev.kid),
        (new_rev.report_key, new["kid"]),
    }


def test_it_signs_with_the_new_key_only_once_the_city_knows_it(app, wired, commune, users):
    cli(app, "keys", "rotate")
    report = support.ready_day(commune, users, TODAY, photos=0)
    sign_report(commune, report, users["leader"], "Chờ số liệu")

    assert send_due() == {"rejected": 1}

    entry = support.outbox_entry()
    assert entry.last_status == 401 and "unknown_key" in entry.last_error


def test_it_refuses_to_enrol_a_jwk_whose_kid_is_not_its_thumbprint(app, city, commune, tmp_path):
    jwk = json.loads(cli(app, "keys", "export", "--key-only").output) | {"kid": "not-the-thumbprint"}
    jwk_file = tmp_path / "bad.jwk"
    jwk_file.write_text(json.dumps(jwk))

    with city.app.app_context():
        result = city.app.test_cli_runner().invoke(args=["city", "enrol", "20242", str(jwk_file)])

    assert result.exit_code != 0 and "dấu vân tay RFC 7638" in result.output
    assert city.rows(support.CityKey) == []


def test_it_refuses_to_enrol_a_commune_of_another_province(app, city, commune, tmp_path):
    jwk_file = tmp_path / "key.jwk"
    jwk_file.write_text(cli(app, "keys", "export", "--key-only").output)

    with city.app.app_context():
        result = city.app.test_cli_runner().invoke(args=["city", "enrol", "00004", str(jwk_file)])

    assert result.exit_code != 0 and "không thuộc tỉnh/thành phố 48" in result.output
