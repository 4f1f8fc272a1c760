"""The demo's written content: names, procedures, texts (in Vietnamese, as the screens show them).

It lives in ``data/*.json`` beside this module, one file for each seeding module, so the modules
hold only how the demo is seeded and the words can be read or changed without reading code.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parent / "data"


@cache
def content(name: str) -> dict[str, Any]:
    """``data/<name>.json``, read once per process (shared: never change what it returns)."""
    return json.loads((DATA / f"{name}.json").read_text(encoding="utf-8"))
