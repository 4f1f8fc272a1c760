"""The public page a document's QR code opens: no account, from the document's identity and the
hash of its signed content, authentic and current, superseded (by which edition), or unknown; a
changed document never reported as matching; rate-limited."""

from __future__ import annotations

import io
import itertools

from pypdf import PdfReader

from tests.factories import figures

from . import support
from .test_consolidated_signing import OCT_31, B, current_edition, department_ca, director, october, sign  # noqa: F401

ADDRESSES = (f"198.51.100.{n}" for n in itertools.count(1))


def anonymous(city):
    """A visitor without a session, from an address of their own (the limit counts per address)."""
    return city.test_client(), {"REMOTE_ADDR": next(ADDRESSES)}


def test_a_signed_consolidated_report_is_authentic_and_current_for_anyone(city, october, director):  # noqa: F811
    sign(director)
    [edition] = current_edition(city)
    client, where = anonymous(city)
    page = client.get(f"/xac-thuc/{edition.document_id}?sha256={edition.payload_sha256}", environ_base=where)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'id="check-authentic"' in html
    assert 'data-state="current"' in html and "01/BC-SKHCN" in html and "Cán bộ giamdoc" in html
    assert "Đăng xuất" not in html  # no session was needed or made
    # The QR code of the signed PDF names this very page.
    pdf = director.get(f"/consolidated/editions/{edition.document_id}.pdf").data
    text = "".join("".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(pdf)).pages)
    assert f"/xac-thuc/{edition.document_id}?sha256={edition.payload_sha256}" in text


def test_a_superseded_edition_names_the_edition_that_replaced_it(city, october, director):  # noqa: F811
    sign(director)
    support.push(october, support.signed(B, OCT_31, revision=2, figures_=figures(resolved_late=1, resolved_on_time=19)))
    sign(director)
    _new, old = current_edition(city)
    client, where = anonymous(city)
    html = client.get(f"/xac-thuc/{old.document_id}?sha256={old.payload_sha256}", environ_base=where).get_data(
        as_text=True
    )
    assert 'data-state="superseded"' in html and "Đã bị thay thế bởi 02/BC-SKHCN" in html


def test_a_daily_report_is_checked_by_its_id_and_hash_and_a_correction_supersedes_it(city, october):  # noqa: F811
    client, where = anonymous(city)
    from wardapp.city.extensions import city_db
    from wardapp.city.models import ReceivedReport

    with city.app_context():
        first = city_db.session.scalar(city_db.select(ReceivedReport).filter_by(report_id=f"20194:{OCT_31}:r1"))
        digest = first.payload_sha256
    html = client.get(f"/xac-thuc/20194:{OCT_31}:r1?sha256={digest}", environ_base=where).get_data(as_text=True)
    assert 'id="check-authentic"' in html and 'data-state="current"' in html and "Nguyễn Văn Lãnh" in html
    support.push(october, support.signed(B, OCT_31, revision=2, figures_=figures(resolved_late=1, resolved_on_time=19)))
    html = client.get(f"/xac-thuc/20194:{OCT_31}:r1?sha256={digest}", environ_base=where).get_data(as_text=True)
    assert f"Đã bị thay thế bởi 20194:{OCT_31}:r2" in html


def test_an_unknown_or_changed_document_is_never_reported_as_matching(city, october, director):  # noqa: F811
    sign(director)
    [edition] = current_edition(city)
    client, where = anonymous(city)
    changed = client.get(f"/xac-thuc/{edition.document_id}?sha256={'0' * 64}", environ_base=where)
    assert changed.status_code == 404 and 'id="check-mismatch"' in changed.get_data(as_text=True)
    assert 'id="check-authentic"' not in changed.get_data(as_text=True)
    unknown = client.get(f"/xac-thuc/TH-48-20260101-20260131-b1?sha256={'0' * 64}", environ_base=where)
    assert unknown.status_code == 404 and 'id="check-unknown"' in unknown.get_data(as_text=True)
    garbage = client.get("/xac-thuc/<script>?sha256=x", environ_base=where)
    assert garbage.status_code == 404 and 'id="check-unknown"' in garbage.get_data(as_text=True)


def test_the_public_page_is_rate_limited_per_address(city):
    city.config["CITY_PUBLIC_CHECKS_PER_MINUTE"] = 3
    client, where = anonymous(city)
    codes = [client.get(f"/xac-thuc/TH-48-2026-b1?sha256={'0' * 64}", environ_base=where).status_code for _ in range(4)]
    assert codes == [404, 404, 404, 429]
    other, elsewhere = anonymous(city)
    assert other.get(f"/xac-thuc/x?sha256={'0' * 64}", environ_base=elsewhere).status_code == 404
