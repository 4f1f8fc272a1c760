"""The intake reads multipart bodies with ``wardapp.platform.forms`` (the ``multipart`` package behind
Werkzeug's interface): what a route sees must be what Werkzeug's own parser gives for every body a
real client writes (encoded here as ``requests`` encodes it, through urllib3, as the commune's
sender does), and the limits and refusals the same."""

from __future__ import annotations

import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from urllib3 import encode_multipart_formdata
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request as WerkzeugRequest

from wardapp.platform.forms import FastFormRequest


def parsed(request_class, body: bytes, content_type: str, **limits):
    """(form, files) as a route sees them: every field and every file's name, type and bytes."""
    environ = EnvironBuilder(
        method="POST", input_stream=io.BytesIO(body), content_type=content_type, content_length=len(body)
    ).get_environ()
    request = request_class(environ)
    for name, value in limits.items():
        setattr(request, name, value)
    try:
        files = [
            (name, storage.filename, storage.mimetype, storage.read())
            for name, storage in request.files.items(multi=True)
        ]
        return list(request.form.items(multi=True)), files
    finally:
        request.close()  # the file parts' containers, as the app closes them after a request


def both(body: bytes, content_type: str, **limits):
    ours = parsed(FastFormRequest, body, content_type, **limits)
    theirs = parsed(WerkzeugRequest, body, content_type, **limits)
    assert ours == theirs
    return ours


def encoded(fields: list[tuple[str, str]], files: list[tuple[str, str, str, bytes]]) -> tuple[bytes, str]:
    """The body as ``requests`` writes it (urllib3): fields, then files, each part ended by CRLF."""
    parts: list = list(fields) + [(name, (filename, data, mimetype)) for name, filename, mimetype, data in files]
    body, content_type = encode_multipart_formdata(parts)
    return body, content_type


def test_a_push_reads_as_werkzeug_reads_it():
    photos = [(f"quay-{i}.jpg", bytes([i]) * 300_000) for i in range(3)]
    body, content_type = encoded(
        [("report", "eyJhbGciOiJFZDI1NTE5In0.e30.c2ln")], [("photos", n, "image/jpeg", d) for n, d in photos]
    )
    form, files = both(body, content_type)
    assert form == [("report", "eyJhbGciOiJFZDI1NTE5In0.e30.c2ln")]
    assert [(f[1], f[2], f[3]) for f in files] == [(n, "image/jpeg", d) for n, d in photos]


def test_vietnamese_names_and_values_and_an_empty_file_field():
    body, content_type = encoded(
        [("caption", "Quầy tiếp nhận số 1"), ("caption", "")],
        [
            ("photo", "ảnh quầy.jpg", "image/jpeg", b"\xff\xd8\xff" + b"\r\n--x\r\n" * 50),
            ("photo", "", "application/octet-stream", b""),
        ],
    )
    form, files = both(body, content_type)
    assert form == [("caption", "Quầy tiếp nhận số 1"), ("caption", "")]
    assert files[0][1] == "ảnh quầy.jpg" and files[1][1] == ""


# Names and filenames: any text but the characters browsers escape in them (%22, %0D, %0A), which
# ``multipart`` decodes back as HTML's form encoding means and Werkzeug keeps escaped; the intake's
# names are "report", "photos" and "pdf".
NAMES = st.text(st.characters(blacklist_characters='"\r\n%\\', blacklist_categories=("Cs",)), min_size=1, max_size=12)


@settings(max_examples=60, deadline=None)
@given(
    fields=st.lists(st.tuples(NAMES, st.text(max_size=40)), max_size=4),
    files=st.lists(
        st.tuples(
            NAMES,
            NAMES,
            st.sampled_from(["image/jpeg", "image/png", "application/octet-stream"]),
            st.binary(max_size=3000),
        ),
        max_size=3,
    ),
)
def test_any_form_reads_as_werkzeug_reads_it(fields, files):
    body, content_type = encoded(fields, files)
    both(body, content_type)


def test_a_broken_body_gives_an_empty_form_as_werkzeug_does():
    body, content_type = encoded([("report", "token")], [("photos", "a.jpg", "image/jpeg", b"x" * 1000)])
    for broken in (body[: len(body) // 2], body.replace(b"--\r\n", b""), b"not multipart at all"):
        assert parsed(FastFormRequest, broken, content_type) == ([], [])
    assert parsed(FastFormRequest, body, "multipart/form-data") == ([], [])  # no boundary


def test_too_many_parts_is_a_413():
    body, content_type = encoded([(f"f{i}", "v") for i in range(20)], [])
    assert len(both(body, content_type, max_form_parts=20)[0]) == 20
    with pytest.raises(RequestEntityTooLarge):
        parsed(FastFormRequest, body, content_type, max_form_parts=19)


def test_a_text_field_over_the_memory_limit_is_a_413_but_a_file_is_not_limited_by_it():
    body, content_type = encoded([("report", "x" * 150_000)], [])
    for request_class in (FastFormRequest, WerkzeugRequest):
        with pytest.raises(RequestEntityTooLarge):
            parsed(request_class, body, content_type, max_form_memory_size=100_000)
    body, content_type = encoded([("report", "x" * 100)], [("photos", "a.jpg", "image/jpeg", b"y" * 500_000)])
    assert both(body, content_type, max_form_memory_size=100_000)[1][0][3] == b"y" * 500_000


def test_the_intake_reads_pushes_with_it():
    from wardapp.city.app import CityRequest

    assert issubclass(CityRequest, FastFormRequest)


def test_a_part_without_its_closing_line_break_is_refused():
    """RFC 2046: CRLF before every delimiter. Werkzeug's own test encoder leaves it out after an
    empty part (and its parser lets that pass); every real client writes it (docstring of forms)."""
    body = b"--b\r\nContent-Disposition: form-data; name=\"report\"\r\n\r\n--b--\r\n"
    assert parsed(FastFormRequest, body, "multipart/form-data; boundary=b") == ([], [])
    assert parsed(WerkzeugRequest, body, "multipart/form-data; boundary=b") == ([("report", "")], [])
