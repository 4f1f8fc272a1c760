"""Photo files under ``instance/photos``, named by their SHA-256, written atomically."""

from __future__ import annotations

import time
from pathlib import Path

from flask import current_app

from wardapp.core.files import write_once


def root() -> Path:
    return Path(current_app.instance_path) / "photos"


def original_path(sha256: str) -> Path:
    return root() / sha256[:2] / sha256


def thumbnail_path(sha256: str) -> Path:
    return root() / "thumbs" / f"{sha256}.jpg"


def store(sha256: str, original: bytes, thumb: bytes) -> list[Path]:
    """Store a photo and its thumbnail; returns the paths this call created (to undo on failure)."""
    created = []
    for path, data in ((original_path(sha256), original), (thumbnail_path(sha256), thumb)):
        if write_once(path, data):
            created.append(path)
    return created


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
