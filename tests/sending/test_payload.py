"""The signed payload: a pure builder whose bytes depend only on its input, checked against the
published schema every time something is signed."""

from __future__ import annotations

import datetime as dt
import hashlib
import json

import pytest

from wardapp.core import payload, schema
from wardapp.core.clock import TZ
from wardapp.evidence import storage
from wardapp.extensions import db
from wardapp.signing.operations import open_correction, sign_report

from ..helpers import TODAY
from . import support

pytestmark = pytest.mark.engines  # on SQLite and on PostgreSQL


def signing_input(**overrides) -> payload.SigningInput:
    values = dict(
        commune={"code": "20242", "name": "Phường Hải Châu", "province_code": "48"},
        day=dt.date(2026, 11, 21),
        revision=1,
        supersedes=None,
        correction_reason=None,
        signed_at=dt.datetime(2026, 11, 21, 16, 45, 12, 345678, tzinfo=TZ),
        signer={"username": "leader", "full_name": "Lê Thị Hằng", "position": "Phó Chủ tịch UBND phường"},
        late=False,
        late_reason=None,
        figures=support.factories.figures(**support.CLEAN),
        narrative={"highlights": "Không có phản ánh.", "difficulties": "Mạng chập chờn.", "proposals": ""},
        photos=[
            {
                "sha256": "ab" * 32,
                "filename": "quay.jpg",
                "content_type": "image/jpeg",
                "bytes": 1234,
                "category": "counters",
                "caption": "Quầy số 1",
                "taken_at": "2026-11-21T08:30:00+07:00",
            }
        ],
        response_team=None,
        tasks=[],
        explanations=[],
    )
    return payload.SigningInput(**(values | overrides))


def test_it_builds_the_same_bytes_from_the_same_input():
    first = payload.encode(payload.assemble(signing_input()))
    second = payload.encode(payload.assemble(signing_input()))

    assert first == second
    assert payload.sha256(first) == hashlib.sha256(second).hexdigest()


def test_it_builds_the_same_bytes_whatever_order_the_figures_come_in():
    figures = support.factories.figures(**support.CLEAN)
    reordered = dict(reversed(list(figures.items())))

    assert payload.encode(payload.assemble(signing_input(figures=figures))) == payload.encode(
        payload.assemble(signing_input(figures=reordered))
    )


