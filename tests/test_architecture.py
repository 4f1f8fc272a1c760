"""The layout the code promises (docs/ARCHITECTURE.md): the kernel stands alone, features import one
way, and a figure is declared once with everything that must follow it."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
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
