"""Where a signed report's figures came from, in words, for the city's page and the PDF.

Reads the payload's optional ``figure_sources`` (PROTOCOL): a report without it had every figure
typed or filled by the app, and these functions say nothing about it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from wardapp.core.figures import BY_NAME, FIGURE_NAMES


@dataclass(frozen=True)
class SourceSummary:
    from_log: list[str]  # labels of the figures computed from the dossier log
    overrides: list[tuple[str, int, int, str]]  # (label, signed value, log's count, reason)
    typed: list[str]  # labels of the figures typed by staff
    imports: list[str]  # "412 hồ sơ, nhập 20/11/2026 16:40, SHA-256 ab12…"

    def lines(self) -> list[str]:
        """The same facts as sentences (the PDF prints them one per line)."""
        out = [f"Tính từ sổ theo dõi hồ sơ ({len(self.from_log)} chỉ tiêu): {', '.join(self.from_log)}."]
        for label, value, computed, reason in self.overrides:
            out.append(f"Sửa tay — {label}: {value} (sổ ghi {computed}). Lý do: {reason}")
        if self.typed:
            out.append(f"Cán bộ nhập tay: {', '.join(self.typed)}.")
        out += [f"Tệp sổ đã nhập: {text}." for text in self.imports]
        return out


def _label(name: str) -> str:
    return str(BY_NAME[name].label) if name in BY_NAME else name


def _moment(iso: str) -> str:
    try:
        return dt.datetime.fromisoformat(iso).strftime("%d/%m/%Y %H:%M")
    except ValueError:
        return iso


def summarize(document: dict[str, Any]) -> SourceSummary | None:
    sources = document.get("figure_sources")
    if not isinstance(sources, dict):
        return None
    figures = sources.get("figures", {})
    values = document.get("figures", {})
    names = [n for n in FIGURE_NAMES if n in figures] + sorted(set(figures) - set(FIGURE_NAMES))
    return SourceSummary(
        from_log=[_label(n) for n in names if figures[n].get("source") == "dossier_log"],
        overrides=[
            (_label(n), values.get(n, 0), figures[n].get("computed", 0), figures[n].get("reason", ""))
            for n in names
            if figures[n].get("source") == "override"
        ],
        typed=[_label(n) for n in names if figures[n].get("source") == "typed"],
        imports=[
            f"{i['rows']} hồ sơ, nhập {_moment(i['imported_at'])}, SHA-256 {i['sha256'][:16]}…"
            for i in sources.get("imports", [])
        ],
    )
