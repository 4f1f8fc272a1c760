"""Issue 11's low items at the commune app, tried as the attack battery made them, and the kernel
readers that closed the class of 500s proved with Hypothesis."""

from __future__ import annotations

import datetime as dt
import io

from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from wardapp.core import clock, images, inputs, text
from wardapp.extensions import db

from . import factories
from .helpers import Page, signed_in

BIDI = "Nguyễn Văn \u202eA"


# --- Item 8: the readers never raise, and what they accept is usable ---------------------------


@settings(max_examples=400, derandomize=True, database=None)
@given(st.text(max_size=30))
def test_the_readers_never_raise_on_any_text(value):
    day = inputs.parse_date(value)
    month = inputs.parse_month(value)
    number = inputs.parse_int(value)
    page = inputs.parse_page(value)
    assert day is None or (inputs.FIRST_DAY <= day <= inputs.LAST_DAY)
    if day is not None:  # arithmetic around an accepted day never overflows
        assert day - dt.timedelta(days=400) < day + dt.timedelta(days=400)
    assert month is None or month.day == 1
    assert number is None or 0 <= number <= inputs.SQL_INT_MAX
    assert 1 <= page <= inputs.MAX_PAGE


@settings(max_examples=200, derandomize=True, database=None)
@given(st.integers(min_value=-(10**40), max_value=10**40))
def test_numbers_in_any_size_are_read_or_refused(value):
    parsed = inputs.parse_int(str(value), 0, 100)
    assert parsed == (value if 0 <= value <= 100 else None)


def test_unicode_digits_are_not_numbers():
    for typed in ("²", "١٢", "٣٤", "５"):
        assert typed.isdigit()  # what the old check trusted
        assert inputs.parse_int(typed) is None


def exif_jpeg(taken: str, offset: str) -> bytes:
    image = Image.new("RGB", (8, 8))
    exif = image.getexif()
    sub = exif.get_ifd(images.EXIF_IFD)
    sub[36867] = taken  # DateTimeOriginal
    sub[36881] = offset  # OffsetTimeOriginal
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


def test_an_exif_date_at_the_end_of_the_calendar_is_dropped_not_a_500():
    data = exif_jpeg("9999:12:31 23:59:59", "-12:00")
    with Image.open(io.BytesIO(data)) as image:
        assert images.capture_time(image.getexif()) is None


def test_months_and_calendar_ends_answer_without_a_500(app, users):
    client = signed_in(app, "admin")
    for url in (
        "/reports/?month=0001-01",
        "/reports/?month=9999-12",
        "/?month=0001-01",
        "/delays?month=9999-12",
        "/admin/audit/?from=0001-01-01&to=9999-12-31",
        "/admin/audit/?page=99999999999999999999999",
        "/admin/users/99999999999999999999999",
        "/pdf/month/0001-01.pdf",
    ):
        assert client.get(url).status_code < 500, url


# --- Item 7: a reviewer cannot stall the app with a date range ---------------------------------


def test_the_pdf_list_is_bounded_whatever_the_range(app, users):
    client = signed_in(app, "reviewer")

    for start in ("0001-01-02", "1900-01-01"):
        page = client.get("/pdf/", query_string={"from": start})
        assert page.status_code == 200
        assert len(page.get_data()) < 300_000  # was 5 MB for 1900-01-01
    clipped = client.get("/pdf/", query_string={"from": "1900-01-01"})
    assert Page.of(clipped).text("range-clipped").startswith("Mỗi lần xem tối đa 92 ngày")
    assert client.get("/pdf/range.zip", query_string={"from": "1900-01-01"}).status_code == 400


# --- Item 15: invisible and bidi characters are refused next to the field ----------------------


def test_text_checks_find_bidi_and_controls_but_keep_line_breaks():
    assert text.forbidden_characters(BIDI) == ["U+202E"]
    assert text.forbidden_characters("a\u200bb\u2066c\x07") == ["U+200B", "U+2066", "U+0007"]
    assert text.forbidden_characters("Dòng 1\nDòng 2\tcột") == []


