"""Hypothesis strategies for route fuzzing (issue 11, item 8): every route of an app, its path
parameters and the query parameters the code reads, filled with the values that broke it before
(ids beyond 64 bits, months of year 1 or 9999, calendar ends, Unicode digits) and random text.
The property: whatever the URL, the answer is never a 5xx (and no exception escapes)."""

from __future__ import annotations

import re
import sys
from pathlib import Path
from urllib.parse import quote

from hypothesis import strategies as st

from wardapp import ROOT

AWKWARD = [
    "0",
    "-1",
    "1",
    "2",
    str(2**63),
    str(2**64 + 1),
    "9" * 30,
    "²",
    "١٢",
    "٣",
    "0001-01-01",
    "0001-01-02",
    "9999-12-31",
    "1900-01-01",
    "0000-00-00",
    "2026-02-30",
    "0001-01",
    "9999-12",
    "0001",
    "9999",
    "2026-13",
    "2026-W48-1",
    "20261130",
    "2026-11-30T00:00",
    "NaN",
    "inf",
    "",
    " ",
    "%00",
    "..",
    "ａｂｃ",
    "\u202e",
    "' OR 1=1 --",
    "<script>",
]
VALUES = st.one_of(
    st.sampled_from(AWKWARD),
    st.sampled_from(AWKWARD),  # twice: the values that broke something before come up often
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.dates().map(lambda d: d.isoformat()),
    st.dates().map(lambda d: d.strftime("%Y-%m")),
    st.text(max_size=16),
)
INTEGERS = st.one_of(
    st.sampled_from(["0", "1", "2", str(2**63 - 1), str(2**63), str(2**64 + 1), "9" * 30]),
    st.integers(min_value=0, max_value=2**70).map(str),
)
_PARAM = re.compile(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>")
_ARG = re.compile(r"""args\.get\(\s*["'](\w+)["']""")


def query_keys(view) -> list[str]:
    """The query parameter names the view's module reads (``request.args.get("...")``), plus the
    ones every list reads; a route whose module reads none still gets those."""
    keys = {"page", "from", "to", "month", "next", "state"}
    module = sys.modules.get(getattr(view, "__module__", ""), None)
    source = Path(getattr(module, "__file__", "") or ROOT / "missing")
    if source.is_file():
        keys.update(_ARG.findall(source.read_text(encoding="utf-8")))
    return sorted(keys)


def path_for(rule_text: str, values: list[str]) -> str:
    """The rule with each ``<converter:name>`` replaced by a value (quoted: no slash survives)."""
    supply = iter(values)
    return _PARAM.sub(lambda _m: quote(next(supply), safe="") or "x", rule_text)


def converters_of(rule_text: str) -> list[str]:
    return [converter or "default" for converter, _name in _PARAM.findall(rule_text)]


@st.composite
def requests_for(draw, rule_text: str, methods: frozenset[str], keys: list[str]):
    """(method, path, query) for one rule."""
    method = draw(st.sampled_from(sorted(methods)))
    values = [draw(INTEGERS if kind == "int" else VALUES) for kind in converters_of(rule_text)]
    query = draw(st.dictionaries(st.sampled_from(keys), VALUES, max_size=4))
    return method, path_for(rule_text, values), query


def routes(app, skip_post: set[str] = frozenset()) -> list[tuple[str, frozenset[str], list[str]]]:
    """(rule, methods to try, query keys) for every rule of the app, GET and POST."""
    found: dict[str, tuple[frozenset[str], list[str]]] = {}
    for rule in app.url_map.iter_rules():
        methods = {"GET"} if "GET" in rule.methods else set()
        if "POST" in rule.methods and rule.endpoint not in skip_post:
            methods.add("POST")
        if not methods:
            continue
        before, keys = found.get(rule.rule, (frozenset(), []))
        keys = sorted(set(keys) | set(query_keys(app.view_functions[rule.endpoint])))
        found[rule.rule] = (frozenset(methods | before), keys)
    return sorted((rule, methods, keys) for rule, (methods, keys) in found.items())
