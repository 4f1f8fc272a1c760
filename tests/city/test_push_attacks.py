"""Issue 21, item 8, as the attack was made: an unsigned push (``report="x.y.z"``) with twelve 15 MB
parts was refused 400 but only after the intake had read (and kept in memory) all of them. The
``report`` part comes first (PROTOCOL "Sending") and is checked as soon as it is read: the intake
reads no further. What it read of the body is counted here."""

from __future__ import annotations

import io

import pytest

from . import support
from .conftest import TODAY

BOUNDARY = "----wardapp-attack"
PART = 15 * 1000 * 1000
PARTS = 12
DA_NANG = support.Commune("20242")


class AttackBody(io.RawIOBase):
    """A multipart body made as it is read (never held whole by the test), counting what the
    server reads of it."""

    def __init__(self, fields: list[tuple[str, str]], files: list[tuple[str, int]]):
        head = "".join(
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
            for name, value in fields
        ).encode()
        self.pieces = [head] if head else []
        for name, size in files:
            self.pieces.append(
                f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"; filename="{name}.jpg"\r\n'
                "Content-Type: image/jpeg\r\n\r\n".encode()
            )
            self.pieces.append(size)  # that many bytes of the part, made as they are read
            self.pieces.append(b"\r\n")
        self.pieces.append(f"--{BOUNDARY}--\r\n".encode())
        self.length = sum(p if isinstance(p, int) else len(p) for p in self.pieces)
        self.read_so_far = 0
        self._index, self._offset = 0, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        if self._index >= len(self.pieces):
            return 0
        piece = self.pieces[self._index]
        size = piece if isinstance(piece, int) else len(piece)
        n = min(len(buffer), size - self._offset)
        if isinstance(piece, int):
            buffer[:n] = b"\xff" * n
        else:
            buffer[:n] = piece[self._offset : self._offset + n]
        self._offset += n
        if self._offset == size:
            self._index, self._offset = self._index + 1, 0
        self.read_so_far += n
        return n


def post(app, body: AttackBody):
    # The body as a server hands it over (a stream of known length), not through the test
    # client's encoder, which would want it whole and seekable.
    environ = {
        "wsgi.input": io.BufferedReader(body),
        "CONTENT_LENGTH": str(body.length),
        "CONTENT_TYPE": f"multipart/form-data; boundary={BOUNDARY}",
    }
    return app.test_client().post("/api/v1/daily-reports", environ_overrides=environ)


@pytest.mark.parametrize(
    ("report", "status", "error"),
    [
        ("x.y.z", 400, "malformed_request"),  # not a JWS at all
        ("eyJhbGciOiJFZDI1NTE5Iiwia2lkIjoibm9ib2R5In0.e30.c2ln", 401, "unknown_key"),  # a key nobody enrolled
        ("forged", 422, "bad_signature"),  # replaced below by a real report whose signature is broken
    ],
)
def test_an_unsigned_push_is_refused_having_read_only_its_report(city, report, status, error):
    support.enrol_all(city, [DA_NANG])
    if report == "forged":
        header, payload, sig = support.signed(DA_NANG, TODAY).split(".")
        report = f"{header}.{payload}.{'A' * len(sig)}"
    body = AttackBody([("report", report)], [("photos", PART)] * PARTS)

    answer = post(city, body)

    assert answer.status_code == status, answer.get_data(as_text=True)
    assert answer.get_json()["error"] == error
    assert body.read_so_far < 1_000_000, f"the intake read {body.read_so_far // 1_000_000} MB of a forged push"


def test_a_push_whose_first_part_is_not_the_report_is_refused_at_once(city):
    support.enrol_all(city, [DA_NANG])
    body = AttackBody([], [("photos", PART)] * PARTS)
    body.pieces[-1:-1] = [
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="report"\r\n\r\n'.encode(),
        support.signed(DA_NANG, TODAY).encode(),
        b"\r\n",
    ]
    body.length = sum(p if isinstance(p, int) else len(p) for p in body.pieces)

    answer = post(city, body)

    assert answer.status_code == 400
    assert "must be the first part" in answer.get_json()["detail"]
    assert body.read_so_far < 1_000_000


def test_a_signed_push_is_still_read_whole(city):
    support.enrol_all(city, [DA_NANG])

    receipt = support.push(city.test_client(), support.signed(DA_NANG, TODAY))

    assert receipt["report_id"] == f"20242:{TODAY}:r1"
