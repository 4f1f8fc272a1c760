"""The personal-data notice: a page anyone can read (linked from every footer), stating what is
kept, why, how long (the commune's retention settings) and who may see it (``permissions.MAY``)."""

from __future__ import annotations

from flask import Blueprint, render_template

from wardapp.commune.models import Commune
from wardapp.core import retention
from wardapp.permissions import MAY

bp = Blueprint("privacy", __name__)


@bp.get("/privacy")
def notice():
    commune = Commune.current()
    return render_template(
        "privacy/notice.html",
        photo_years=commune.photo_retention_years if commune else retention.PHOTO_YEARS_DEFAULT,
        log_months=commune.log_retention_months if commune else retention.LOG_MONTHS_DEFAULT,
        photo_roles=[role.label for role in sorted(MAY["see_photos"])],
        pdf_roles=[role.label for role in sorted(MAY["pull_pdfs"])],
        admin_roles=[role.label for role in sorted(MAY["administer"])],
    )
