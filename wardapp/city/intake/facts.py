"""What the city stores as columns beside each received payload, computed from the payload alone.

Pure functions (no Flask, no session): intake calls them for every stored revision and the
migration that added the columns calls them for the reports already received.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from wardapp.core import index766, rates
from wardapp.core.figures import FIGURE_NAMES


def signed_at_utc(text: str | None) -> dt.datetime | None:
    """The payload's aware ``signed_at`` as naive UTC (how every moment is stored here)."""
    if not text:
        return None
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(dt.UTC).replace(tzinfo=None)


# A count the columns can hold: reports stored before the schema was tightened (issue 11) may
# carry anything; such a value is read as nothing rather than break the province's tables.
COUNT_MAX = 1_000_000_000


def _count(value: Any, default: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float) or value != value:
        return default
    return int(value) if 0 <= value <= COUNT_MAX else default


def columns(document: Mapping[str, Any]) -> dict[str, Any]:
    """The queryable columns of one revision: figures, rates (recomputed here, never trusted from
    the sender), the 766 estimate's share and the facts reviewers filter on."""
    figures = {name: _count(document["figures"].get(name)) for name in FIGURE_NAMES}
    computed = rates.compute(figures)
    estimate = index766.estimate(figures)
    return {
        "province_code": str(document["commune"]["province_code"]),
        "signed_at": signed_at_utc(document.get("signed_at")),
        "tasks_behind": sum(1 for task in document.get("tasks") or [] if task.get("behind")),
        "explanations_count": len(document.get("explanations") or []),
        "late_dossiers_count": sum(
            _count(d.get("count"), default=1) for d in document.get("late_dossiers") or [] if isinstance(d, dict)
        ),
        "photos_count": len(document.get("photos") or []),
        "estimate_766": estimate.share,
        "log_figures": from_log(document),
        **figures,
        **computed,
    }


def from_log(document: Mapping[str, Any]) -> int:
    """How many figures the payload says were counted from the commune's own dossier log
    (PROTOCOL ``figure_sources``; absent in older payloads: none)."""
    sources = document.get("figure_sources")
    entries = sources.get("figures") if isinstance(sources, Mapping) else None
    if not isinstance(entries, Mapping):
        return 0
    return sum(1 for e in entries.values() if isinstance(e, Mapping) and e.get("source") == "dossier_log")
