"""Backups as both apps make them: the database and the instance folder into one archive
(``core/backup.py`` does the work), restored onto a stopped instance, then checked. Each app makes
one ``Backups`` with its name, its database, the instance folders it leaves out and its check."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import current_app
from joserfc import jws
from sqlalchemy import inspect

from wardapp.core import backup
from wardapp.core.payload import sha256


@dataclass
class Check:
    """What a check of a restored instance counted, and what it found wrong."""

    revisions: int = 0
    photos: int = 0
    problems: list[str] = field(default_factory=list)

    def signed(self, label: str, token: str, key: Any, payload: bytes, payload_sha256: str) -> None:
        """One stored signed report: its JWS verifies with ``key`` and signs exactly its payload."""
        self.revisions += 1
        try:
            verified = jws.deserialize_compact(token, key, algorithms=["Ed25519"])
        except Exception as error:  # joserfc raises several types for a bad signature
            self.problems.append(f"{label}: signature does not verify ({type(error).__name__})")
            return
        if verified.payload != payload or sha256(payload) != payload_sha256:
            self.problems.append(f"{label}: signed bytes differ from the stored payload")

    def photo(self, expected: str, actual: str | None) -> None:
        """One photo whose bytes hash to ``actual`` (None: the bytes are missing)."""
        self.photos += 1
        if actual is None:
            self.problems.append(f"photo {expected[:12]}: file missing")
        elif actual != expected:
            self.problems.append(f"photo {expected[:12]}: file does not match its hash")


@dataclass(frozen=True)
class Backups:
    """One app's backups: ``app`` names it in the manifest (a backup restores only onto its own
    app), ``db`` is its Flask-SQLAlchemy database, ``exclude`` the instance folders left out."""

    app: str
    db: Any
    check_instance: Callable[[], Check]
    exclude: frozenset[str] = frozenset()

    def create(self, archive: Path) -> backup.Created:
        return backup.create(
            archive,
            current_app.config["SQLALCHEMY_DATABASE_URI"],
            Path(current_app.instance_path),
            self.app,
            self.exclude,
        )

    def restore(self, archive: Path, overwrite: bool = False) -> dict:
        url = current_app.config["SQLALCHEMY_DATABASE_URI"]
        # A PostgreSQL database that holds tables is not replaced by accident (an SQLite file is
        # checked by its size: connecting to it would write its header).
        occupied = backup.sqlite_path(url) is None and bool(inspect(self.db.engine).get_table_names())
        # Our own connections would hold locks on the tables pg_restore drops (it would wait forever).
        self.db.session.remove()
        self.db.engine.dispose()
        manifest = backup.restore(
            archive, url, Path(current_app.instance_path), self.app, overwrite=overwrite, occupied=occupied
        )
        self.db.engine.dispose()  # connections opened before the restore saw the old file
        return manifest
