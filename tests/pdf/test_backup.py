"""Backups that restore (issue 11): create while the app serves requests, wipe, restore onto an
empty instance, and every signed revision still verifies and every photo matches its hash; a
damaged archive is refused. The city intake the same way."""

from __future__ import annotations

import io
import shutil
import sqlite3
import tarfile
import threading
from pathlib import Path

import requests

from wardapp.app import create_app
from wardapp.backup import operations
from wardapp.city.app import create_app as create_city_app
from wardapp.core import backup
from wardapp.delivery.sender import send_due

from ..sending import support


def cli(app, *args):
    return app.test_cli_runner().invoke(args=list(args), catch_exceptions=False)


class Traffic:
    """Sign-in attempts over HTTP while the backup runs: the database is written throughout."""

    def __init__(self, url: str):
        self.url, self.count, self.stop = url, 0, threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self):
        while not self.stop.is_set():
            requests.post(f"{self.url}/login", data={"username": "x", "password": "y"}, timeout=10)
            self.count += 1

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join(timeout=30)


def test_the_commune_backup_restores_onto_an_empty_machine(app, signed, tmp_path_factory):
    archive = tmp_path_factory.mktemp("backups") / "commune.tar.gz"
    served = support.Served(app).start()
    try:
        with Traffic(served.url) as traffic:
            while traffic.count < 2:
                pass
            made = cli(app, "backup", "create", str(archive))
    finally:
        served.stop()
    assert made.exit_code == 0, made.output
    assert cli(app, "backup", "verify", str(archive)).exit_code == 0
    before = operations.check_instance()
    assert before.revisions == 1 and before.photos == 2 and before.problems == []

    empty = tmp_path_factory.mktemp("new-machine")  # the wiped machine: nothing but the archive
    restored = create_app({"INSTANCE_PATH": empty, "TESTING": True})
    with restored.app_context():
        answer = cli(restored, "backup", "restore", str(archive))
        assert answer.exit_code == 0, answer.output
        assert "1 signed revisions and 2 photos checked" in answer.output
        after = operations.check_instance()
    assert after.problems == []
    source = Path(app.instance_path)
    for folder in ("keys", "pdf-cert", "photos"):
        originals = sorted(p.relative_to(source) for p in (source / folder).rglob("*") if p.is_file())
        # Thumbnails are rebuilt; dot files are locks and temporary files, not data.
        originals = [p for p in originals if "thumbs" not in p.parts and not p.name.startswith(".")]
        assert originals, folder
        assert all((empty / p).read_bytes() == (source / p).read_bytes() for p in originals), folder
    with sqlite3.connect(empty / "wardapp.sqlite3") as con:
        assert con.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert not (empty / "city").exists()  # the city intake has its own backup


def test_a_damaged_archive_is_refused(app, signed, tmp_path):
    archive = tmp_path / "good.tar.gz"
    assert cli(app, "backup", "create", str(archive)).exit_code == 0
    damaged = tmp_path / "damaged.tar.gz"
    with tarfile.open(archive, "r:gz") as source, tarfile.open(damaged, "w:gz") as target:
        for member in source.getmembers():
            data = source.extractfile(member).read()
            if "/photos/" in member.name and len(data) > 100:
                data = data[:100] + bytes([data[100] ^ 1]) + data[101:]
            target.addfile(member, io.BytesIO(data))

    checked = app.test_cli_runner().invoke(args=["backup", "verify", str(damaged)])

    assert checked.exit_code != 0 and "SHA-256 does not match" in checked.output
    empty = tmp_path / "elsewhere"
    restored = create_app({"INSTANCE_PATH": empty, "TESTING": True})
    with restored.app_context():
        refused = restored.test_cli_runner().invoke(args=["backup", "restore", str(damaged)])
    assert refused.exit_code != 0 and "damaged" in refused.output
    assert not (empty / "wardapp.sqlite3").exists() or (empty / "wardapp.sqlite3").stat().st_size == 0


def test_a_restore_never_overwrites_a_live_database_by_accident(app, signed, tmp_path):
    archive = tmp_path / "b.tar.gz"
    assert cli(app, "backup", "create", str(archive)).exit_code == 0
    refused = app.test_cli_runner().invoke(args=["backup", "restore", str(archive)])
    assert refused.exit_code != 0 and "restore onto an empty instance" in refused.output


def test_a_restored_photo_that_was_changed_is_reported(app, signed, tmp_path):
    from wardapp.evidence import storage
    from wardapp.evidence.models import Photo
    from wardapp.extensions import db

    sha = db.session.scalar(db.select(Photo.sha256))
    path = storage.original_path(sha)
    path.write_bytes(path.read_bytes() + b"x")

    result = operations.check_instance()

    assert result.problems == [f"photo {sha[:12]}: file does not match its hash"]


def test_the_city_backup_restores_onto_an_empty_machine(wired, signed, tmp_path_factory):
    assert send_due() == {"accepted": 1}
    archive = tmp_path_factory.mktemp("city-backups") / "city.tar.gz"
    with wired.app.app_context():
        made = cli(wired.app, "backup", "create", str(archive))
        assert made.exit_code == 0, made.output

    empty = tmp_path_factory.mktemp("new-city")
    restored = create_city_app({"INSTANCE_PATH": empty, "TESTING": True})
    with restored.app_context():
        answer = cli(restored, "backup", "restore", str(archive))
    assert answer.exit_code == 0, answer.output
    assert "1 received reports and 2 photos checked" in answer.output
    manifest, problems = backup.verify(archive)
    assert problems == [] and manifest["app"] == "city"
    shutil.rmtree(empty)
