"""Photo files under ``instance/photos``, named by their SHA-256, written atomically."""

from __future__ import annotations

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
