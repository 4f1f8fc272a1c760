"""The commune app's backups: which files, and the check that a restored instance is whole (every
signed revision verifies with the commune's key, every photo matches its hash)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from flask import current_app
from joserfc import jws
from sqlalchemy import inspect

from wardapp.core import backup
from wardapp.core.payload import sha256
from wardapp.evidence import storage
from wardapp.evidence.models import Photo
from wardapp.extensions import db
from wardapp.signing import keys
from wardapp.signing.models import ReportRevision, SigningKey

APP = "commune"
# The city intake's instance sits inside the commune's by default: it has its own backup. The
# heavy lane's lock files (wardapp/platform/lanes.py) are the running server's, not data.
EXCLUDE = frozenset({"city", "lanes"})


@dataclass
class Check:
    revisions: int = 0
    photos: int = 0
    problems: list[str] = field(default_factory=list)


def create(archive: Path) -> backup.Created:
    return backup.create(
        archive, current_app.config["SQLALCHEMY_DATABASE_URI"], Path(current_app.instance_path), APP, EXCLUDE
    )


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
    db.engine.dispose()  # connections opened before the restore saw the old file
    return manifest


def check_instance() -> Check:
    """Every signed revision verifies and every photo file matches its hash."""
    result = Check()
    for revision in db.session.scalars(db.select(ReportRevision).order_by(ReportRevision.id)):
        result.revisions += 1
        key = keys.verification_key(revision.kid)
        try:
            verified = jws.deserialize_compact(revision.jws, key, algorithms=["Ed25519"])
        except Exception as error:  # joserfc raises several types for a bad signature
            result.problems.append(f"{revision.report_key}: signature does not verify ({type(error).__name__})")
            continue
        if verified.payload != revision.payload or sha256(revision.payload) != revision.payload_sha256:
            result.problems.append(f"{revision.report_key}: signed bytes differ from the stored payload")
    for row in db.session.scalars(db.select(SigningKey).filter(SigningKey.retired_at.is_(None))):
        try:
            keys.private_key(row.kid)
        except (OSError, ValueError) as error:
            result.problems.append(f"signing key {row.kid}: private key file missing or unreadable ({error})")
    # A photo whose bytes the retention period deleted keeps only its row (and hash): nothing to check.
    for photo in db.session.scalars(db.select(Photo).filter(Photo.purged_at.is_(None)).order_by(Photo.id)):
        result.photos += 1
        path = storage.original_path(photo.sha256)
        if not path.is_file():
            result.problems.append(f"photo {photo.sha256[:12]}: file missing")
        elif backup.sha256_file(path) != photo.sha256:
            result.problems.append(f"photo {photo.sha256[:12]}: file does not match its hash")
    return result
