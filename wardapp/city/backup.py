"""The city intake's backups: its database and instance files, and the check that a restored
intake is whole (every received report verifies with its enrolled key, every photo matches)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from flask import current_app
from joserfc import jws
from joserfc.jwk import OKPKey
from sqlalchemy import inspect

from wardapp.city import blobs
from wardapp.city.extensions import city_db as db
from wardapp.city.models import CityKey, ReceivedPhoto, ReceivedReport
from wardapp.core import backup
from wardapp.core.payload import sha256

APP = "city"


@dataclass
class Check:
    revisions: int = 0
    photos: int = 0
    problems: list[str] = field(default_factory=list)


def create(archive: Path) -> backup.Created:
    return backup.create(archive, current_app.config["SQLALCHEMY_DATABASE_URI"], Path(current_app.instance_path), APP)


def restore(archive: Path, overwrite: bool = False) -> dict:
    url = current_app.config["SQLALCHEMY_DATABASE_URI"]
    # A PostgreSQL database that holds tables is not replaced by accident (an SQLite file is
    # checked by its size: connecting to it would write its header).
    occupied = backup.sqlite_path(url) is None and bool(inspect(db.engine).get_table_names())
    # Our own connections would hold locks on the tables pg_restore drops (it would wait forever).
    db.session.remove()
    db.engine.dispose()
    manifest = backup.restore(
        archive,
        url,
        Path(current_app.instance_path),
        APP,
        overwrite=overwrite,
        occupied=occupied,
    )
    db.engine.dispose()
    return manifest


def check_instance() -> Check:
    result = Check()
    keys = {row.kid: OKPKey.import_key(row.jwk) for row in db.session.scalars(db.select(CityKey))}
    for report in db.session.scalars(db.select(ReceivedReport).order_by(ReceivedReport.id)):
        result.revisions += 1
        key = keys.get(report.kid)
        if key is None:
            result.problems.append(f"{report.report_id}: key {report.kid} is not enrolled")
            continue
        try:
            verified = jws.deserialize_compact(report.jws, key, algorithms=["Ed25519"])
        except Exception as error:  # joserfc raises several types for a bad signature
            result.problems.append(f"{report.report_id}: signature does not verify ({type(error).__name__})")
            continue
        if verified.payload != report.payload or sha256(report.payload) != report.payload_sha256:
            result.problems.append(f"{report.report_id}: signed bytes differ from the stored payload")
    for photo in db.session.scalars(db.select(ReceivedPhoto).order_by(ReceivedPhoto.id)):
        result.photos += 1
        data = blobs.store().get(blobs.photo_key(photo.sha256))  # the instance folder, or the object store
        if data is None:
            result.problems.append(f"photo {photo.sha256[:12]}: file missing")
        elif sha256(data) != photo.sha256:
            result.problems.append(f"photo {photo.sha256[:12]}: file does not match its hash")
    return result
