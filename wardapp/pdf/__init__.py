"""PDF documents: the signed daily report, monthly summaries, and pulling them."""
from flask import Blueprint

bp = Blueprint("pdf", __name__)


def init_app(app) -> None:
    from .service import revision_pdf

    # The outbox sends the signed PDF with the push when this provider is registered.
    app.extensions["wardapp.pdf_for_revision"] = revision_pdf


from . import routes  # noqa: E402,F401
