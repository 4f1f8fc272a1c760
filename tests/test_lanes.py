"""The heavy lane (wardapp/platform/lanes.py): uploads, their decode, a ZIP's PDFs and a dossier
import run at most ``slots`` at a time across every worker process and thread; the pages staff
type in never enter it.

Asserted by who holds the lane when (``taken()`` probes a slot through a fresh descriptor, as a
second worker would), never by how long anything took.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import subprocess
import sys
import threading
import zipfile
from pathlib import Path

from wardapp import ROOT
from wardapp.evidence import operations as evidence_operations
from wardapp.evidence import routes as evidence_routes
from wardapp.extensions import db
from wardapp.pdf import routes as pdf_routes
from wardapp.platform import lanes
from wardapp.platform.lanes import HeavyLane
from wardapp.signing.operations import sign_report

from .helpers import TODAY, signed_in
from .photos import DAY, at, camera_exif, jpeg, stored_photos, upload
from .sending import support

HOLD_IN_A_CHILD = """
import sys, time
from pathlib import Path
from wardapp.platform.lanes import HeavyLane
lane = HeavyLane(Path(sys.argv[1]), 1)
with lane.hold():
    print("held", flush=True)
    sys.stdin.read()  # until the test closes our stdin, or kills us
"""


def hold_in_a_child(directory: Path) -> subprocess.Popen:
    """Another process (as another gunicorn worker would be) holding the one slot."""
    child = subprocess.Popen(
        [sys.executable, "-c", HOLD_IN_A_CHILD, str(directory)],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdout.readline().strip() == "held"
    return child


def in_a_thread(function):
    """``function()``'s result, run in a thread of its own (a second thread of the same worker)."""
    out = []
    thread = threading.Thread(target=lambda: out.append(function()))
    thread.start()
    thread.join(timeout=120)
    assert out, "the thread never finished"
    return out[0]


# --- the lane itself ------------------------------------------------------------------------


def test_one_slot_is_shared_by_the_threads_and_processes_of_the_machine(tmp_path):
    lane = HeavyLane(tmp_path, 1)
    assert not lane.taken()
    with lane.hold():
        assert lane.taken()
        assert in_a_thread(lane.taken), "another thread could enter"
        assert HeavyLane(tmp_path, 1).taken(), "another worker's lane could enter"
    assert not lane.taken()

    child = hold_in_a_child(tmp_path)
    try:
        assert lane.taken(), "a slot held by another process is free here"
    finally:
        child.communicate("")
    assert not lane.taken()


def test_a_worker_killed_in_the_lane_does_not_keep_its_slot(tmp_path):
    lane = HeavyLane(tmp_path, 1)
    child = hold_in_a_child(tmp_path)
    assert lane.taken()
    child.kill()  # kill -9
    child.communicate()
    assert not lane.taken()
    with lane.hold():
        assert lane.taken()


def test_two_slots_let_two_in_and_the_third_waits_for_one_of_them(tmp_path):
    lane = HeavyLane(tmp_path, 2)
    first_in, let_go, log = threading.Event(), threading.Event(), []

    def first():
        with lane.hold():
            first_in.set()
            let_go.wait(timeout=120)
            log.append("first out")

    def third():
        with lane.hold():
            log.append("third in")

    holder = threading.Thread(target=first)
    holder.start()
    assert first_in.wait(timeout=120)
    with lane.hold():  # the second slot
        assert lane.taken()
        waiter = threading.Thread(target=third)
        waiter.start()
        let_go.set()
        waiter.join(timeout=120)
    holder.join(timeout=120)
    assert log == ["first out", "third in"]


def test_a_thread_already_in_the_lane_enters_again_without_waiting_on_itself(tmp_path):
    lane = HeavyLane(tmp_path, 1)

    def nested():
        with lane.hold(), lane.hold():
            inner = lane.taken()
        return inner, lane.taken()

    assert in_a_thread(nested) == (True, False)


def test_a_streamed_answer_makes_each_piece_in_the_lane_and_hands_it_on_outside(tmp_path):
    lane = HeavyLane(tmp_path, 1)
    made_in_lane = []

    def pieces():
        for piece in (b"one", b"two", b"three"):
            made_in_lane.append(in_a_thread(lane.taken))
            yield piece

    handed = []
    for piece in lane.pieces(pieces()):
        handed.append((piece, in_a_thread(lane.taken)))
    assert made_in_lane == [True, True, True]
    assert handed == [(b"one", False), (b"two", False), (b"three", False)]


