"""Fixtures for the PDF tests: signed days with Vietnamese text, reading PDFs back, the city.

Text is read back with pypdf. ReportLab embeds the fonts with a ToUnicode map, and pypdf gives
back precomposed (NFC) Vietnamese; we still normalise both sides with NFC so that a decomposed
"ờ" (o + horn + grave) and a precomposed one compare equal whichever side produced it.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import unicodedata

import pypdf
import pytest

from wardapp.core.pdf import signature
from wardapp.delays.operations import add_late_dossier, explain
from wardapp.delays.readiness import readiness
from wardapp.evidence.models import PhotoCategory
from wardapp.evidence.operations import add_photo
from wardapp.extensions import db
from wardapp.signing import documents
from wardapp.signing.models import ReportRevision
from wardapp.signing.operations import open_correction, sign_report

from .. import factories
from ..helpers import TODAY
from ..sending import support

YESTERDAY = TODAY - dt.timedelta(days=1)
COMMUNE_NAME = "Phường Hải Châu"
LEADER_NAME = "Lê Thị Hằng"
LEADER_POSITION = "Phó Chủ tịch UBND phường"
HIGHLIGHTS = "Trung tâm tiếp nhận đủ hồ sơ, người dân hài lòng với thái độ phục vụ của cán bộ."
DIFFICULTIES = "Đường truyền chập chờn, phải khởi động lại máy chủ lúc 9 giờ."
PROPOSALS = "Đề nghị Sở Khoa học và Công nghệ nâng cấp đường truyền cáp quang trước quý I năm sau."
CAUSE = "Đường truyền chập chờn, phải khởi động lại máy chủ lúc 9 giờ; hồ sơ gốc chưa được chuyển đủ."
REMEDY = "Bố trí cán bộ trực kỹ thuật từ 7 giờ 30, liên hệ nhà mạng khắc phục sự cố trong tuần."
RESPONSIBLE = "Phó Chủ tịch Lê Thị Hằng"
OFFICERS = [
    ("Nguyễn Thị Lan", "Bộ phận Tư pháp - Hộ tịch"),
    ("Trần Văn Bình", "Bộ phận Địa chính - Xây dựng"),
    ("Phạm Thị Hồng Nhung", "Bộ phận Văn hóa - Xã hội"),
    ("Đặng Quốc Việt", "Văn phòng HĐND-UBND"),
    ("Huỳnh Ngọc Ánh", "Bộ phận Một cửa"),
]
PROCEDURES = [
    "Đăng ký khai sinh",
    "Cấp giấy phép xây dựng nhà ở riêng lẻ",
    "Đăng ký kết hôn",
    "Chứng thực bản sao từ bản chính",
    "Xác nhận tình trạng hôn nhân",
]


@pytest.fixture(autouse=True)
def at_noon(noon):
    """Every test here starts at 12:00 today (tests/conftest.py's ``noon``): signing today is on
    time (the deadline is 17:00), signing yesterday is late, whatever ``TEST_NOW`` is."""


# --- Reading PDFs back ------------------------------------------------------------------------


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def flat(text: str) -> str:
    """NFC with every run of whitespace as one space: lines wrapped by the layout read as typed."""
    return " ".join(nfc(text).split())


def page_texts(pdf: bytes) -> list[str]:
    return [flat(page.extract_text()) for page in pypdf.PdfReader(io.BytesIO(pdf)).pages]


def text_of(pdf: bytes) -> str:
    return " ".join(page_texts(pdf))


def image_count(pdf: bytes) -> int:
    return sum(len(page.images) for page in pypdf.PdfReader(io.BytesIO(pdf)).pages)


def signature_fields(pdf: bytes) -> list[str]:
    fields = pypdf.PdfReader(io.BytesIO(pdf)).get_fields() or {}
    return [name for name, field in fields.items() if field.get("/FT") == "/Sig"]


def commune_certificate():
    """The root the commune's documents chain to: the local CA made at set-up."""
    return signature.certificate(documents.ca_dir())


def first_page_stream_span(pdf: bytes) -> tuple[int, int]:
    """Where the (compressed) bytes of page 1's content stream lie in the file."""
    ref = pypdf.PdfReader(io.BytesIO(pdf)).pages[0].raw_get("/Contents")
    found = re.search(rb"(?<![0-9])%d %d obj" % (ref.idnum, ref.generation), pdf)
    assert found, "page 1's content stream object not found"
    start = pdf.index(b"stream", found.end()) + len(b"stream")
    start += 2 if pdf[start : start + 2] == b"\r\n" else 1
    return start, pdf.index(b"endstream", start)


# --- Making days ------------------------------------------------------------------------------


def name_leader(users) -> None:
    users["leader"].full_name = LEADER_NAME
    users["leader"].position = LEADER_POSITION
    db.session.commit()


def day_ready(
    commune,
    users,
    day: dt.date,
    *,
    photos: int = 1,
    late: int = 0,
    photo_size=(64, 48),
    explanations: list[tuple[str, str]] | None = None,
    **figures,
):
    """A day the leader can sign: figures that add up, ``photos`` JPEGs taken that day, ``late``
    dossiers resolved late (one per officer of ``OFFICERS``), each explained with
    ``explanations[i]`` (cause, remedy) or the default texts, and the narrative filled in."""
    support.no_photo_required(commune)
    values = support.CLEAN | {"resolved_late": late, "resolved_on_time": 20 - late, "apology_letters": late}
    report = factories.make_report(commune, day, users["staff"], **(values | figures))
    report.highlights, report.difficulties, report.proposals = HIGHLIGHTS, DIFFICULTIES, PROPOSALS
    db.session.commit()
    category = db.session.scalar(db.select(PhotoCategory).filter_by(commune_id=commune.id, key="counters"))
    for i in range(photos):
        taken = dt.datetime.combine(day, dt.time(7 + i // 60, i % 60))
        add_photo(
            report,
            support.jpeg(taken, size=photo_size),
            f"quay-{i + 1}.jpg",
            category,
            f"Quầy số {i + 1}: người dân chờ tiếp nhận hồ sơ",
            users["staff"],
        )
    for i in range(late):
        officer, unit = OFFICERS[i % len(OFFICERS)]
        add_late_dossier(
            report,
            {
                "kind": "resolved_late",
                "count": 1,
                "procedure": PROCEDURES[i % len(PROCEDURES)],
                "dossier_code": f"000.00.48.H17-{day:%y%m%d}-{i + 1:04d}",
                "officer": officer,
                "unit": unit,
                "cause": "Chờ xác minh hồ sơ gốc ở cơ quan cấp trên",
                "apology_issued": True,
                "new_appointment": None,
            },
            users["staff"],
        )
    db.session.commit()
    for i, item in enumerate(readiness(commune, report, day).items):
        cause, remedy = explanations[i] if explanations else (CAUSE, REMEDY)
        explain(
            report,
            item,
            {"cause": cause, "remedy": remedy, "responsible": RESPONSIBLE, "new_date": TODAY + dt.timedelta(days=3)},
            users["leader"],
        )
    db.session.commit()
    assert readiness(commune, report, day).ready, readiness(commune, report, day).blockers
    return report


def sign(commune, report, users, late_reason: str = "") -> ReportRevision:
    return sign_report(commune, report, users["leader"], late_reason)


def correct(commune, report, users, reason: str, late_reason: str = "") -> ReportRevision:
    open_correction(report, users["leader"], reason)
    report.highlights = HIGHLIGHTS + " Bổ sung: hoàn thành số hóa hồ sơ hộ tịch trong ngày."
    db.session.commit()
    return sign(commune, report, users, late_reason)


@pytest.fixture
def signed(app, commune, users):
    """Today signed on time by the named leader: two photos, one late dossier explained."""
    name_leader(users)
    return sign(commune, day_ready(commune, users, TODAY, photos=2, late=1), users)


# --- A month to sign ---------------------------------------------------------------------------

LAST_MONTH = (TODAY.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
MONTH = f"{LAST_MONTH:%Y-%m}"
THIRD, TENTH, TWELFTH = (LAST_MONTH.replace(day=d) for d in (3, 10, 12))
LATE_REASON = "Ký bổ sung báo cáo tháng trước."


@pytest.fixture
def month_days(app, commune, users):
    """Last month: the 3rd and the 10th signed (late: signed this month; the 10th has a late dossier),
    the 12th entered but never signed."""
    name_leader(users)
    third = sign(commune, day_ready(commune, users, THIRD), users, late_reason=LATE_REASON)
    tenth = sign(commune, day_ready(commune, users, TENTH, late=1), users, late_reason=LATE_REASON)
    day_ready(commune, users, TWELFTH)
    return {THIRD: third, TENTH: tenth}


# --- The city intake --------------------------------------------------------------------------


@pytest.fixture
def city(city_app):
    """The city intake served on 127.0.0.1, knowing a reviewer ``sokhcn``."""
    server = support.City(city_app).start()
    server.make_user()
    yield server
    server.stop()


@pytest.fixture
def wired(app, city, commune, users):
    """The commune app sending to the live city, which knows the commune's key."""
    app.config["CITY_URL"] = city.url
    support.enrol_commune(city)
    return city