def test_every_forbidden_character_is_unprintable_so_printable_text_is_passed_quickly():
    """forbidden_characters skips the look at each character for printable text: that is right
    only while no forbidden character of any code point is printable (checked over all of them)."""
    sneaky = [chr(cp) for cp in range(0x110000) if chr(cp).isprintable() and text.forbidden_characters("\n" + chr(cp))]
    assert sneaky == []
    assert text.forbidden_characters("Nguyễn Văn A \u202e") == ["U+202E"]


def test_a_bidi_override_in_a_name_is_refused_and_what_was_typed_is_kept(app, users):
    admin = signed_in(app, "admin")

    answer = admin.post(
        "/admin/users/new",
        data={"username": "moi", "full_name": BIDI, "position": "", "role": "staff", "password": "mat-khau-dai-1"},
    )

    assert answer.status_code == 422
    assert "U+202E" in Page.of(answer).text("err-full_name")
    assert Page.of(answer).value("full_name") == BIDI


def test_a_bidi_override_in_the_narrative_is_refused_and_kept(app, commune, users):
    staff = signed_in(app, "staff")
    day = clock.today().isoformat()

    answer = staff.post(f"/reports/{day}", data=factories.form_data(highlights="Tốt \u202egnol"))

    assert answer.status_code == 422
    assert "U+202E" in answer.get_data(as_text=True)
    assert "Tốt \u202egnol" in answer.get_data(as_text=True)
    db.session.expire_all()


# --- Item 17: two phones create the day's row at the same moment --------------------------------


def test_creating_a_day_that_another_request_just_created_finds_its_row(app, commune, users, monkeypatch):
    """The race as it happened: both requests looked, found no row, and both inserted."""
    from sqlalchemy import create_engine
    from sqlalchemy.orm import Session

    from wardapp.reports.models import DailyReport
    from wardapp.reports.operations import get_or_create_report

    day = clock.today()
    other_worker = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    with Session(other_worker) as other:  # the other phone's request wins the race
        other.add(DailyReport(commune_id=commune.id, date=day, created_by_id=users["leader"].id))
        other.commit()
    other_worker.dispose()
    from wardapp.reports import operations

    real, looks = operations.get_report, []

    def looked_before_the_other_insert(*args):
        looks.append(args)
        return None if len(looks) == 1 else real(*args)

    monkeypatch.setattr(operations, "get_report", looked_before_the_other_insert)

    report, created = get_or_create_report(commune.id, day, created_by_id=users["staff"].id)

    assert created is False and report.date == day and len(looks) == 2
    again, created_again = get_or_create_report(commune.id, day + dt.timedelta(days=-1))
    assert created_again is True and again.id != report.id