def test_the_default_keeps_one_cpu_for_the_pages_staff_type_in(app):
    assert lanes.default_slots() == max(1, len(os.sched_getaffinity(0)) - 1)
    assert len(lanes.of(app).slots) == lanes.default_slots()


def test_the_lane_is_entered_before_the_csrf_check_parses_the_form_and_after_the_request_is_logged(app):
    names = [f.__name__ for f in app.before_request_funcs[None]]
    assert names.index("_start") < names.index("_enter_for_a_heavy_view") < names.index("csrf_protect")


# --- what runs in it -------------------------------------------------------------------------


def test_an_upload_is_read_off_the_network_first_then_parsed_and_stored_in_the_lane(app, users, monkeypatch):
    staff = signed_in(app, "staff")
    lane = lanes.of(app)
    seen = {}
    real_hold, real_add_photo = lane.hold, evidence_routes.add_photo

    def hold():
        from flask import request

        seen["body read before"] = request.get_data(cache=True, parse_form_data=False) != b""
        seen["form parsed before"] = "form" in request.__dict__ or "files" in request.__dict__
        return real_hold()

    def add_photo(*args, **kwargs):
        seen["stored in the lane"] = in_a_thread(lane.taken)
        return real_add_photo(*args, **kwargs)

    monkeypatch.setattr(lane, "hold", hold)
    monkeypatch.setattr(evidence_routes, "add_photo", add_photo)
    response = upload(staff, jpeg(camera_exif(at(9, 30)), size=(640, 480)), settle=False)
    assert response.status_code == 303
    assert seen == {"body read before": True, "form parsed before": False, "stored in the lane": True}
    assert not lane.taken(), "the lane was kept after the answer"


def test_the_decode_after_the_answer_runs_in_the_lane(app, users, monkeypatch):
    staff = signed_in(app, "staff")
    lane = lanes.of(app)
    decoded_in_lane = []
    real_settle = evidence_operations.settle

    def settle(photo):
        decoded_in_lane.append(in_a_thread(lane.taken))
        return real_settle(photo)

    monkeypatch.setattr(evidence_operations, "settle", settle)
    assert upload(staff, jpeg(camera_exif(at(9, 30)), size=(640, 480))).status_code == 303
    assert decoded_in_lane == [True]
    assert [p.pixels for p in stored_photos()] == ["readable"]
    assert not lane.taken()


def test_pages_and_live_checks_never_wait_for_the_lane(app, users, tmp_path):
    """The lane held elsewhere (another worker's upload), staff still get their pages: the
    photo page (a GET of a heavy view), today's form, the live check, and the dossier page."""
    staff = signed_in(app, "staff")
    child = hold_in_a_child(tmp_path / "lanes")
    try:
        assert lanes.of(app).taken()
        answers = in_a_thread(
            lambda: [
                staff.get(f"/reports/{DAY}/photos").status_code,
                staff.get(f"/reports/{TODAY}").status_code,
                staff.get(f"/reports/{TODAY}/check", query_string={"received_in_person": "12"}).status_code,
            ]
        )
    finally:
        child.communicate("")
    assert answers == [200, 200, 200]


def test_each_pdf_of_a_zip_is_read_in_the_lane_and_sent_outside_it(app, commune, users, monkeypatch):
    first = TODAY - dt.timedelta(days=3)
    for back in range(3):
        report = support.ready_day(commune, users, first + dt.timedelta(days=back), photos=1)
        sign_report(commune, report, users["leader"], "Chờ số liệu của bộ phận một cửa")
    db.session.commit()
    reviewer = signed_in(app, "reviewer")
    lane = lanes.of(app)
    made_in_lane = []
    real_range_zip = pdf_routes.range_zip

    def range_zip(*args):
        for piece in real_range_zip(*args):
            made_in_lane.append(in_a_thread(lane.taken))
            yield piece

    monkeypatch.setattr(pdf_routes, "range_zip", range_zip)
    response = reviewer.get(f"/pdf/range.zip?from={first}&to={first + dt.timedelta(days=2)}")
    chunks = []
    for chunk in response.response:
        chunks.append(chunk)
        assert not in_a_thread(lane.taken), "the lane was kept while the piece was sent"
    response.close()
    assert response.status_code == 200
    assert made_in_lane == [True] * 4  # three PDFs, then the central directory
    with zipfile.ZipFile(io.BytesIO(b"".join(chunks))) as archive:
        assert len(archive.namelist()) == 3
