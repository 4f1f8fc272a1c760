"""Answers a worker keeps for one app until what they were computed from changes."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from typing import Any, TypeVar

from flask import current_app

T = TypeVar("T")
K = TypeVar("K", bound=Hashable)
_MISSING = object()


def kept(store: str, key: Hashable, compute: Callable[[], T], *, limit: int) -> T:
    """``compute()`` once for ``key`` in this app and worker, then the same answer again.

    The caller puts into ``key`` whatever says the answer still holds (the city desk's revision, the
    latest dossier import). At ``limit`` entries the store is emptied: older keys are dead anyway,
    and that is simpler than least-recently-used. Kept in ``app.extensions``, so one app (one test's
    database) never answers for another. Answers are shared between threads: never change one.
    """
    entries: dict[Hashable, Any] = current_app.extensions.setdefault(store, {})
    value = entries.get(key, _MISSING)  # one read: another thread may empty the store meanwhile
    if value is _MISSING:
        value = compute()
        if len(entries) >= limit:
            entries.clear()
        entries[key] = value
    return value


def kept_many(
    store: str, keys: Iterable[K], compute_missing: Callable[[set[K]], dict[K, T]], *, limit: int
) -> dict[K, T]:
    """Each of ``keys`` answered as ``kept`` would, the ones not yet kept computed together by
    ``compute_missing`` (one query for all of them rather than one each). For answers that never
    change for their key (a signed revision's words, a commune's row under its mark): a page asks
    for hundreds, and after a report arrives only the new one is computed."""
    entries: dict[Hashable, Any] = current_app.extensions.setdefault(store, {})
    found: dict[K, T] = {}
    missing: set[K] = set()
    for key in keys:
        value = entries.get(key, _MISSING)  # one read each: another thread may empty the store meanwhile
        if value is _MISSING:
            missing.add(key)
        else:
            found[key] = value
    if missing:
        fresh = compute_missing(missing)
        if len(entries) + len(fresh) > limit:
            entries.clear()
        for key, value in fresh.items():
            entries[key] = found[key] = value
    return found
