"""Setting up the commune once, and changing its settings."""
from __future__ import annotations

import datetime as dt
import re

from flask_babel import gettext as _

from .. import audit
from ..extensions import db
from .models import Commune
from .units import Unit, find

TIME_RE = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


class SetupError(ValueError):
    pass


def parse_deadline(text: str) -> tuple[dt.time | None, str | None]:
    match = TIME_RE.match((text or "").strip())
    if not match:
        return None, _("Nhập giờ theo dạng HH:MM, ví dụ 17:00.")
    return dt.time(int(match.group(1)), int(match.group(2))), None


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
    audit.record(
        "commune.set_up", target_type="commune", target_id=unit.code, actor=actor,
        after={"code": unit.code, "name": unit.name, "province": unit.province_name, **commune.settings_snapshot()},
        summary=f"{unit.name}, {unit.province_name}",
    )
    return commune


def change_settings(commune: Commune, deadline: dt.time, actor=None) -> None:
    before = commune.settings_snapshot()
    commune.deadline = deadline
    old, new = audit.changes(before, commune.settings_snapshot())
    if new:
        audit.record("settings.changed", target_type="commune", target_id=commune.code,
                     before=old, after=new, actor=actor)
