"""The QR code on the signed daily PDF is read back by a real decoder (zbar) from the rendered page:
it carries the report's id and the payload's hash, whatever mask pattern it was drawn with."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from wardapp.signing import documents

pytestmark = pytest.mark.skipif(
    not (shutil.which("pdftoppm") and shutil.which("zbarimg")), reason="poppler-utils and zbar-tools are needed"
)


def test_the_qr_code_on_the_last_page_decodes_to_the_report_id_and_payload_hash(signed, tmp_path):
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(documents.revision_pdf(signed))
    subprocess.run(["pdftoppm", "-r", "200", "-png", str(pdf), str(tmp_path / "page")], check=True)

    decoded = []
    for page in sorted(tmp_path.glob("page*.png")):  # zbarimg exits 4 on a page with no code
        answer = subprocess.run(["zbarimg", "-q", "--raw", str(page)], capture_output=True, text=True)
        if answer.stdout.strip():
            decoded.append(answer.stdout.strip())

    assert decoded == [f"{signed.report_key}\nSHA-256:{signed.payload_sha256}"]
