"""Served as the README serves it (gunicorn with ``gunicorn.conf.py``), a slow download does not
hold up the pages staff type in.

A real gunicorn, started here on a port the OS picks, with ONE worker so that nothing but its
threads can answer the second client: a reviewer pulls a ZIP of days whose PDFs must still be
built (signed before PDFs were kept at signing), and while the server is inside that ZIP a member
of staff's live check is asked. The check must come back first. Asserted by the order in which the
two finish, never by how long either took.
"""

from __future__ import annotations

import datetime as dt
import gc
import io
import os
import re
import runpy
import shutil
import subprocess
import sys
import threading
import time
import zipfile
from pathlib import Path

import pytest
import requests

from wardapp import ROOT
from wardapp.extensions import db
from wardapp.signing.operations import sign_report

from . import factories
from .helpers import TODAY
from .sending import support

DAYS = 12


class Gunicorn:
    """gunicorn serving ``wsgi:app`` with the repository's ``gunicorn.conf.py`` on 127.0.0.1:0."""

    def __init__(self, instance: Path, workers: int = 1, **settings: str):
        env = {k: v for k, v in os.environ.items() if k not in ("WARDAPP_THREADS", "WARDAPP_WORKERS", "WARDAPP_BIND")}
        env |= {"WARDAPP_INSTANCE_PATH": str(instance), "WARDAPP_SECRET_KEY": "test-secret"}
        env |= {f"WARDAPP_{name}": value for name, value in settings.items()}
        self.log = instance / "gunicorn.log"
        self._log_file = self.log.open("wb")  # gunicorn's own log (stderr): the port, errors
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "-c",
                "gunicorn.conf.py",
                "--bind",
                "127.0.0.1:0",
                "--workers",
                str(workers),
                "wsgi:app",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=self._log_file,
        )
        self.url = f"http://127.0.0.1:{self._port()}"
        self._ready()

    def _port(self) -> int:
        deadline = time.monotonic() + 120  # a generous bound on a busy machine, not a measurement
        while time.monotonic() < deadline:
            found = re.search(r"Listening at: http://127\.0\.0\.1:(\d+)", self.text())
            if found:
                return int(found.group(1))
            assert self.process.poll() is None, self.text()
            time.sleep(0.1)
        raise AssertionError(f"gunicorn did not start:\n{self.text()}")

    def _ready(self) -> None:
        """Waits until the worker answers (importing the app takes a moment after the bind)."""
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if requests.get(f"{self.url}/healthz", timeout=30).status_code == 200:
                    return
            except requests.RequestException:
                time.sleep(0.2)
        raise AssertionError(f"gunicorn's worker never answered:\n{self.text()}")

    def text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self._log_file.close()


def signed_in(url: str, username: str) -> requests.Session:
    session = requests.Session()
    page = session.get(f"{url}/login", timeout=30).text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    answer = session.post(
        f"{url}/login",
        data={"username": username, "password": factories.PASSWORD, "csrf_token": token},
        allow_redirects=False,
        timeout=30,
    )
    assert answer.status_code == 303, f"could not sign in as {username}"
    return session


@pytest.fixture
def served(app, commune, users, tmp_path):
    """DAYS signed days whose PDFs are not kept yet, then the app served by gunicorn."""
    first = TODAY - dt.timedelta(days=DAYS)
    for back in range(DAYS):
        report = support.ready_day(commune, users, first + dt.timedelta(days=back), photos=2)
        sign_report(commune, report, users["leader"], "Chờ số liệu của bộ phận một cửa")
    shutil.rmtree(tmp_path / "pdfs", ignore_errors=True)  # as if signed before PDFs were kept
    db.session.remove()
    db.engine.dispose()
    server = Gunicorn(tmp_path)
    yield server, first
    server.stop()


