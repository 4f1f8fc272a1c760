"""The intake's photos and PDFs in its store (``core/storage.py``): a local folder or S3.

Keys: ``photos/<sha256>`` (the original bytes as pushed), ``pdfs/<sha256>.pdf`` (the commune's
signed PDF, named by its content so two servers taking the same report at once cannot mix two
files), ``thumbs/<sha256>.jpg`` and ``rendered/<file>.pdf`` (made here once, then kept). Nothing
lives on one server's disk, so any server of the intake can serve any report.
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask, current_app

from wardapp.core.payload import pdf_filename
from wardapp.core.storage import Store, open_store


def init_app(app: Flask) -> None:
    config = app.config
    app.extensions["city_store"] = open_store(
        config["STORE_URL"],
        default_root=Path(app.instance_path),
        endpoint=config["STORE_ENDPOINT"],
        region=config["STORE_REGION"],
        access_key_id=config["STORE_ACCESS_KEY_ID"],
        secret_access_key=config["STORE_SECRET_ACCESS_KEY"],
    )


def store() -> Store:
    return current_app.extensions["city_store"]


def photo_key(sha256: str) -> str:
    return f"photos/{sha256}"


def thumb_key(sha256: str) -> str:
    return f"thumbs/{sha256}.jpg"


def sent_pdf_key(pdf_sha256: str) -> str:
    return f"pdfs/{pdf_sha256}.pdf"


def legacy_sent_pdf_key(report_id: str) -> str:
    """Where intakes before the store kept the commune's PDF (by report id): still read."""
    return f"pdfs/{pdf_filename(report_id)}"


def rendered_pdf_key(report_id: str) -> str:
    return f"rendered/{pdf_filename(report_id)}"
