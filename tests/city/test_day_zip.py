"""The day's ZIP: the commune's own signed PDF when it sent one, a rendered one kept after the first
time, and nothing rendered again on the next download."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import zipfile

from wardapp.city.intake import blobs

from . import support
from .conftest import TODAY

YESTERDAY = TODAY - dt.timedelta(days=1)
SENT, RENDERED = support.Commune("20242"), support.Commune("20194")


def keep_as_sent_pdf(city, report_id: str, pdf: bytes) -> None:
    """A PDF the intake accepted with the push (it now verifies one before keeping it, see
    tests/pdf/test_intake_pdf.py): here only its keeping and serving matter."""
    from wardapp.city.extensions import city_db
    from wardapp.city.models import ReceivedReport

    with city.app_context():
        digest = hashlib.sha256(pdf).hexdigest()
        blobs.store().create(blobs.sent_pdf_key(digest), pdf, "application/pdf")
        row = city_db.session.scalar(city_db.select(ReceivedReport).filter_by(report_id=report_id))
        row.pdf_sha256 = digest
        city_db.session.commit()


def test_the_day_zip_reads_kept_pdfs_and_renders_a_missing_one_once(city):
    support.enrol_all(city, [SENT, RENDERED])
    client = city.test_client()
    own_pdf = b"%PDF-1.7\n% the commune's own signed PDF\n%%EOF\n"
    support.push(client, support.signed(SENT, YESTERDAY))
    keep_as_sent_pdf(city, f"{SENT.code}:{YESTERDAY}:r1", own_pdf)
    support.push(client, support.signed(RENDERED, YESTERDAY))
    support.make_user(city, "sokhcn")
    reviewer = support.signed_in(city, "sokhcn")

    first = zipfile.ZipFile(io.BytesIO(reviewer.get(f"/days/{YESTERDAY}.zip").data))
    names = sorted(first.namelist())
    assert names == [f"{RENDERED.code}_{YESTERDAY}_r1.pdf", f"{SENT.code}_{YESTERDAY}_r1.pdf"]
    assert first.read(f"{SENT.code}_{YESTERDAY}_r1.pdf") == own_pdf
    rendered = first.read(f"{RENDERED.code}_{YESTERDAY}_r1.pdf")
    assert rendered.startswith(b"%PDF-")

    with city.app_context():
        store, key = blobs.store(), blobs.rendered_pdf_key(f"{RENDERED.code}:{YESTERDAY}:r1")
        assert store.get(key) == rendered
        store.put(key, b"%PDF-kept")  # a second download must read this, not render again
    second = zipfile.ZipFile(io.BytesIO(reviewer.get(f"/days/{YESTERDAY}.zip").data))
    assert second.read(f"{RENDERED.code}_{YESTERDAY}_r1.pdf") == b"%PDF-kept"
