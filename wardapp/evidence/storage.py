"""Photo files under ``instance/photos``, named by their SHA-256, written atomically."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

from flask import current_app


def root() -> Path:
    return Path(current_app.instance_path) / "photos"


def original_path(sha256: str) -> Path:
    return root() / sha256[:2] / sha256


def thumbnail_path(sha256: str) -> Path:
    return root() / "thumbs" / f"{sha256}.jpg"


def _write_once(path: Path, data: bytes) -> bool:
    """Write ``data`` to ``path`` unless it is already there. True when this call wrote it."""
    if path.exists():
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)  # readers see the whole file or none of it
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return True


def store(sha256: str, original: bytes, thumb: bytes) -> list[Path]:
    """Store a photo and its thumbnail; returns the paths this call created (to undo on failure)."""
    created = []
    for path, data in ((original_path(sha256), original), (thumbnail_path(sha256), thumb)):
        if _write_once(path, data):
            created.append(path)
    return created


def undo(paths: list[Path]) -> None:
    for path in paths:
        path.unlink(missing_ok=True)
