"""The screen battery: every page of both apps, as each persona, at phone widths, checked for
sideways scrolling and for axe-core violations of impact serious or critical.

To cover a new page, add a ``Visit`` to ``commune_visits`` or ``city_visits`` (or pass your own list
to ``check_visits``): nothing else needs to change.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from wardapp import ROOT

# axe-core from npm (package.json devDependencies, installed by `npm ci` at set-up): served to the
# tests only, never by the apps.
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
VIEWPORTS = {"360x640": {"width": 360, "height": 640}, "390x844": {"width": 390, "height": 844}}
BLOCKING_IMPACTS = ("serious", "critical")


@dataclass(frozen=True)
class Visit:
    app: str  # "commune" or "city"
    persona: str  # a username, or "" for a page seen before logging in
    path: str

    def __str__(self) -> str:
        return f"{self.app} {self.persona or 'anonymous'} {self.path}"


def axe_source() -> str:
    if not AXE.exists():
        raise FileNotFoundError(f"{AXE} missing: run `npm ci` (make setup)")
    return AXE.read_text(encoding="utf-8")


# axe is evaluated through the DevTools protocol, which the pages' strict CSP does not govern (an
# injected <script> tag would be refused, rightly).
_RUN_AXE = """async () => {
  const result = await axe.run(document, {resultTypes: ['violations']});
  return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 3).map(n =>
      n.target.join(' ') + ' :: ' + (n.failureSummary || '').split('\\n').slice(1, 2).join(''))}));
}"""


def overflow(page) -> str | None:
    """The page scrolls sideways: say by how much and which element sticks out the most."""
    wide = page.evaluate(
        """() => {
      const doc = document.documentElement;
      if (doc.scrollWidth <= window.innerWidth) return null;
      let worst = null, right = window.innerWidth;
      for (const el of document.body.querySelectorAll('*')) {
        const r = el.getBoundingClientRect();
        if (r.right > right + 0.5) { right = r.right; worst = el; }
      }
      const name = worst ? worst.tagName.toLowerCase() + (worst.id ? '#' + worst.id : '') +
        (typeof worst.className === 'string' && worst.className ?
          '.' + worst.className.trim().split(/\\s+/).join('.') : '') : '?';
      return `${doc.scrollWidth}px wide in ${window.innerWidth}px (widest: ${name} to ${Math.round(right)}px)`;
    }"""
    )
    return wide


def primary_actions(page) -> list[str]:
    """The visible primary buttons and links: a page offers at most one."""
    return page.evaluate(
        """() => Array.from(document.querySelectorAll('main .primary'))
          .filter(el => el.offsetParent !== null && getComputedStyle(el).visibility !== 'hidden')
          .map(el => el.textContent.trim())"""
    )


def axe_violations(page, source: str) -> list[str]:
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(source)
    found = page.evaluate(_RUN_AXE)
    return [
        f"axe {v['impact']} {v['id']}: {v['help']} — {'; '.join(v['nodes'])}"
        for v in found
        if v["impact"] in BLOCKING_IMPACTS
    ]


def check_page(page, visit: Visit, source: str, shot: Path | None = None) -> list[str]:
    """Open one page and return what is wrong with it (empty: it passed)."""
    response = page.goto(visit.path)
    problems = []
    if response is None or response.status != 200:
        return [f"{visit}: HTTP {response.status if response else 'no answer'}"]
    page.wait_for_load_state("load")
    if shot:
        shot.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(shot), full_page=True, caret="initial")
    wide = overflow(page)
    if wide:
        problems.append(f"{visit}: scrolls sideways, {wide}")
    primaries = primary_actions(page)
    if len(primaries) > 1:
        problems.append(f"{visit}: {len(primaries)} primary actions {primaries}")
    problems += [f"{visit}: {v}" for v in axe_violations(page, source)]
    return problems


def shot_path(base: str | None, viewport: str, visit: Visit) -> Path | None:
    if not base:
        return None
    name = f"{viewport}-{visit.app}-{visit.persona or 'anon'}-{visit.path.strip('/').replace('/', '_') or 'home'}.png"
    return Path(base) / name
