"""The published JSON Schema of the signed payload, checked on every payload signed or received."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from jsonschema import Draft202012Validator, FormatChecker

SCHEMA_PATH = Path(__file__).with_name("daily-report-1.json")


@cache
def validator() -> Draft202012Validator:
    return Draft202012Validator(json.loads(SCHEMA_PATH.read_text()), format_checker=FormatChecker())


def problems(payload: object) -> list[str]:
    """Where the payload breaks the schema ("path: message"), empty when it conforms."""
    return [
        f"{'/'.join(str(p) for p in error.absolute_path) or '(root)'}: {error.message}"
        for error in sorted(validator().iter_errors(payload), key=lambda e: list(e.absolute_path))
    ]
