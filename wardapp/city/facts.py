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


def columns(document: Mapping[str, Any]) -> dict[str, Any]:
    """The queryable columns of one revision: figures, rates (recomputed here, never trusted from
    the sender), the 766 estimate's share and the facts reviewers filter on."""
    figures = {name: int(document["figures"].get(name, 0) or 0) for name in FIGURE_NAMES}
    computed = rates.compute(figures)
    estimate = index766.estimate(figures)
    return {
        "province_code": str(document["commune"]["province_code"]),
        "signed_at": signed_at_utc(document.get("signed_at")),
        "tasks_behind": sum(1 for task in document.get("tasks") or [] if task.get("behind")),
        "explanations_count": len(document.get("explanations") or []),
        "late_dossiers_count": sum(int(d.get("count", 1) or 1) for d in document.get("late_dossiers") or []),
        "photos_count": len(document.get("photos") or []),
        "estimate_766": estimate.share,
        **figures,
        **computed,
    }
