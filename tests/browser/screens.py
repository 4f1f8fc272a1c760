"""The screen battery: every page of both apps, as each persona, at phone widths, checked for
sideways scrolling, for tap targets a thumb can hit (``small_targets``) and for axe-core
violations of impact serious or critical.

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


TARGET_COMFORT = 44  # CSS px: the tap size issue 12 asks for (WCAG 2.5.5, Apple and Android guides)
TARGET_MINIMUM = 24  # CSS px: WCAG 2.2's 2.5.8 minimum, allowed only with room around it

# Measured in the page, at its layout, all targets at once (see ``small_targets`` for the rule).
_SMALL_TARGETS = r"""([comfort, minimum]) => {
  const SELECTOR = 'a[href], button, input:not([type="hidden"]), select, textarea, summary, [role="button"]';
  const all = Array.from(document.querySelectorAll(SELECTOR));
  const box = r => ({left: r.left + scrollX, top: r.top + scrollY, right: r.right + scrollX,
                     bottom: r.bottom + scrollY, width: r.width, height: r.height});
  const shown = el => {
    const style = getComputedStyle(el);
    if (style.visibility === 'hidden' || el.closest('[inert], [aria-hidden="true"]')) return false;
    // Inside a closed <details> an element keeps a box but is not rendered (content-visibility).
    if (!el.checkVisibility({visibilityProperty: true})) return false;
    const r = el.getBoundingClientRect();
    // Off the page (a skip link until it has the focus) or clipped to a pixel (screen readers only).
    if (r.bottom + scrollY <= 0 || r.right + scrollX <= 0) return false;
    return r.width > 1 && r.height > 1;
  };
  // What a finger can press to reach the target: the element, and for a form control its labels
  // (a tap on <label for> or on a wrapping <label> works the control).
  const areas = el => {
    const found = shown(el) ? [box(el.getBoundingClientRect())] : [];
    for (const label of (el.labels || [])) if (shown(label)) found.push(box(label.getBoundingClientRect()));
    return found;
  };
  const display = el => getComputedStyle(el).display;
  const isBlock = el => !display(el).startsWith('inline') && display(el) !== 'contents';
  // A link in running text: shown inline, inside a block that has words of its own (two or more,
  // outside any target), as WCAG's "inline" exception allows.
  const inProse = el => {
    if (el.tagName !== 'A' || display(el) !== 'inline') return false;
    let block = el.parentElement;
    while (block && !isBlock(block)) block = block.parentElement;
    if (!block) return false;
    const walker = document.createTreeWalker(block, NodeFilter.SHOW_TEXT);
    let words = 0;
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      if (node.parentElement.closest(SELECTOR)) continue;
      words += (node.textContent.match(/[\p{L}\p{N}]+/gu) || []).length;
    }
    return words >= 2;
  };
  const describe = el => {
    let name = el.tagName.toLowerCase() + (el.id ? '#' + el.id : '');
    const classes = typeof el.className === 'string' ? el.className.trim() : '';
    if (classes) name += '.' + classes.split(/\s+/).join('.');
    if (el.type && ['checkbox', 'radio', 'submit', 'file'].includes(el.type)) name += `[type=${el.type}]`;
    if (el.name) name += `[name=${el.name}]`;
    const said = el.getAttribute('aria-label') || el.innerText || el.value || el.title || el.getAttribute('href');
    const text = (said || '').trim().replace(/\s+/g, ' ');
    return text ? `${name} "${text.slice(0, 40)}"` : name;
  };
  const targets = all.map(el => ({el, areas: areas(el)})).filter(t => t.areas.length);
  const best = t => t.areas.reduce((a, b) => Math.min(b.width, b.height) > Math.min(a.width, a.height) ? b : a);
  const gap = (x, y, r) => Math.hypot(Math.max(r.left - x, 0, x - r.right), Math.max(r.top - y, 0, y - r.bottom));
  const problems = [];
  for (const t of targets) {
    const area = best(t);
    if (area.width >= comfort - 0.5 && area.height >= comfort - 0.5) continue;
    if (inProse(t.el)) continue;
    const size = `${Math.round(area.width)}×${Math.round(area.height)}`;
    if (area.width < minimum - 0.5 || area.height < minimum - 0.5) {
      problems.push(`${describe(t.el)} is ${size} px (under ${minimum}×${minimum})`);
      continue;
    }
    const x = (area.left + area.right) / 2, y = (area.top + area.bottom) / 2;
    const near = targets.find(o => o !== t && !o.el.contains(t.el) && !t.el.contains(o.el)
      && o.areas.some(r => gap(x, y, r) < comfort / 2));
    if (near) {
      problems.push(`${describe(t.el)} is ${size} px; ${describe(near.el)} is within ${comfort / 2} px of its centre`);
    }
  }
  return problems;
}"""


def small_targets(page) -> list[str]:
    """Every visible target a thumb may have to hit that is too small for it, measured in the page.

    A target is ``a[href]``, ``button``, ``input`` (not hidden), ``select``, ``textarea``,
    ``summary`` or ``[role=button]`` that has a box on the page (not ``display: none``, not
    ``visibility: hidden``, not inside ``[inert]``/``[aria-hidden]``, not clipped to 1 px for screen
    readers, not placed off the page like a skip link before it has the focus, not inside a closed
    ``<details>``). Its tap area is its
    own box, or for a form control the largest of its own box and its labels' boxes (a wrapping
    ``<label>`` or ``<label for>``: tapping the label works the control). The rule:

    1. Comfortable: the tap area is at least 44×44 CSS px. Or
    2. Spaced (WCAG 2.2, 2.5.8's spacing idea at the comfortable size): the tap area is at least
       24×24 and a circle of 44 px diameter centred on it touches no other target's tap area, so a
       thumb aimed at it within 22 px hits it or nothing. (WCAG's own 24 px circle lies inside any
       24×24 target and so would test nothing once 24×24 is required.) Or
    3. In running text (WCAG's "inline" exception): a link laid out inline (not ``inline-block`` or
       ``inline-flex``) whose nearest block ancestor has two or more words outside any target, i.e.
       a link inside a sentence, whose height the line of text sets.

    Each problem names the target (tag, id, classes, name, text) and its measured size.
    """
    return page.evaluate(_SMALL_TARGETS, [TARGET_COMFORT, TARGET_MINIMUM])


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
    problems += [f"{visit}: tap target {target}" for target in small_targets(page)]
    problems += [f"{visit}: {v}" for v in axe_violations(page, source)]
    return problems


def shot_path(base: str | None, viewport: str, visit: Visit) -> Path | None:
    if not base:
        return None
    name = f"{viewport}-{visit.app}-{visit.persona or 'anon'}-{visit.path.strip('/').replace('/', '_') or 'home'}.png"
    return Path(base) / name