def test_two_phones_uploading_the_first_photos_at_once_both_succeed(app, commune, users):
    import threading

    import requests

    from .photos import category_ids
    from .sending import support

    category = category_ids()["exterior"]
    day = (clock.today() - dt.timedelta(days=1)).isoformat()
    served = support.Served(app).start()
    try:
        phones = []
        for _ in range(2):
            phone = requests.Session()
            phone.post(f"{served.url}/login", data={"username": "staff", "password": factories.PASSWORD})
            phones.append(phone)
        start, answers = threading.Barrier(2), []

        def upload(phone, shade):
            start.wait()
            answers.append(
                phone.post(
                    f"{served.url}/reports/{day}/photos",
                    data={"category": str(category), "caption": "Quầy"},
                    files={"photo": ("a.jpg", support.jpeg(size=(40 + shade, 30)), "image/jpeg")},
                    allow_redirects=False,
                    timeout=60,
                ).status_code
            )

        threads = [threading.Thread(target=upload, args=(p, i)) for i, p in enumerate(phones)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
    finally:
        served.stop()

    assert len(answers) == 2 and all(code < 500 for code in answers), answers


# --- Item 16: the task CSV as Excel and LibreOffice save it (RFC 4180) --------------------------


EXCEL = (
    "\ufeffcode,title,deadline\r\n"
    'NV-01,"Triển khai ""Một cửa"" số, giai đoạn 2",31/12/2026\r\n'
    'NV-02,"Hai dòng\r\ntrong một ô",30/06/2026\r\n'
).encode()
EXCEL_SEMICOLON = (
    "\ufeffcode;title;deadline\r\n"
    'NV-01;"Triển khai ""Một cửa"" số; giai đoạn 2";31/12/2026\r\n'
    'NV-02;"Hai dòng\r\ntrong một ô";30/06/2026\r\n'
).encode()
LIBREOFFICE = (
    "code,title,deadline\n"
    'NV-01,"Triển khai ""Một cửa"" số, giai đoạn 2",31/12/2026\n'
    'NV-02,"Hai dòng\ntrong một ô",30/06/2026\n'
).encode()


def test_the_task_csv_reads_doubled_quotes_as_excel_and_libreoffice_write_them():
    from wardapp.tasks.importer import read_csv

    for saved in (EXCEL, EXCEL_SEMICOLON, LIBREOFFICE):
        result = read_csv(saved, set(), dt.date(2026, 1, 1))
        assert result.errors == [], result.errors
        titles = [row["title"] for row in result.rows]
        assert titles[0] == 'Triển khai "Một cửa" số, giai đoạn 2'.replace(
            ",", ";" if saved is EXCEL_SEMICOLON else ","
        )
        assert titles[1].replace("\r\n", "\n") == "Hai dòng\ntrong một ô"


# --- Item 9: a photo folder that cannot be written -----------------------------------------------


def test_an_unwritable_photo_folder_says_what_failed_and_keeps_the_caption(app, commune, users, caplog):
    from pathlib import Path

    from .photos import DAY, jpeg, upload

    staff = signed_in(app, "staff")
    # As root a read-only mode is ignored: a file where the folder should be fails for everyone.
    folder = Path(app.instance_path) / "photos"
    folder.parent.mkdir(parents=True, exist_ok=True)
    folder.write_bytes(b"not a folder")

    with caplog.at_level("ERROR", logger="wardapp"):
        answer = upload(staff, jpeg(), "quay.jpg", caption="Quầy một cửa sáng nay")

    assert answer.status_code == 422
    assert "không lưu được ảnh" in Page.of(answer).text("err-photo")
    assert Page.of(answer).value("caption") == "Quầy một cửa sáng nay"
    assert any("could not store photo" in r.getMessage() for r in caplog.records)
    assert DAY  # the day the helper uploads to


# --- Item 10: kill -9 during an upload leaves nothing behind after the start-up sweep -----------


# A child process that stores a photo as the upload route does, and is killed at one step of it.
UPLOAD_IN_A_CHILD = """
import os, signal, sys
from wardapp.app import create_app
from wardapp.extensions import db
from wardapp.evidence.models import PhotoCategory
from wardapp.evidence.operations import add_photo
from wardapp.reports.models import DailyReport
from wardapp.auth.models import User

app = create_app({"INSTANCE_PATH": sys.argv[1], "TESTING": True, "SECRET_KEY": "x"})
with app.app_context():
    report = db.session.get(DailyReport, int(sys.argv[2]))
    user = db.session.get(User, int(sys.argv[3]))
    category = db.session.scalar(db.select(PhotoCategory))
"""

KILLED_UPLOAD = (
    UPLOAD_IN_A_CHILD
    + """    # The moment of the attack: the files are written, the row not yet committed.
    db.session.commit = lambda: os.kill(os.getpid(), signal.SIGKILL)
    add_photo(report, open(sys.argv[4], "rb").read(), "quay.jpg", category, "", user)
"""
)


def test_kill_9_during_an_upload_leaves_no_orphan_after_the_sweep(app, commune, users, tmp_path):
    import subprocess
    import sys
    from pathlib import Path

    from wardapp import ROOT
    from wardapp.evidence import storage
    from wardapp.evidence.models import Photo
    from wardapp.evidence.operations import SWEEP_AFTER_SECONDS

    from .photos import jpeg

    report = factories.make_report(commune, clock.today(), users["staff"])
    db.session.commit()
    photo = tmp_path / "photo.jpg"
    photo.write_bytes(jpeg())
    stray = Path(app.instance_path) / "photos" / "ab" / ".abcd.half-written"
    stray.parent.mkdir(parents=True, exist_ok=True)
    stray.write_bytes(b"half")

    child = subprocess.run(
        [sys.executable, "-c", KILLED_UPLOAD, app.instance_path, str(report.id), str(users["staff"].id), str(photo)],
        cwd=ROOT,
        capture_output=True,
        timeout=120,
    )

    assert child.returncode == -9, child.stderr.decode()[-2000:]
    left = [p for p in (Path(app.instance_path) / "photos").rglob("*") if p.is_file()]
    assert len(left) == 2  # the original with no row (a JPEG's thumbnail comes after the answer), the stray
    assert db.session.scalar(db.select(db.func.count(Photo.id))) == 0

    # The tests' clock is frozen (time-machine); the files carry the real time of their writing.
    written = max(p.stat().st_mtime for p in left)
    assert storage.sweep(set(), SWEEP_AFTER_SECONDS, now=written) == []  # a fresh upload is left alone
    removed = storage.sweep(set(), SWEEP_AFTER_SECONDS, now=written + SWEEP_AFTER_SECONDS + 1)

    assert sorted(removed) == sorted(left)
    assert [p for p in (Path(app.instance_path) / "photos").rglob("*") if p.is_file()] == []


KILLED_AFTER_THE_ANSWER = (
    UPLOAD_IN_A_CHILD
    + """    add_photo(report, open(sys.argv[4], "rb").read(), "quay.jpg", category, "", user)
    # The moment of the attack: the uploader has the answer, the decode has not run.
    os.kill(os.getpid(), signal.SIGKILL)
"""
)


def test_kill_9_between_the_answer_and_the_thumbnail_loses_nothing(app, commune, users, tmp_path, monkeypatch):
    import subprocess
    import sys
    from pathlib import Path

    from wardapp import ROOT
    from wardapp.evidence import storage
    from wardapp.evidence.models import Photo, PixelState
    from wardapp.evidence.operations import sweep_at_start

    from .photos import jpeg

    report = factories.make_report(commune, clock.today(), users["staff"])
    db.session.commit()
    photo = tmp_path / "photo.jpg"
    photo.write_bytes(jpeg())

    child = subprocess.run(
        [
            sys.executable,
            "-c",
            KILLED_AFTER_THE_ANSWER,
            app.instance_path,
            str(report.id),
            str(users["staff"].id),
            str(photo),
        ],
        cwd=ROOT,
        capture_output=True,
        timeout=120,
    )

    assert child.returncode == -9, child.stderr.decode()[-2000:]
    [kept] = db.session.scalars(db.select(Photo))
    assert kept.pixels == PixelState.PENDING
    assert storage.original_path(kept.sha256).read_bytes() == photo.read_bytes()
    assert not storage.has_thumbnail(kept.sha256)

    monkeypatch.setattr(app, "testing", False)  # start-up work is skipped in tests otherwise
    sweep_at_start(app)  # the next worker to start

    db.session.expire_all()
    assert kept.pixels == PixelState.READABLE
    assert storage.has_thumbnail(kept.sha256)
    files = sorted(p for p in (Path(app.instance_path) / "photos").rglob("*") if p.is_file())
    assert files == sorted([storage.original_path(kept.sha256), storage.thumbnail_path(kept.sha256)])
