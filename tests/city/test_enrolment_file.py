"""The enrolment file (core/enrolment.py): what the commune hands the city, enrolled whole or not
at all, on the command line, in bulk and on the admin page."""

from __future__ import annotations

import base64
import datetime as dt
import io
import json

import pytest

from tests.city import support
from wardapp.city.extensions import city_db
from wardapp.city.models import CityAudit, CityKey, CityTrustedCA
from wardapp.core import enrolment
from wardapp.core.pdf import certificates

NOW = dt.datetime(2026, 11, 20, 10, 0, tzinfo=dt.UTC)


def _ca(tmp_path, name: str):
    return certificates.make_local_ca(tmp_path / name, "Thành phố Đà Nẵng", "Phường Hải Châu", NOW)


def enrolment_file(commune: support.Commune, cas, code: str | None = None) -> dict:
    """What `flask --app wsgi keys export` prints for ``commune`` (its key and CAs)."""
    unit = commune.unit
    public = {**commune.key.as_dict(private=False), "kid": commune.key.thumbprint()}
    return enrolment.build(
        code=code or unit.code,
        name=unit.name,
        province_code=unit.province_code,
        jwk=public,
        private_key=commune.key,
        ca_certificates=cas,
        made_at=NOW,
    )


def _write(tmp_path, name: str, document: dict):
    path = tmp_path / name
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    return path


def _cli(city, *args):
    with city.app_context():
        return city.test_cli_runner().invoke(args=["city", *args])


def _trusted(city, code: str) -> int:
    with city.app_context():
        return len(city_db.session.scalars(city_db.select(CityTrustedCA).filter_by(commune_code=code)).all())


def _audit(city) -> list[tuple[str, str, str]]:
    with city.app_context():
        rows = city_db.session.scalars(city_db.select(CityAudit).order_by(CityAudit.id)).all()
        return [(r.action, r.actor, r.target) for r in rows]


def test_one_file_enrols_the_key_and_the_ca_together(city, tmp_path):
    commune = support.Commune("20242")
    path = _write(tmp_path, "20242.json", enrolment_file(commune, [_ca(tmp_path, "ca")]))
    result = _cli(city, "enrol", str(path))
    assert result.exit_code == 0, result.output
    assert "Enrolled 20242" in result.output and "Trusted for its PDFs" in result.output
    assert _trusted(city, "20242") == 1
    assert ("commune.enrolled", "cli", "20242 Phường Hải Châu") in _audit(city)
    assert ("ca.enrolled", "cli", "20242") in _audit(city)
    again = _cli(city, "enrol", str(path))  # the same file twice: nothing new, nothing to confirm
    assert again.exit_code == 0 and _trusted(city, "20242") == 1


@pytest.mark.parametrize(
    "tamper",
    ["code", "ca", "key", "proof"],
)
def test_a_file_whose_parts_do_not_belong_together_is_refused_whole(city, tmp_path, tamper):
    commune, other = support.Commune("20242"), support.Commune("20194")
    document = enrolment_file(commune, [_ca(tmp_path, "ca")])
    if tamper == "code":
        document["commune"]["code"] = "20194"
    elif tamper == "ca":  # somebody's own CA put in place of the commune's
        document["pdf_ca"] = enrolment_file(other, [_ca(tmp_path, "theirs")])["pdf_ca"]
    elif tamper == "key":
        document["key"] = {**other.key.as_dict(private=False), "kid": other.key.thumbprint()}
    else:
        document["proof"] = enrolment_file(other, [_ca(tmp_path, "theirs")])["proof"]
    result = _cli(city, "enrol", str(_write(tmp_path, "x.json", document)))
    assert result.exit_code == 1
    assert "không khớp nhau" in result.output or "không phải" in result.output
    with city.app_context():
        assert city_db.session.scalar(city_db.select(CityKey)) is None
    assert _trusted(city, "20242") == 0 and _trusted(city, "20194") == 0


def test_a_code_given_beside_the_file_must_be_the_files(city, tmp_path):
    path = _write(tmp_path, "20242.json", enrolment_file(support.Commune("20242"), [_ca(tmp_path, "ca")]))
    result = _cli(city, "enrol", "20194", str(path))
    assert result.exit_code == 1 and "là của xã/phường 20242, không phải 20194" in result.output


def test_an_older_key_only_file_enrols_with_a_warning(city, tmp_path):
    commune = support.Commune("20242")
    path = _write(tmp_path, "20242.jwk", {**commune.key.as_dict(private=False), "kid": commune.key.thumbprint()})
    result = _cli(city, "enrol", "20242", str(path))
    assert result.exit_code == 0
    assert "thành phố sẽ từ chối các bản PDF" in result.output
    no_code = _cli(city, "enrol", str(path))
    assert no_code.exit_code == 1 and "hãy nhập mã xã/phường" in no_code.output


