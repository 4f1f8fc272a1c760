"""Issue 21, written as the attacks were made on the city's ``/verify`` page: a report id that names a
folder of certificates (item 4), compressed attachments that fill memory (item 5), another
province's report looked up (item 6), a report id that is not a string (item 10), a printed hash in
an unsigned file (item 15), and (issue 22) a tampered file never said to match."""

from __future__ import annotations

import base64
import datetime as dt
import io
import json
import re
import shutil
import subprocess
import sys

import pytest
from pyhanko.pdf_utils import embed
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from reportlab.pdfgen import canvas

from wardapp import ROOT
from wardapp.city.enrolment.operations import enrol_ca
from wardapp.city.extensions import city_db
from wardapp.city.intake.operations import trust_roots
from wardapp.core import clock, months
from wardapp.core.pdf import certificates, signature

from . import support
from .conftest import TODAY

DA_NANG = support.Commune("20242")  # Phường Hải Châu, 48
HUE = support.Commune("19753")  # Phường Phú Xuân, 46
COMMENT = "Số hồ sơ trực tuyến chưa khớp với cổng dịch vụ công, đề nghị rà soát lại."
DA_NANG_SIGNER = "UBND Phường Hải Châu (20242)"  # the common name of the commune's certificate


# --- Making PDFs as an attacker (or the commune) would ----------------------------------------


def page_pdf(*lines: str) -> bytes:
    """A one-page PDF printing ``lines`` (ASCII)."""
    out = io.BytesIO()
    page = canvas.Canvas(out)
    for i, line in enumerate(lines):
        page.drawString(40, 800 - 16 * i, line)
    page.save()
    return out.getvalue()


def embedding(pdf: bytes, files: dict[str, bytes]) -> bytes:
    """``pdf`` with ``files`` embedded (flate-compressed), as an incremental update."""
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    for name, data in files.items():
        spec = embed.FileSpec(
            file_spec_string=name,
            file_name=name,
            embedded_data=embed.EmbeddedFileObject.from_file_data(writer, data=data, mime_type="application/json"),
        )
        embed.embed_file(writer, spec)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def signed_by(pdf: bytes, folder) -> bytes:
    return signature.sign_pdf(
        pdf, folder, None, signer_name="Lê Thị Hằng", location="Hải Châu", reason="Ký báo cáo", local_time="16:00"
    )


def payload_of(token: str) -> bytes:
    part = token.split(".")[1]
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def verdicts(html: str) -> set[str]:
    return set(re.findall(r'data-verdict="([a-z-]+)"', html))


def drop(client, pdf: bytes):
    return client.post("/verify", data={"pdf": (io.BytesIO(pdf), "bao-cao.pdf")}, content_type="multipart/form-data")


# --- A city serving Đà Nẵng (48) and Huế (46), holding one returned Đà Nẵng report ----------------


@pytest.fixture
def city(make_city, noon, tmp_path):
    app = make_city(CITY_PROVINCE_CODES="48,46")
    support.enrol_all(app, [DA_NANG, HUE])
    ca = tmp_path / "ca-20242"
    signature.make_self_signed(ca, "Phường Hải Châu", "Thành phố Đà Nẵng", "20242")
    with app.app_context():
        enrol_ca("20242", (ca / certificates.CERT_FILE).read_bytes())
        city_db.session.commit()
    app.ca_folder = ca
    support.make_user(app, "danang", provinces="48")
    support.make_user(app, "hue", provinces="46")
    return app


@pytest.fixture
def genuine(city):
    """Đà Nẵng's report of TODAY as the commune signs it (payload and JWS embedded, then signed by
    its enrolled CA), pushed with its PDF, then returned by a Đà Nẵng reviewer with a comment."""
    token = support.signed(DA_NANG, TODAY)
    pdf = signed_by(embedding(page_pdf("Bao cao ngay"), {"payload.json": payload_of(token)}), city.ca_folder)
    receipt = support.push(city.test_client(), token, pdf=pdf)
    returned = support.signed_in(city, "danang").post(
        f"/reports/{receipt['report_id']}/return", data={"comment": COMMENT}
    )
    assert returned.status_code == 303
    return {"token": token, "pdf": pdf, "report_id": receipt["report_id"], "sha256": receipt["payload_sha256"]}


