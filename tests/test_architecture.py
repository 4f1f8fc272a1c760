"""The layout the code promises (docs/ARCHITECTURE.md): the kernel stands alone, features import one
way, and a figure is declared once with everything that must follow it."""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import sqlalchemy as sa

from wardapp import ROOT
from wardapp.core import rates
from wardapp.core.figures import FIGURE_NAMES, NARRATIVE_NAMES
from wardapp.core.schema import SCHEMA_PATH
from wardapp.reports.models import DailyReport

KERNEL_ENTRY_POINTS = (
    "wardapp.core.pdf.document",
    "wardapp.core.pdf.monthly",
    "wardapp.core.pdf.inputs",
    "wardapp.core.pdf.signature",
    "wardapp.core.payload",
    "wardapp.core.verify",
    "wardapp.core.rules",
    "wardapp.core.index766",
)


@pytest.mark.parametrize("module", KERNEL_ENTRY_POINTS)
def test_the_kernel_loads_neither_flask_nor_any_module_of_the_two_apps(module):
    """In a fresh interpreter, as a PDF or payload tool would import it."""
    probe = (
        f"import sys, {module}\n"
        "loaded = sorted(m for m in sys.modules if m == 'flask' or m.startswith(('flask.', 'flask_', 'sqlalchemy'))"
        " or (m.startswith('wardapp.') and not m.startswith('wardapp.core')))\n"
        "print('\\n'.join(loaded))\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True)
    assert result.stdout.split() == [], f"{module} pulls in: {result.stdout.split()}"


def test_every_feature_package_init_holds_nothing_but_its_docstring():
    for init in sorted((ROOT / "wardapp").glob("*/__init__.py")):
        if init.parent.name == "core":
            continue
        tree = ast.parse(init.read_text())
        code = [node for node in tree.body if not (isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant))]
        assert code == [], f"{init.relative_to(ROOT)} should be empty: put the blueprint in routes.py"


def schema() -> dict:
    return json.loads(SCHEMA_PATH.read_text())


def test_every_figure_is_in_the_json_schema_and_nothing_else():
    figures = schema()["properties"]["figures"]
    where = f"the JSON Schema's figures ({SCHEMA_PATH.relative_to(ROOT)})"
    missing = [n for n in FIGURE_NAMES if n not in figures["required"]]
    assert not missing, f"declared in wardapp/core/figures.py but missing from {where}: {missing}"
    extra = (set(figures["required"]) | set(figures.get("properties", {}))) - set(FIGURE_NAMES)
    assert not extra, f"{where} lists figures that wardapp/core/figures.py does not declare: {sorted(extra)}"


def test_every_rate_and_narrative_field_is_in_the_json_schema():
    properties = schema()["properties"]
    named_rates = properties["rates"].get("properties")
    if named_rates is not None:  # a schema that names the rates must name exactly ours
        assert set(named_rates) == {r.name for r in rates.RATES}, "the schema's rates must be wardapp/core/rates.py's"
    assert set(properties["narrative"]["required"]) == set(NARRATIVE_NAMES)


def test_every_figure_has_its_column_on_the_report_model():
    columns = set(DailyReport.__table__.columns.keys())
    missing = [n for n in (*FIGURE_NAMES, *NARRATIVE_NAMES) if n not in columns]
    assert not missing, f"add a column to DailyReport (wardapp/reports/models.py) for: {missing}"


def test_every_figure_has_its_column_in_the_migrated_database(migrated_db: Path):
    engine = sa.create_engine(f"sqlite:///{migrated_db}")
    try:
        columns = {c["name"] for c in sa.inspect(engine).get_columns("daily_reports")}
    finally:
        engine.dispose()
    missing = [n for n in (*FIGURE_NAMES, *NARRATIVE_NAMES) if n not in columns]
    assert not missing, f"no migration adds these columns to daily_reports (flask db migrate): {missing}"


# Loaded where they are used (docs/PERFORMANCE.md, start-up): every worker and every `flask …`
# command pays for what the app imports at start, and these are most of a second together.
HEAVY_ON_FIRST_USE = ("pyhanko", "fontTools", "aiohttp", "openpyxl", "xlsxwriter")


@pytest.mark.parametrize("app_module", ["wardapp.app"])
def test_starting_an_app_does_not_load_the_signing_and_spreadsheet_libraries(app_module):
    probe = (
        f"import sys, {app_module}\n"
        f"{app_module}.create_app\n"
        f"print(' '.join(sorted({{m.split('.')[0] for m in sys.modules}} & set({HEAVY_ON_FIRST_USE!r}))))\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True)
    assert result.stdout.split() == [], f"{app_module} loads at start: {result.stdout.split()}"


def documented_package_order() -> list[str]:
    """The commune's packages, lowest first up to `app`, as docs/ARCHITECTURE.md lists them (each
    where first named)."""
    text = (ROOT / "docs" / "ARCHITECTURE.md").read_text()
    bullet = text.split("- **Packages, lowest first**", 1)[1].split("Below every feature", 1)[0]
    named = re.findall(r"`([a-z_]+)`", bullet)
    return list(dict.fromkeys(named))


def contract_layers() -> list[str]:
    """The layers of pyproject's exhaustive layers contract, lowest first."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    contracts = config["tool"]["importlinter"]["contracts"]
    (contract,) = [c for c in contracts if c["type"] == "layers" and c["containers"] == ["wardapp"]]
    return [name.strip() for layer in reversed(contract["layers"]) for name in re.split(r"[|:]", layer)]


def test_the_documented_order_of_the_packages_is_the_order_make_lint_enforces():
    layers = contract_layers()
    documented = [name for name in documented_package_order() if name in layers]
    enforced = [name for name in layers if name in documented]
    assert documented == enforced, (
        "docs/ARCHITECTURE.md ('Packages, lowest first') and the layers contract in pyproject.toml disagree"
    )
    features = {p.parent.name for p in (ROOT / "wardapp").glob("*/routes.py")}
    assert features - set(documented) == set(), "every feature is named in docs/ARCHITECTURE.md's order"


TEMPLATE_REFERENCE = re.compile(r"{%-?\s*(?:include|extends|import|from)\s+[\"']([^\"']+)[\"']")


def referenced_templates(folder: Path) -> dict[str, set[str]]:
    return {
        str(path.relative_to(ROOT / "templates")): set(TEMPLATE_REFERENCE.findall(path.read_text()))
        for path in sorted(folder.rglob("*.html"))
    }


def test_a_template_both_apps_render_is_in_the_shared_folder():
    templates = ROOT / "templates"
    for name, references in referenced_templates(templates / "city").items():
        foreign = {r for r in references if not r.startswith(("city/", "shared/"))}
        assert not foreign, f"{name} includes commune templates: move them to templates/shared/: {sorted(foreign)}"
    for name, references in referenced_templates(templates).items():
        if name.startswith("city/"):
            continue
        city = {r for r in references if r.startswith("city/")}
        assert not city, f"{name} includes city templates: move them to templates/shared/: {sorted(city)}"
