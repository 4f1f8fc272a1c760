"""Setting up the installation's commune: once, from the official list, with everything it needs
to sign (its Ed25519 key and PDF certificate) and the default photo checklist."""

from __future__ import annotations

import datetime as dt

from flask_babel import gettext as _

from wardapp.audit import log as audit
from wardapp.auth.models import User
from wardapp.auth.operations import create_user
from wardapp.commune.models import Commune
from wardapp.core.units import Unit, find
from wardapp.evidence.operations import create_default_categories
from wardapp.extensions import db
from wardapp.signing.documents import ensure_certificate
from wardapp.signing.keys import ensure_key


class SetupError(ValueError):
    pass


def set_up_commune(code: str, deadline: dt.time = dt.time(17, 0), actor=None) -> Commune:
    """Create the installation's commune from the official list. Only once."""
    if Commune.current() is not None:
        raise SetupError(_("Xã/phường đã được thiết lập cho hệ thống này."))
    unit: Unit | None = find(code)
    if unit is None:
        raise SetupError(_("Không có mã xã/phường %(code)s trong danh mục chính thức.", code=code))
    commune = Commune(
        code=unit.code,
        name=unit.name,
        province_code=unit.province_code,
        province_name=unit.province_name,
        deadline=deadline,
    )
    db.session.add(commune)
    db.session.flush()
    create_default_categories(commune.id)
    ensure_key(actor)
    ensure_certificate(commune)
    audit.record(
        "commune.set_up",
        target_type="commune",
        target_id=unit.code,
        actor=actor,
        after={"code": unit.code, "name": unit.name, "province": unit.province_name, **commune.settings_snapshot()},
        summary=f"{unit.name}, {unit.province_name}",
    )
    return commune


def set_up(code: str, deadline: dt.time, admin: dict) -> tuple[Commune, User]:
    """The first run: the commune and its first admin account, committed together."""
    commune = set_up_commune(code, deadline)
    user = create_user(admin, commune.id)
    db.session.commit()
    return commune, user