def test_it_encodes_canonically_with_vietnamese_kept_as_utf8():
    encoded = payload.encode(payload.assemble(signing_input()))

    assert "Phường Hải Châu".encode() in encoded
    assert b"\\u" not in encoded and b": " not in encoded and b", " not in encoded
    assert (
        encoded == json.dumps(json.loads(encoded), ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()
    )


def test_it_builds_a_payload_the_published_schema_accepts():
    document = payload.assemble(signing_input())

    assert schema.problems(document) == []
    assert document["schema"] == "wardapp.daily-report/1"
    assert document["report_id"] == "20242:2026-11-21:r1"
    assert document["signed_at"] == "2026-11-21T16:45:12+07:00"


def test_it_keeps_the_late_reason_only_when_late():
    assert payload.assemble(signing_input(late=False, late_reason="x"))["late_reason"] is None
    assert payload.assemble(signing_input(late=True, late_reason="Mất điện"))["late_reason"] == "Mất điện"


def test_it_computes_the_rates_from_the_figures():
    rates = payload.assemble(signing_input(figures=support.factories.figures(**support.ONE_LATE)))["rates"]

    assert rates["online_rate"] == 0.4  # 12 online of 30 received
    assert rates["late_rate"] == 0.025  # 1 late of 40 to handle
    assert rates["on_time_rate"] == 0.975


def test_it_leaves_a_rate_without_denominator_empty_not_zero():
    quiet = dict.fromkeys(support.factories.figures(), 0)

    rates = payload.assemble(signing_input(figures=quiet))["rates"]

    assert rates["online_rate"] is None and rates["late_rate"] is None
    assert schema.problems(payload.assemble(signing_input(figures=quiet))) == []


@pytest.mark.parametrize(
    "breakage",
    [
        lambda d: d.pop("photos"),
        lambda d: d["figures"].pop("received_online"),
        lambda d: d["figures"].update(received_online=-1),
        lambda d: d["photos"][0].update(sha256="not-a-hash"),
        lambda d: d["photos"][0].update(content_type="application/pdf"),
        lambda d: d.update(signed_at="2026-11-21 16:45:12"),
        lambda d: d.update(report_id="20242:21/11/2026:r1"),
        lambda d: d["rates"].update(online_rate=1.5),
    ],
)
def test_it_publishes_a_schema_that_refuses_malformed_payloads(breakage):
    document = payload.assemble(signing_input())
    breakage(document)

    assert schema.problems(document) != []


# --- What signing really produces -------------------------------------------------------------


def test_it_validates_every_payload_it_signs_against_the_schema(app, commune, users):
    commune.deadline = dt.time(0, 0)  # late: the late fields are filled in too
    db.session.commit()
    plain = support.ready_day(commune, users, TODAY - dt.timedelta(days=1), photos=0)
    busy = support.ready_day(commune, users, TODAY, photos=3, late_dossier=True)
    signed = [
        sign_report(commune, plain, users["leader"], "Quên ký"),
        sign_report(commune, busy, users["leader"], "Chờ số liệu"),
    ]
    open_correction(busy, users["leader"], "Sai chú thích ảnh")
    signed.append(sign_report(commune, busy, users["leader"], "Sửa"))

    for rev in signed:
        assert schema.problems(json.loads(rev.payload)) == [], rev.report_key
        assert rev.payload == payload.encode(rev.document)  # stored in canonical form
        assert rev.payload_sha256 == hashlib.sha256(rev.payload).hexdigest()
    assert [r.document["late"] for r in signed] == [True, True, True]
    assert signed[2].document["supersedes"] == signed[1].report_key
    assert signed[2].document["correction_reason"] == "Sai chú thích ảnh"


def test_it_lists_every_photo_with_its_hash_size_and_type(app, commune, users):
    report = support.ready_day(commune, users, TODAY, photos=2)

    rev = sign_report(commune, report, users["leader"], "Chờ số liệu")

    photos = rev.document["photos"]
    assert len(photos) == 2
    for photo in photos:
        data = storage.original_path(photo["sha256"]).read_bytes()
        assert photo["sha256"] == hashlib.sha256(data).hexdigest()
        assert photo["bytes"] == len(data)
        assert photo["content_type"] == "image/jpeg"
        assert photo["category"] == "counters"
        assert photo["taken_at"].startswith(TODAY.isoformat() + "T08:3") and photo["taken_at"].endswith("+07:00")
    assert [p["caption"] for p in photos] == ["Quầy số 1 buổi sáng", "Quầy số 2 buổi sáng"]


def test_it_carries_the_days_figures_narrative_and_explanations(app, commune, users):
    report = support.ready_day(commune, users, TODAY, photos=0, late_dossier=True)

    document = sign_report(commune, report, users["leader"], "Chờ số liệu").document

    assert document["figures"] == support.factories.figures(**support.ONE_LATE)
    assert document["narrative"]["highlights"] == "Trung tâm tiếp nhận 30 hồ sơ, không có phản ánh."
    assert document["commune"] == {"code": "20242", "name": "Phường Hải Châu", "province_code": "48"}
    assert document["signed_by"] == {"username": "leader", "full_name": "Người dùng leader", "position": "Chuyên viên"}
    [explanation] = document["explanations"]
    assert explanation["item"].startswith("late:") and explanation["remedy"] == "Đã liên hệ Sở Tư pháp"
    assert document["late_dossiers"][0]["procedure"] == "Đăng ký khai sinh"
