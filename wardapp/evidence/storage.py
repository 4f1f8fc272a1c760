"""Photo files under ``instance/photos``, named by their SHA-256, written atomically."""

from __future__ import annotations

import time
from pathlib import Path

from flask import current_app

from wardapp.core import images
from wardapp.core.files import write_once


def root() -> Path:
    return Path(current_app.instance_path) / "photos"


def original_path(sha256: str) -> Path:
    return root() / sha256[:2] / sha256


def thumbnail_path(sha256: str) -> Path:
    return root() / "thumbs" / f"{sha256}.jpg"


def store(sha256: str, original: bytes, thumb: bytes | None) -> list[Path]:
    """Store a photo and, when it is made already, its thumbnail (a JPEG's is made after the
    answer: ``ensure_thumbnail``); returns the paths this call created (to undo on failure)."""
    created = []
    for path, data in ((original_path(sha256), original), (thumbnail_path(sha256), thumb)):
        if data is not None and write_once(path, data):
            created.append(path)
    return created


def has_thumbnail(sha256: str) -> bool:
    return thumbnail_path(sha256).is_file()


def ensure_thumbnail(sha256: str) -> Path:
    """The thumbnail of a stored original, made now if it is missing (decoding every byte).

    Idempotent and safe to run twice at once (the after-answer step, the thumbnail route, the sign
    gate, another worker): the file is content-addressed and written once, atomically, so a
    reader sees a whole thumbnail or none. Raises ``images.PhotoUnreadable`` if the original does
    not decode, FileNotFoundError if it is gone (a database restored without its photos).
    """
    path = thumbnail_path(sha256)
    if not path.is_file():
        write_once(path, images.thumbnail(original_path(sha256).read_bytes()))
    return path


def undo(paths: list[Path]) -> None:
    for path in paths:
        path.unlink(missing_ok=True)


def sweep(known: set[str], older_than: float, now: float | None = None) -> list[Path]:
    """Delete what an interrupted upload left (``kill -9`` between writing and committing):
    half-written temporary files, and originals and thumbnails no photo row names. Only files
    older than ``older_than`` seconds, so an upload running in another worker is left alone."""
    base = root()
    if not base.is_dir():
        return []
    limit = (now if now is not None else time.time()) - older_than
    removed = []
    for path in base.rglob("*"):
        if not path.is_file() or path.stat().st_mtime > limit:
            continue
        name = path.name
        temporary = name.startswith(".")
        orphan = (name.removesuffix(".jpg") not in known) and len(name.removesuffix(".jpg")) == 64
        if temporary or orphan:
            path.unlink(missing_ok=True)
            removed.append(path)
    return removed