def test_the_genuine_report_verifies_for_a_reviewer_of_its_province(city, genuine):
    html = drop(support.signed_in(city, "danang"), genuine["pdf"]).get_data(as_text=True)

    assert verdicts(html) == {"signatures-valid", "payload-matches", "returned"}
    assert COMMENT in html and DA_NANG_SIGNER in html


# --- Item 4: trust roots from a folder the document names -------------------------------------


def test_a_report_id_naming_a_folder_never_loads_its_certificates(city, tmp_path):
    """The attacker's CA lies in some folder on the server; the payload's report id names that
    folder as its commune code. Its signature must not be shown as valid."""
    attacker = tmp_path / "attacker"
    signature.make_self_signed(attacker, "Kẻ giả mạo", "Thành phố Đà Nẵng", "20242")
    folder = tmp_path / "evil"
    folder.mkdir()
    shutil.copy(attacker / certificates.CERT_FILE, folder / "ca.pem")
    document = json.dumps({"report_id": f"{folder}:{TODAY}:r1"}).encode()
    pdf = signed_by(embedding(page_pdf("Bao cao ngay"), {"payload.json": document}), attacker)

    page = drop(support.signed_in(city, "danang"), pdf)

    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "signatures-valid" not in verdicts(html)
    assert "signatures-invalid" in verdicts(html) and "Không tin cậy" in html


@pytest.mark.parametrize("code", ["", "..", "/tmp", "../20242", "2024", "202420", " 20242", "20242/", "99999", 20242])
def test_trust_roots_refuses_anything_but_an_official_commune_code(city, code):
    with city.app_context():
        with pytest.raises(ValueError):
            trust_roots(code)
        assert len(trust_roots("20242")) == 1  # the enrolled CA


# --- Item 10: a report id that is not a string ------------------------------------------------


@pytest.mark.parametrize("report_id", [5, 2.5, [1, 2], {"a": 1}, True, None, "20242:2026-11-20:r1/../x"])
def test_a_report_id_of_any_type_is_an_unknown_report_not_an_error(city, report_id):
    pdf = embedding(page_pdf("Bao cao ngay"), {"payload.json": json.dumps({"report_id": report_id}).encode()})

    page = drop(support.signed_in(city, "danang"), pdf)

    assert page.status_code == 200
    assert verdicts(page.get_data(as_text=True)) == {"unsigned", "not-received"}


# --- Item 6: another province's report ----------------------------------------------------------


def test_a_dropped_pdf_of_another_province_tells_nothing_the_city_holds(city, genuine):
    page = drop(support.signed_in(city, "hue"), genuine["pdf"])

    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "not-received" in verdicts(html)
    assert not verdicts(html) & {"returned", "current", "superseded", "payload-matches", "signatures-valid"}
    assert COMMENT not in html
    assert f"/reports/{genuine['report_id']}" not in html  # no link to the city's copy


def test_a_qr_url_of_another_province_tells_nothing_the_city_holds(city, genuine):
    url = f"/verify/{genuine['report_id']}?sha256={genuine['sha256']}"

    html = support.signed_in(city, "hue").get(url).get_data(as_text=True)
    own = support.signed_in(city, "danang").get(url).get_data(as_text=True)

    assert "not-received" in verdicts(html) and not verdicts(html) & {"returned", "payload-matches"}
    assert COMMENT not in html and DA_NANG_SIGNER not in html  # the stored PDF's signers
    assert {"returned", "payload-matches"} <= verdicts(own) and COMMENT in own and DA_NANG_SIGNER in own


def hostile_month(report_id: str, sha256: str) -> bytes:
    """An unsigned month document 'of' a Huế commune listing a Đà Nẵng report."""
    document = months.build(
        kind=months.SUMMARY,
        commune={"code": HUE.code, "name": HUE.unit.name, "province_code": "46"},
        month=TODAY.replace(day=1),
        edition=months.SignedEdition(
            1,
            "01/BC-UBND",
            None,
            dt.datetime.combine(TODAY, dt.time(9), clock.TZ),
            {"username": "x", "full_name": "X", "position": "Y"},
        ),
        days=[months.ListedDay(TODAY, report_id, 1, sha256, False)],
        missing=[],
    )
    return embedding(page_pdf("Bao cao thang"), {months.embedded_name(document): months.encode(document)})


def test_a_hostile_month_document_reveals_no_state_of_another_provinces_reports(city, genuine):
    pdf = hostile_month(genuine["report_id"], genuine["sha256"])

    html = drop(support.signed_in(city, "hue"), pdf).get_data(as_text=True)
    own = drop(support.signed_in(city, "danang"), pdf).get_data(as_text=True)

    assert f'data-day="{TODAY}" data-held="no" data-state="unknown"' in html
    assert f'data-day="{TODAY}" data-held="yes" data-state="returned"' in own


