"""Vietnamese alphabetical order for people and units (ICU's ``vi`` collation through PyICU).

Code-point order puts "Đặng" after "Võ" and "Ánh" after "Yến"; Vietnamese order is
a ă â b c d đ e ê … o ô ơ … u ư … y, tones deciding only between otherwise equal words.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import TypeVar

import icu

T = TypeVar("T")
_local = threading.local()  # an ICU collator is not safe to share between threads


def _collator() -> icu.Collator:
    collator = getattr(_local, "collator", None)
    if collator is None:
        collator = icu.Collator.createInstance(icu.Locale("vi_VN"))
        _local.collator = collator
    return collator


def key(text: str | None) -> bytes:
    """A sort key: ``sorted(names, key=collation.key)`` is Vietnamese alphabetical order."""
    key: bytes = _collator().getSortKey(text or "")
    return key


def sorted_vi(items: Iterable[T], by: Callable[[T], str] = str) -> list[T]:
    return sorted(items, key=lambda item: key(by(item)))