def test_a_live_check_answers_while_a_zip_of_unbuilt_pdfs_is_being_made(served, tmp_path):
    server, first = served
    reviewer, staff = signed_in(server.url, "reviewer"), signed_in(server.url, "staff")
    finished: list[str] = []
    answers: dict[str, requests.Response] = {}
    last = first + dt.timedelta(days=DAYS - 1)

    def pull_zip():
        answers["zip"] = reviewer.get(f"{server.url}/pdf/range.zip?from={first}&to={last}", timeout=600)
        finished.append("zip")

    puller = threading.Thread(target=pull_zip)
    puller.start()
    deadline = time.monotonic() + 300
    while not any((tmp_path / "pdfs").glob("*.pdf")):  # the server is inside the ZIP, building
        assert time.monotonic() < deadline and puller.is_alive(), "the ZIP never started"
        time.sleep(0.02)

    answers["check"] = staff.get(
        f"{server.url}/reports/{TODAY}/check", params={"received_in_person": "12"}, timeout=600
    )
    finished.append("check")
    puller.join(timeout=600)

    assert finished == ["check", "zip"], "the live check waited for the reviewer's ZIP"
    assert answers["check"].status_code == 200
    assert answers["zip"].status_code == 200
    with zipfile.ZipFile(io.BytesIO(answers["zip"].content)) as archive:
        assert archive.testzip() is None
        assert len(archive.namelist()) == DAYS
        for name in archive.namelist():
            assert archive.read(name).startswith(b"%PDF-")


def test_a_worker_keeps_its_start_up_heap_out_of_the_garbage_collectors_walks():
    """gunicorn.conf.py's post_worker_init freezes what the worker built while starting, so that a
    full collection during a request walks only what requests made."""
    hooks = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    before = gc.get_freeze_count()
    try:
        hooks["post_worker_init"](None)
        assert gc.get_freeze_count() > before + 10_000  # the test process's own imports, at least
    finally:
        gc.unfreeze()


def waited_on(lock: Path) -> bool:
    """Whether some process is blocked waiting for the flock on ``lock``: Linux lists a waiting
    request in /proc/locks with ``->`` before it, and the file as major:minor:inode."""
    inode = str(lock.stat().st_ino)
    for line in Path("/proc/locks").read_text().splitlines():
        fields = line.split()
        if len(fields) > 5 and fields[1] == "->" and fields[2] == "FLOCK" and fields[6].rsplit(":", 1)[-1] == inode:
            return True
    return False


def test_an_upload_waits_in_the_heavy_lane_while_a_live_check_does_not(app, commune, users, tmp_path):
    """The lane's one slot held here (as another worker's ZIP would hold it): a photo sent to the
    server waits for it, inside the server, and meanwhile a member of staff's live check answers;
    once the slot is let go the photo is stored. Order of completion, not time."""
    from wardapp.platform.lanes import HeavyLane

    from .photos import at, camera_exif, category_ids, jpeg

    category = category_ids(commune.id)["exterior"]
    db.session.remove()
    db.engine.dispose()
    server = Gunicorn(tmp_path, HEAVY_LANES="1")
    try:
        uploader, staff = signed_in(server.url, "staff"), signed_in(server.url, "staff")
        page = uploader.get(f"{server.url}/reports/{TODAY}/photos", timeout=60).text
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        photo = jpeg(camera_exif(at(9, 30, day=TODAY)), size=(640, 480))
        lane = HeavyLane(tmp_path / "lanes", 1)
        finished: list[str] = []
        answers: dict[str, requests.Response] = {}

        def send_photo():
            answers["upload"] = uploader.post(
                f"{server.url}/reports/{TODAY}/photos",
                data={"csrf_token": token, "category": str(category), "caption": "Mặt tiền"},
                files={"photo": ("mat-tien.jpg", photo, "image/jpeg")},
                allow_redirects=False,
                timeout=600,
            )
            finished.append("upload")

        with lane.hold():
            sender = threading.Thread(target=send_photo)
            sender.start()
            deadline = time.monotonic() + 120  # a bound on a busy machine, not a measurement
            while not waited_on(lane.slots[0]):
                assert time.monotonic() < deadline and sender.is_alive(), "the upload never waited for the lane"
                time.sleep(0.02)
            answers["check"] = staff.get(
                f"{server.url}/reports/{TODAY}/check", params={"received_in_person": "12"}, timeout=600
            )
            finished.append("check")
            assert sender.is_alive()
        sender.join(timeout=600)

        assert finished == ["check", "upload"]
        assert answers["check"].status_code == 200
        assert answers["upload"].status_code == 303, server.text()
        assert "Mặt tiền" in uploader.get(f"{server.url}/reports/{TODAY}/photos", timeout=60).text
    finally:
        server.stop()
