"""Plausible daily figures: lighter weekends, a slowly rising online share, some bad days.

Every generated day satisfies the consistency rules, so the history looks like a commune that
reports carefully. Deterministic for a given seed.
"""

from __future__ import annotations

import datetime as dt
import random

from wardapp.core.figures import zero_figures
from wardapp.demo.content import content


def day_figures(rng: random.Random, day: dt.date, carried_over: int, progress: float) -> dict[str, int]:
    """One day's counts. ``progress`` goes from 0 (oldest day) to 1 (newest)."""
    f = zero_figures()
    weekday = day.weekday()
    load = 1.0 if weekday < 5 else (0.45 if weekday == 5 else 0.1)
    bad_day = rng.random() < 0.07
    f["carried_over"] = carried_over
    online_share = 0.35 + 0.2 * progress + rng.uniform(-0.08, 0.08)
    received = max(int(rng.gauss(38, 6) * load), 0)
    f["received_online"] = int(received * online_share)
    f["received_postal"] = int(received * 0.05)
    f["received_in_person"] = received - f["received_online"] - f["received_postal"]
    to_handle = received + carried_over
    resolved = int(to_handle * rng.uniform(0.55, 0.75))
    f["resolved_late"] = min(resolved, rng.randint(2, 5) if bad_day else int(rng.random() < 0.15))
    f["resolved_early"] = int((resolved - f["resolved_late"]) * rng.uniform(0.2, 0.4))
    f["resolved_on_time"] = resolved - f["resolved_late"] - f["resolved_early"]
    pending = to_handle - resolved
    f["pending_overdue"] = min(pending, rng.randint(1, 3) if bad_day else 0)
    f["pending_within"] = pending - f["pending_overdue"]
    f["apology_letters"] = f["resolved_late"]
    f["online_full_process"] = int(f["received_online"] * rng.uniform(0.4, 0.7))
    f["online_partial"] = f["received_online"] - f["online_full_process"]
    f["fee_bearing"] = int(received * rng.uniform(0.3, 0.5))
    f["paid_online"] = int(f["fee_bearing"] * (0.3 + 0.3 * progress))
    f["digitized"] = int(received * rng.uniform(0.7, 0.95))
    f["e_results"] = int(resolved * rng.uniform(0.5, 0.8))
    if load >= 0.45 and rng.random() < 0.4:
        f["feedback_received"] = rng.randint(1, 3)
        f["feedback_on_time"] = f["feedback_received"] - (1 if bad_day else 0)
        f["feedback_late"] = f["feedback_received"] - f["feedback_on_time"]
        f["feedback_unsatisfied"] = 1 if bad_day else 0
    ratings = int(resolved * rng.uniform(0.4, 0.7))
    f["rating_unsatisfied"] = min(ratings, rng.randint(1, 4) if bad_day else int(rng.random() < 0.2))
    f["rating_very_satisfied"] = int((ratings - f["rating_unsatisfied"]) * rng.uniform(0.3, 0.6))
    f["rating_satisfied"] = ratings - f["rating_unsatisfied"] - f["rating_very_satisfied"]
    open_today = received > 0 or weekday < 6
    f["counters_open"] = (5 if weekday < 5 else 2) if open_today else 0
    f["staff_on_duty"] = (7 if weekday < 5 else 3) if open_today else 0
    f["avg_wait_minutes"] = rng.randint(25, 45) if bad_day else rng.randint(6, 18) if open_today else 0
    f["outages_system"] = 1 if bad_day and rng.random() < 0.6 else 0
    f["outages_network"] = 1 if bad_day and f["outages_system"] == 0 else 0
    f["response_team_cases"] = rng.randint(0, 4) if load >= 0.45 else 0
    return f


NOTES = content("history")["notes"]  # field → the texts a day draws one of


def generate(days: int, end: dt.date, seed: int = 20242, start_carried: int = 12) -> list[tuple[dt.date, dict, dict]]:
    """``days`` consecutive days ending at ``end``: (date, figures, narrative), oldest first."""
    rng = random.Random(seed)
    carried = start_carried
    history = []
    for i in range(days):
        day = end - dt.timedelta(days=days - 1 - i)
        figures = day_figures(rng, day, carried, i / max(days - 1, 1))
        narrative = {key: rng.choice(choices) for key, choices in NOTES.items()}
        history.append((day, figures, narrative))
        carried = figures["pending_within"] + figures["pending_overdue"]
    return history