def test_a_new_ca_for_an_enrolled_commune_needs_confirming(city, tmp_path):
    commune = support.Commune("20242")
    assert (
        _cli(city, "enrol", str(_write(tmp_path, "a.json", enrolment_file(commune, [_ca(tmp_path, "a")])))).exit_code
        == 0
    )
    second = _write(tmp_path, "b.json", enrolment_file(commune, [_ca(tmp_path, "b")]))
    refused = _cli(city, "enrol", str(second))
    assert refused.exit_code == 1 and "hãy xác nhận để tin cậy thêm 1 chứng thư CA" in refused.output
    assert _trusted(city, "20242") == 1
    assert _cli(city, "enrol", "--confirm", str(second)).exit_code == 0
    assert _trusted(city, "20242") == 2
    assert ("ca.added", "cli", "20242") in _audit(city)


def test_the_admin_page_enrols_an_uploaded_file_and_asks_the_password_for_a_new_ca(city, tmp_path):
    support.make_user(city, "quantri", role="admin")
    admin = support.signed_in(city, "quantri")
    commune = support.Commune("20242")
    first = json.dumps(enrolment_file(commune, [_ca(tmp_path, "a")]))
    upload = {"enrolment_file": (io.BytesIO(first.encode()), "20242.json")}
    answer = admin.post("/communes", data=upload, content_type="multipart/form-data")
    assert answer.status_code == 303
    assert _trusted(city, "20242") == 1
    page = admin.get("/communes").get_data(as_text=True)
    assert "Đã kết nối xã/phường 20242" in page and "Đã có" in page

    second = json.dumps(enrolment_file(commune, [_ca(tmp_path, "b")]))
    asked = admin.post(
        "/communes",
        data={"enrolment_file": (io.BytesIO(second.encode()), "20242.json")},
        content_type="multipart/form-data",
    )
    html = asked.get_data(as_text=True)
    assert asked.status_code == 422 and 'id="confirm-enrol"' in html and "1 chứng thư CA mới" in html
    assert "&#34;format&#34;: &#34;wardapp-enrolment&#34;" in html or "wardapp-enrolment" in html  # kept to confirm
    assert _trusted(city, "20242") == 1
    wrong = admin.post("/communes", data={"jwk": second, "password": "doan-bua"})
    assert wrong.status_code == 422 and _trusted(city, "20242") == 1
    confirmed = admin.post("/communes", data={"jwk": second, "password": support.PASSWORD})
    assert confirmed.status_code == 303 and _trusted(city, "20242") == 2
    actions = _audit(city)
    assert ("key.confirm_failed", "quantri", "20242") in actions
    assert ("ca.added", "quantri", "20242") in actions


def test_bulk_enrolment_of_files_records_who_did_it_and_refuses_a_trivial_key(city, tmp_path):
    folder = tmp_path / "files"
    folder.mkdir()
    _write(folder, "20242.json", enrolment_file(support.Commune("20242"), [_ca(tmp_path, "a")]))
    identity = base64.urlsafe_b64encode(bytes.fromhex("01" + "00" * 31)).rstrip(b"=").decode()
    _write(folder, "20194.jwk", {"kty": "OKP", "crv": "Ed25519", "x": identity})
    result = _cli(city, "enrol-bulk", str(folder))
    assert result.exit_code == 1
    assert any(line.startswith("enrolled\t20242.json\t20242") for line in result.output.splitlines())
    assert any("20194.jwk" in line and "điểm bậc nhỏ" in line for line in result.output.splitlines())
    assert _trusted(city, "20242") == 1
    assert [a for a in _audit(city) if a[0] == "commune.enrolled"] == [
        ("commune.enrolled", "cli", "20242 Phường Hải Châu")
    ]


@pytest.mark.parametrize(
    "point",
    [
        "01" + "00" * 31,  # the identity
        "00" * 32,  # order 4
        "ec" + "ff" * 30 + "7f",  # order 2
        "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",  # order 8
        "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa",  # order 8, sign bit set
    ],
)
def test_small_order_points_are_not_keys(point):
    x = base64.urlsafe_b64encode(bytes.fromhex(point)).rstrip(b"=").decode()
    with pytest.raises(enrolment.EnrolmentError, match="điểm bậc nhỏ"):
        enrolment.public_key({"kty": "OKP", "crv": "Ed25519", "x": x})


def test_the_identity_key_cannot_be_used_to_forge_a_push(city, tmp_path):
    """The attack as it was made: a bulk CSV with the identity point, then a push signed R =
    identity, S = 0. The key is refused at enrolment, so the push names an unknown key."""
    identity = base64.urlsafe_b64encode(bytes.fromhex("01" + "00" * 31)).rstrip(b"=").decode()
    csv_file = tmp_path / "keys.csv"
    csv_file.write_text(f"code,x\n20242,{identity}\n", encoding="utf-8")
    result = _cli(city, "enrol-bulk", str(csv_file))
    assert result.exit_code == 1 and "điểm bậc nhỏ" in result.output
    with city.app_context():
        assert city_db.session.scalar(city_db.select(CityKey)) is None
