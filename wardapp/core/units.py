"""The official list of provinces and communes (Decision 19/2025/QĐ-TTg), shipped with the app.

Read once per process; searching by code or by name (with or without diacritics).
"""

from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data" / "vn_admin_units.json"


@dataclass(frozen=True)
class Unit:
    code: str
    name: str
    province_code: str
    province_name: str
    folded: str  # name and province without diacritics, lower case, for searching
    name_words: tuple[str, ...]
    all_words: tuple[str, ...]


def fold(text: str) -> str:
    """``Phường Hải Châu`` → ``phuong hai chau`` (đ is not a combining mark, so map it)."""
    text = text.replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(c for c in decomposed if unicodedata.category(c) != "Mn").lower()


@cache
def all_units() -> dict[str, Unit]:
    provinces = json.loads(DATA.read_text(encoding="utf-8"))
    units: dict[str, Unit] = {}
    for province in provinces:
        for ward in province["Wards"]:
            units[ward["Code"]] = Unit(
                code=ward["Code"],
                name=ward["FullName"],
                province_code=province["Code"],
                province_name=province["FullName"],
                folded=fold(ward["FullName"] + " " + province["FullName"]),
                name_words=tuple(fold(ward["FullName"]).split()),
                all_words=tuple(fold(ward["FullName"] + " " + province["FullName"]).split()),
            )
    return units


def find(code: str) -> Unit | None:
    return all_units().get((code or "").strip())


def search(query: str, limit: int = 20) -> list[Unit]:
    """Communes whose code starts with the query or whose name (and province) holds every word."""
    query = (query or "").strip()
    if not query:
        return []
    if query.isascii() and query.isdigit():
        return [u for u in all_units().values() if u.code.startswith(query)][:limit]
    words = fold(query).split()

    def matches(unit_words: tuple[str, ...]) -> bool:
        # Every typed word starts a word of the name: "hai chau" finds Hải Châu, not Tủa Sín Chải.
        return all(any(uw.startswith(w) for uw in unit_words) for w in words)

    in_name = [u for u in all_units().values() if matches(u.name_words)]
    in_province = [u for u in all_units().values() if u not in in_name and matches(u.all_words)]
    return (in_name + in_province)[:limit]
