"""The day's ZIP: the commune's own signed PDF when it sent one, a rendered one kept after the first
time, and nothing rendered again on the next download."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

from . import support
from .conftest import TODAY

YESTERDAY = TODAY - dt.timedelta(days=1)
SENT, RENDERED = support.Commune("20242"), support.Commune("20194")


def test_the_day_zip_reads_kept_pdfs_and_renders_a_missing_one_once(city):
    support.enrol_all(city, [SENT, RENDERED])
    client = city.test_client()
    own_pdf = b"%PDF-1.7\n% the commune's own signed PDF\n%%EOF\n"
    support.push(client, support.signed(SENT, YESTERDAY), pdf=own_pdf)
    support.push(client, support.signed(RENDERED, YESTERDAY))
    support.make_user(city, "sokhcn")
    reviewer = support.signed_in(city, "sokhcn")

    first = zipfile.ZipFile(io.BytesIO(reviewer.get(f"/days/{YESTERDAY}.zip").data))
    names = sorted(first.namelist())
    assert names == [f"{RENDERED.code}_{YESTERDAY}_r1.pdf", f"{SENT.code}_{YESTERDAY}_r1.pdf"]
    assert first.read(f"{SENT.code}_{YESTERDAY}_r1.pdf") == own_pdf
    rendered = first.read(f"{RENDERED.code}_{YESTERDAY}_r1.pdf")
    assert rendered.startswith(b"%PDF-")

    from wardapp.city.pdfs import storage_dir

    with city.test_request_context():
        kept = storage_dir("rendered") / f"{RENDERED.code}_{YESTERDAY}_r1.pdf"
    assert kept.read_bytes() == rendered
    kept.write_bytes(b"%PDF-kept")  # a second download must read this, not render again
    second = zipfile.ZipFile(io.BytesIO(reviewer.get(f"/days/{YESTERDAY}.zip").data))
    assert second.read(f"{RENDERED.code}_{YESTERDAY}_r1.pdf") == b"%PDF-kept"