# --- Item 15 and issue 22: a hash is proof only under valid signatures ----------------------------


def test_an_unsigned_pdf_printing_the_genuine_hash_is_not_said_to_match(city, genuine):
    pdf = page_pdf(f"Ma bao cao {genuine['report_id']}", f"SHA-256: {genuine['sha256']}")

    html = drop(support.signed_in(city, "danang"), pdf).get_data(as_text=True)

    assert {"unsigned", "payload-unproven"} <= verdicts(html)
    assert "payload-matches" not in verdicts(html)


def test_a_pdf_with_a_byte_changed_is_never_said_to_match(city, genuine):
    pdf = bytearray(genuine["pdf"])
    start = pdf.index(b"ReportLab")  # the producer's name, inside the signed bytes
    pdf[start + 3] ^= 0x01

    html = drop(support.signed_in(city, "danang"), bytes(pdf)).get_data(as_text=True)

    assert "signatures-invalid" in verdicts(html)
    assert "payload-matches" not in verdicts(html)


def test_a_pdf_with_content_added_after_signing_is_never_said_to_match(city, genuine):
    extended = embedding(genuine["pdf"], {"ghi-chu.json": b'{"note": "added later"}'})

    html = drop(support.signed_in(city, "danang"), extended).get_data(as_text=True)

    assert "Văn bản có nội dung thêm sau chữ ký" in html
    assert "payload-matches" not in verdicts(html) and "payload-unproven" in verdicts(html)


# --- Item 5: compressed attachments -------------------------------------------------------------

BOMB_NAMES = ("payload.json", "report.jws", "bang.month.json", "phu-luc.bin")

# The city in a child process: the peak memory of a /verify and of a push carrying the file.
MEMORY_IN_A_CHILD = """
import io, json, resource, sys
from wardapp.city.app import create_app

app = create_app({"INSTANCE_PATH": sys.argv[1], "TESTING": True, "WTF_CSRF_ENABLED": False, "SECRET_KEY": "x"})
bomb, warm, token = (open(path, "rb").read() for path in sys.argv[2:5])
client = app.test_client()
client.post("/login", data={"username": "danang", "password": sys.argv[5]})
def drop(pdf):
    return client.post("/verify", data={"pdf": (io.BytesIO(pdf), "x.pdf")}, content_type="multipart/form-data")
drop(warm)  # pypdf, pyHanko and the templates loaded before measuring
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
page = drop(bomb)
push = client.post(
    "/api/v1/daily-reports",
    data={"report": token.decode(), "pdf": (io.BytesIO(bomb), "r.pdf", "application/pdf")},
    content_type="multipart/form-data",
)
grew = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
print(json.dumps({"grew_kb": grew, "verify": [page.status_code, page.get_data(as_text=True)],
                  "push": [push.status_code, push.get_json()]}))
"""


def test_compressed_attachments_cost_the_city_a_bounded_memory(city, genuine, tmp_path):
    seventy_mb = bytes(70 * 1000 * 1000)
    bomb = embedding(page_pdf("Bao cao ngay"), dict.fromkeys(BOMB_NAMES, seventy_mb))
    del seventy_mb
    assert len(bomb) < 400_000
    files = {"bomb.pdf": bomb, "warm.pdf": genuine["pdf"], "token.jws": support.signed(DA_NANG, TODAY).encode()}
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    with city.app_context():
        city_db.engine.dispose()  # the child opens the same database file

    child = subprocess.run(
        [
            sys.executable,
            "-c",
            MEMORY_IN_A_CHILD,
            city.instance_path,
            *(str(tmp_path / n) for n in files),
            support.PASSWORD,
        ],
        cwd=ROOT,
        capture_output=True,
        timeout=300,
    )

    assert child.returncode == 0, child.stderr.decode()[-3000:]
    found = json.loads(child.stdout.decode().strip().splitlines()[-1])
    assert found["grew_kb"] < 80 * 1024, f"the city grew {found['grew_kb'] // 1024} MB"
    status, html = found["verify"]
    assert status == 422 and "lớn hơn 4 MB khi giải nén" in html
    status, body = found["push"]
    assert status == 422 and body["error"] == "bad_pdf" and "decompresses beyond" in body["detail"]
