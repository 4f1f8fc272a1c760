"""Form II.06a (the one-stop summary of dossier handling) laid out as the official form numbers it.

One place for the column numbers, their two-level headings and how each is computed from the
daily figures, so the city's table, its CSV, its Excel workbook and its consolidated PDF agree.
Column (1) is the row number (TT), (2) the unit; (3)–(13) are counts:

    (3) = (4) + (5) + (6)   dossiers to handle: received online, in person or by post, carried over
    (7) = (8) + (9) + (10)  resolved: early, on time, late
    (11) = (12) + (13)      still pending: within the deadline, overdue
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from wardapp.core.i18n import lazy_gettext as _l

Figures = Mapping[str, int]


@dataclass(frozen=True)
class Column:
    number: int
    key: str
    group: object  # the upper heading (lazy text)
    label: object  # the lower heading
    value: Callable[[Figures], int]


RECEIVED = _l("Số hồ sơ nhận giải quyết")
RESOLVED = _l("Số hồ sơ đã giải quyết")
PENDING = _l("Số hồ sơ đang giải quyết")

COLUMNS = (
    Column(
        3,
        "c3",
        RECEIVED,
        _l("Tổng số"),
        lambda f: f["received_online"] + f["received_in_person"] + f["received_postal"] + f["carried_over"],
    ),
    Column(4, "c4", RECEIVED, _l("Trong kỳ: trực tuyến"), lambda f: f["received_online"]),
    Column(
        5,
        "c5",
        RECEIVED,
        _l("Trong kỳ: trực tiếp, bưu chính công ích"),
        lambda f: f["received_in_person"] + f["received_postal"],
    ),
    Column(6, "c6", RECEIVED, _l("Từ kỳ trước"), lambda f: f["carried_over"]),
    Column(
        7,
        "c7",
        RESOLVED,
        _l("Tổng số"),
        lambda f: f["resolved_early"] + f["resolved_on_time"] + f["resolved_late"],
    ),
    Column(8, "c8", RESOLVED, _l("Trước hạn"), lambda f: f["resolved_early"]),
    Column(9, "c9", RESOLVED, _l("Đúng hạn"), lambda f: f["resolved_on_time"]),
    Column(10, "c10", RESOLVED, _l("Quá hạn"), lambda f: f["resolved_late"]),
    Column(11, "c11", PENDING, _l("Tổng số"), lambda f: f["pending_within"] + f["pending_overdue"]),
    Column(12, "c12", PENDING, _l("Trong hạn"), lambda f: f["pending_within"]),
    Column(13, "c13", PENDING, _l("Quá hạn"), lambda f: f["pending_overdue"]),
)
BY_KEY = {c.key: c for c in COLUMNS}
GROUPS = ((RECEIVED, 4), (RESOLVED, 4), (PENDING, 3))  # upper heading and how many columns it spans


def values(figures: Figures) -> list[int]:
    """Columns (3)–(13) of one unit's figures, in order."""
    return [column.value(figures) for column in COLUMNS]
