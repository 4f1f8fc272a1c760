"""Changing the commune's settings."""

from __future__ import annotations

import datetime as dt
import re

from flask_babel import gettext as _

from wardapp.audit import log as audit
from wardapp.commune.models import Commune
from wardapp.core import inputs, retention
from wardapp.core.clock import parse_iso_date
from wardapp.core.text import form_problems
from wardapp.extensions import db

TIME_RE = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


def parse_deadline(text: str) -> tuple[dt.time | None, str | None]:
    match = TIME_RE.match((text or "").strip())
    if not match:
        return None, _("Nhập giờ theo dạng HH:MM, ví dụ 17:00.")
    return dt.time(int(match.group(1)), int(match.group(2))), None


SYMBOL = re.compile(r"[A-Z0-9][A-Z0-9-]{0,18}")


def parse_settings(form) -> tuple[dict, dict[str, str]]:
    """The settings form → (values, field errors)."""
    values: dict = {}
    errors: dict[str, str] = {}
    values["deadline"], error = parse_deadline(form.get("deadline", ""))
    if error:
        errors["deadline"] = error
    # A field left out of the form keeps its value; a date field sent empty clears it.
    if "team_deadline" in form:
        raw_team = (form.get("team_deadline") or "").strip()
        values["team_deadline"] = parse_iso_date(raw_team) if raw_team else None
        if raw_team and values["team_deadline"] is None:
            errors["team_deadline"] = _("Ngày không hợp lệ.")
    if "document_symbol" in form:
        symbol = "".join((form.get("document_symbol") or "").split()).upper()
        if SYMBOL.fullmatch(symbol):
            values["document_symbol"] = symbol
        else:
            errors["document_symbol"] = _("Ký hiệu gồm chữ in hoa không dấu, chữ số và dấu gạch nối, ví dụ BC-UBND.")
    if "behind_tolerance" in form:
        raw_tolerance = (form.get("behind_tolerance") or "").strip()
        tolerance = inputs.parse_int(raw_tolerance, 0, 100)
        if tolerance is not None:
            values["behind_tolerance"] = tolerance
        else:
            errors["behind_tolerance"] = _("Nhập một số nguyên từ 0 đến 100 (điểm phần trăm).")
    _parse_retention(form, values, errors)
    return values, errors | form_problems(form)  # last: the hidden character is what to fix first


def _parse_retention(form, values: dict, errors: dict[str, str]) -> None:
    """The retention periods, never below the floors of core/retention.py."""
    if "photo_retention_years" in form:
        years = inputs.parse_int(
            form.get("photo_retention_years"), retention.PHOTO_YEARS_MIN, retention.PHOTO_YEARS_MAX
        )
        if years is None:
            errors["photo_retention_years"] = _(
                "Nhập số năm từ %(min)s đến %(max)s.", min=retention.PHOTO_YEARS_MIN, max=retention.PHOTO_YEARS_MAX
            )
        else:
            values["photo_retention_years"] = years
    if "log_retention_months" in form:
        months = inputs.parse_int(form.get("log_retention_months"), retention.LOG_MONTHS_MIN, retention.LOG_MONTHS_MAX)
        if months is None:
            errors["log_retention_months"] = _(
                "Nhập số tháng từ %(min)s đến %(max)s: nhật ký phải được giữ ít nhất %(min)s tháng.",
                min=retention.LOG_MONTHS_MIN,
                max=retention.LOG_MONTHS_MAX,
            )
        else:
            values["log_retention_months"] = months


def change_settings(commune: Commune, values: dict, actor=None) -> None:
    """The admin's settings of the commune, audited and committed."""
    before = commune.settings_snapshot()
    for name, value in values.items():
        setattr(commune, name, value)
    old, new = audit.changes(before, commune.settings_snapshot())
    if new:
        audit.record(
            "settings.changed", target_type="commune", target_id=commune.code, before=old, after=new, actor=actor
        )
    db.session.commit()
