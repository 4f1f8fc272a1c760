"""The battery's tap-target rule (``screens.small_targets``) on a page made for it, in Chromium at
390 px with touch: what it must flag, and what WCAG lets pass, each at its boundary."""

from __future__ import annotations

import pytest

from .screens import small_targets

pytestmark = pytest.mark.browser

PAGE = """<!doctype html><html><head><meta name="viewport" content="width=device-width"><style>
  body { margin: 0; font: 16px/1.45 sans-serif; } section { height: 200px; position: relative; }
  .box { position: absolute; padding: 0; border: 0; margin: 0; }
  label.big { display: inline-flex; align-items: center; min-height: 44px; min-width: 44px; }
  input[type=checkbox] { width: 13px; height: 13px; margin: 0; }
</style></head><body><a href="#z" id="off-page" class="box" style="top:-100px">skip</a>
<section><button class="box" id="ok44" style="left:10px;top:10px;width:44px;height:44px">A</button>
  <button class="box" id="alone30" style="left:200px;top:10px;width:30px;height:30px">B</button></section>
<section><button class="box" id="pair-left" style="left:10px;top:10px;width:30px;height:30px">C</button>
  <button class="box" id="pair-right" style="left:44px;top:10px;width:30px;height:30px">D</button></section>
<section><button class="box" id="tiny" style="left:10px;top:10px;width:23px;height:40px">E</button></section>
<section><input type="checkbox" id="bare" aria-label="bare">
  <label class="big"><input type="checkbox" id="wrapped"> wrapped</label></section>
<section><p>Read the <a id="in-prose" href="#x">rules of the day</a> before signing.</p>
  <div><a id="on-its-own" href="#y">On its own</a></div></section>
<section><details><summary id="folded-parent">Open</summary><a href="#w" id="folded">hidden</a></details></section>
</body></html>"""


def test_the_rule_flags_small_crowded_targets_and_spares_what_wcag_spares(chromium):
    context = chromium.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    try:
        page = context.new_page()
        page.set_content(PAGE)
        found = small_targets(page)
    finally:
        context.close()
    flagged = {line.split(" ")[0].split("#")[1].split(".")[0].split("[")[0] for line in found}

    # 44×44; 30×30 with nothing within 22 px; a link in a sentence; a checkbox whose label is
    # 44 px; things with no box on the page: all pass.
    assert not flagged & {"ok44", "alone30", "in-prose", "wrapped", "off-page", "folded"}, found
    # 30×30 with a neighbour 4 px away (19 px from its centre, both ways); under 24 px wide; a bare 13 px checkbox;
    # a link alone on its line at the text's height; a summary at the text's height.
    assert flagged == {"pair-left", "pair-right", "tiny", "bare", "on-its-own", "folded-parent"}, found
    sizes = {line.split(" ")[0]: line for line in found}
    assert "is 13×13 px (under 24×24)" in sizes['input#bare[type=checkbox]'], found
    assert (
        'button#pair-left.box[type=submit] "C" is 30×30 px; button#pair-right.box[type=submit] "D" is within 22 px'
        " of its centre"
    ) in found, found
