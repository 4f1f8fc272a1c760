"""A package (a ZIP archive) made for one download: written in the instance's ``exports`` folder
(the same disk, so a large one never fills memory or /tmp), then sent and gone."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from flask import Response, current_app, send_file


def new_file() -> Path:
    """An empty file for the package being made (remove it if making it fails)."""
    folder = Path(current_app.instance_path) / "exports"
    folder.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(prefix=".package-", suffix=".zip", dir=folder)
    os.close(handle)
    return Path(name)


def send(path: Path, download_name: str) -> Response:
    """The package as an attachment; its file is removed at once (the open file is read to its end
    by the response), so nothing stays in the instance."""
    stream = path.open("rb")
    path.unlink()
    return send_file(stream, mimetype="application/zip", as_attachment=True, download_name=download_name)
