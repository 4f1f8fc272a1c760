"""The signed consolidated report, bulk enrolment (CLI and page), and the migration filling the new
columns of reports received before it."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from pypdf import PdfReader

from tests.factories import figures
from wardapp.city.extensions import city_db

from . import support
from .conftest import TODAY

YESTERDAY = TODAY - dt.timedelta(days=1)
A, B, C = support.Commune("20242"), support.Commune("20194"), support.Commune("20197")


@pytest.fixture
def reviewer(city):
    support.enrol_all(city, [A, B, C])
    client = city.test_client()
    support.push(client, support.signed(A, YESTERDAY))
    support.push(
        client,
        support.signed(
            B,
            YESTERDAY,
            late=True,
            figures_=figures(resolved_late=3, resolved_on_time=17),
            explanations=[
                {
                    "item": "late_dossiers",
                    "item_label": "Hồ sơ giải quyết quá hạn",
                    "cause": "Chờ xác minh nguồn gốc đất",
                    "remedy": "Đã phối hợp với Văn phòng đăng ký đất đai",
                    "responsible": "Phó Chủ tịch Lê Thị Hằng",
                }
            ],
        ),
    )
    support.make_user(city, "sokhcn")
    return support.signed_in(city, "sokhcn")


def sign_yesterday(city) -> None:
    """The department's director signs yesterday's consolidated report (city/consolidated_signing)."""
    support.make_user(city, "giamdoc", role="director")
    director = support.signed_in(city, "giamdoc")
    assert director.post("/consolidated/sign", data={"period": "day", "on": YESTERDAY}).status_code == 303


def test_the_consolidated_report_is_signed_by_the_department_and_says_who_was_late(city, reviewer):
    from wardapp.city.documents import signing
    from wardapp.core.pdf import signature

    sign_yesterday(city)
    response = reviewer.get(f"/consolidated.pdf?period=day&on={YESTERDAY}")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    # Whitespace flattened: the documents' 13 pt serif wraps phrases onto two lines.
    pages = PdfReader(io.BytesIO(response.data)).pages
    text = " ".join(" ".join(page.extract_text().split()) for page in pages)
    assert "BÁO CÁO" in text and "SỞ KHOA HỌC VÀ CÔNG NGHỆ" in text
    assert "(13)" in text and "Tổng cộng" in text and "BẢN NHÁP" not in text
    assert "Phường Hải Vân (20194)" in text  # late
    assert "Phường Liên Chiểu (20197)" in text  # missing
    assert "Chờ xác minh nguồn gốc đất" in text and "Phó Chủ tịch Lê Thị Hằng" in text
    with city.app_context():
        certificate = signing.department_certificate()
    assert "Sở Khoa học và Công nghệ" in certificate.subject.rfc4514_string()
    assert signature.verify_pdf(response.data, [certificate])
    tampered = bytearray(response.data)
    tampered[len(tampered) // 3] ^= 0x01  # one bit of the signed content
    assert not signature.verify_pdf(bytes(tampered), [certificate])


def test_bulk_enrolment_from_a_folder_reports_what_was_enrolled_or_refused(city, tmp_path):
    good, hue = support.Commune("20242"), support.Commune("19753")
    (tmp_path / "20242-hai-chau.jwk").write_text(json.dumps(good.key.as_dict(private=False)))
    (tmp_path / "hue.json").write_text(json.dumps({**hue.key.as_dict(private=False), "code": "19753"}))
    (tmp_path / "20194.json").write_text("{not json")
    (tmp_path / "20197.jwk").write_text(json.dumps(support.Commune("20197").key.as_dict(private=True)))
    (tmp_path / "notes.txt").write_text("ignored")

    with city.app_context():
        result = city.test_cli_runner().invoke(args=["city", "enrol-bulk", str(tmp_path)])
    lines = result.output.splitlines()
    assert result.exit_code == 1
    assert any(line.startswith("enrolled\t20242-hai-chau.jwk\t20242") for line in lines)
    assert any("hue.json\t19753" in line and "không thuộc tỉnh/thành phố 48" in line for line in lines)
    assert any("20194.json" in line and "không phải JSON hợp lệ" in line for line in lines)
    assert any("20197.jwk" in line and "khóa bí mật" in line for line in lines)
    assert lines[-1] == "1 enrolled, 3 refused"
    with city.app_context():
        from wardapp.city.models import CityKey

        assert city_db.session.scalars(city_db.select(CityKey.commune_code)).all() == ["20242"]


def test_bulk_enrolment_from_a_csv_on_the_page(city):
    support.make_user(city, "admin", role="admin")
    admin = support.signed_in(city, "admin")
    one, two = support.Commune("20242"), support.Commune("20194")
    csv_text = (
        "code,x\n"
        + f"20242,{one.key.as_dict(private=False)['x']}\n"
        + f"20194,{two.key.as_dict(private=False)['x']}\n"
        + f"99999,{support.Commune('20197').key.as_dict(private=False)['x']}\n"
    )
    response = admin.post(
        "/communes", data={"csv": (io.BytesIO(csv_text.encode()), "keys.csv")}, content_type="multipart/form-data"
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "2 đã kết nối, 1 bị từ chối" in html
    assert html.count('data-enrolled="yes"') == 2 and "99999 không phải mã xã/phường" in html
    bad = admin.post(
        "/communes", data={"csv": (io.BytesIO(b"a,b\n1,2\n"), "keys.csv")}, content_type="multipart/form-data"
    )
    assert bad.status_code == 422 and "cột code và jwk" in bad.get_data(as_text=True)


def test_the_migration_fills_the_columns_of_reports_received_before_it(tmp_path):
    """Reports stored by the previous schema get their figures, rates and current flag."""
    import flask_migrate

    from wardapp import ROOT
    from wardapp.city.app import create_app
    from wardapp.core import payload

    app = create_app({"INSTANCE_PATH": tmp_path, "SECRET_KEY": "x", "TESTING": True})
    directory = str(ROOT / "migrations" / "city")
    with app.app_context():
        flask_migrate.upgrade(directory=directory, revision="e50993d43380")
        engine = city_db.engine
        with engine.begin() as conn:
            conn.exec_driver_sql(
                "INSERT INTO city_communes (code, name, province_code) VALUES ('20242', 'Hải Châu', '48')"
            )
            for revision, online in ((1, 12), (2, 20)):
                document = {
                    "commune": {"code": "20242", "province_code": "48"},
                    "signed_at": "2026-11-19T16:00:00+07:00",
                    "figures": figures(received_online=online, online_full_process=7, online_partial=5),
                    "tasks": [{"code": "T1", "title": "x", "percent": 10, "behind": True}],
                    "explanations": [],
                    "photos": [],
                }
                conn.exec_driver_sql(
                    "INSERT INTO received_reports (report_id, commune_code, date, revision, payload,"
                    " payload_sha256, jws, kid, late, receipt_id, received_at, state, comment, returned_by)"
                    " VALUES (?, '20242', '2026-11-19', ?, ?, 'x', 'x', 'k', 0, ?, '2026-11-19 09:00:00',"
                    " 'received', '', '')",
                    (f"20242:2026-11-19:r{revision}", revision, payload.encode(document), f"R{revision}"),
                )
        flask_migrate.upgrade(directory=directory)
        rows = city_db.session.execute(
            city_db.text(
                "SELECT revision, current, received_online, online_rate, province_code, tasks_behind"
                " FROM received_figures ORDER BY revision"
            )
        ).all()
        city_db.engine.dispose()
    assert rows[0][:3] == (1, 0, 12) and rows[1][:3] == (2, 1, 20)
    assert rows[1][3] == pytest.approx(20 / 38) and rows[1][4] == "48" and rows[1][5] == 1


def test_what_one_server_enrols_or_signs_with_is_the_other_servers_too(tmp_path):
    """Two intake servers share a database, each with an instance folder of its own: a commune's
    CA enrolled through one is trusted by the other, and the department's key made by one signs
    on the other (an older intake's key folder is taken over once, with its certificate)."""
    import flask_migrate

    from wardapp import ROOT
    from wardapp.city.app import create_app
    from wardapp.city.documents import signing
    from wardapp.city.enrolment.operations import enrol_ca
    from wardapp.city.intake.operations import trust_roots
    from wardapp.core.pdf import certificates, signature

    shared = {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'city.sqlite3'}", "SECRET_KEY": "x", "TESTING": True}
    older = tmp_path / "one"
    signature.make_self_signed(older / signing.LEGACY_FOLDER, "Sở KH&CN", "Thành phố Đà Nẵng", "48")
    legacy_cert = certificates.certificate(older / signing.LEGACY_FOLDER)
    one = create_app({**shared, "INSTANCE_PATH": older})
    two = create_app({**shared, "INSTANCE_PATH": tmp_path / "two"})
    ca = certificates.make_local_ca(tmp_path / "ca", "Thành phố Đà Nẵng", "Phường Hải Châu", dt.datetime.now(dt.UTC))
    with one.app_context():
        flask_migrate.upgrade(directory=str(ROOT / "migrations" / "city"))
        enrol_ca("20242", (tmp_path / "ca" / certificates.CERT_FILE).read_bytes())
        city_db.session.commit()
        assert signing.department_certificate() == legacy_cert  # the older intake's, taken over
    with two.app_context():
        assert trust_roots("20242") == [ca]
        assert trust_roots("20194") == []
        assert signing.department_key().certificate() == legacy_cert
    assert not (tmp_path / "one" / "pdf-trust").exists() and not (tmp_path / "two" / "pdf-trust").exists()


def test_a_cas_certificate_imported_by_command_signs_the_next_consolidated_report(city, reviewer, tmp_path):
    """`city signing-key import FILE.p12` replaces the department's key (kept encrypted in the
    database); the next consolidated report is signed with it, and `show` names it."""
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.serialization import pkcs12

    from wardapp.city.documents import signing
    from wardapp.core.pdf import signature

    key, cert = signature.self_signed("Sở Khoa học và Công nghệ (CA thật)", "Thành phố Đà Nẵng", "48")
    bundle = pkcs12.serialize_key_and_certificates(
        b"so-khcn", key, cert, None, serialization.BestAvailableEncryption(b"mat-khau-p12")
    )
    (tmp_path / "so.p12").write_bytes(bundle)
    runner = city.test_cli_runner()
    wrong = runner.invoke(
        args=["city", "signing-key", "import", str(tmp_path / "so.p12"), "--password-env", "P12"],
        env={"P12": "sai"},
    )
    assert wrong.exit_code != 0 and "cannot read this PKCS#12" in wrong.output
    done = runner.invoke(
        args=["city", "signing-key", "import", str(tmp_path / "so.p12"), "--password-env", "P12"],
        env={"P12": "mat-khau-p12"},
    )
    assert done.exit_code == 0, done.output
    shown = runner.invoke(args=["city", "signing-key", "show"])
    assert "CA thật" in shown.output and cert.fingerprint(hashes.SHA256()).hex() in shown.output

    sign_yesterday(city)
    response = reviewer.get(f"/consolidated.pdf?period=day&on={YESTERDAY}")
    assert response.status_code == 200
    assert signature.verify_pdf(response.data, [cert])
    with city.app_context():
        assert signing.department_certificate() == cert
        stored = city_db.session.scalar(city_db.select(signing.CitySigningKey.pkcs12))
    assert (
        key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        not in stored
    )  # the key is stored encrypted
