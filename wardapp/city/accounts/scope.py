"""Which provinces this intake serves and which of them a city user may see.

``CITY_PROVINCE_CODES`` names the set ("79", "48,46", a list, or "all" for the country); the older
single ``CITY_PROVINCE_CODE`` still works when the new setting is not given. Codes are normalised
to the official two digits, so ``79`` read as a number still matches "79".
"""

from __future__ import annotations

import functools
from collections.abc import Iterable

from flask import abort, current_app, request
from flask_login import current_user

from wardapp.core.units import all_units, find

ALL = "all"


def normalise(code: object) -> str:
    text = str(code).strip()
    return text.zfill(2) if text.isdigit() else text


@functools.cache
def official_provinces() -> dict[str, str]:
    """Every province of the official list: code → name."""
    return {u.province_code: u.province_name for u in all_units().values()}


def parse_codes(value: object) -> tuple[str, ...]:
    """A setting's province codes: a comma-separated string, a list, or "all"."""
    if value is None or value == "":
        return ()
    items: Iterable = value.split(",") if isinstance(value, str) else value if isinstance(value, Iterable) else [value]
    codes = [normalise(item) for item in items if str(item).strip()]
    if ALL in codes:
        return tuple(sorted(official_provinces()))
    return tuple(dict.fromkeys(codes))


def served(app=None) -> tuple[str, ...]:
    """The provinces this intake takes reports from, in code order."""
    config = (app or current_app).config
    codes = parse_codes(config.get("CITY_PROVINCE_CODES")) or parse_codes(config.get("CITY_PROVINCE_CODE"))
    known = official_provinces()
    return tuple(sorted(c for c in codes if c in known))


def visible(user=None) -> tuple[str, ...]:
    """The provinces ``user`` (the signed-in one by default) may see: their own list within the served set."""
    user = user if user is not None else current_user
    mine = parse_codes(getattr(user, "provinces", "") or "")
    return tuple(c for c in served() if not mine or c in mine)


def may_see(province_code: str | None, user=None) -> bool:
    return province_code is not None and province_code in visible(user)


def require(province_code: str | None) -> None:
    """404 (not 403: do not confirm another province's data exists) unless the user may see it."""
    if not may_see(province_code):
        abort(404)


def chosen() -> tuple[str, ...]:
    """The provinces a page shows: ``?province=CODE`` (or ``all``) among those the user may see;
    by default the first one."""
    mine = visible()
    if not mine:
        abort(403)
    wanted = request.args.get("province", "")
    if wanted == ALL:
        return mine
    if wanted:
        wanted = normalise(wanted)
        if wanted not in mine:
            abort(404)
        return (wanted,)
    return mine[:1]


def province_name(code: str) -> str:
    return official_provinces().get(code, code)


def province_of(commune_code: str) -> str | None:
    """The province of a commune of the official list (codes never move between provinces)."""
    unit = find(commune_code)
    return None if unit is None else unit.province_code
