"""The published JSON Schema of the signed payload, checked on every payload signed or received.

Beyond the schema file, every string must be free of control and invisible format characters
(core/text) and every number finite: JSON has no NaN, but Python's parser accepts one."""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Iterator
from functools import cache
from pathlib import Path

from jsonschema import Draft202012Validator, FormatChecker

from wardapp.core import text

SCHEMA_PATH = Path(__file__).with_name("daily-report-1.json")


def _format_checker() -> FormatChecker:
    checker = FormatChecker()
    checker.checks("date-time", raises=ValueError)(_date_time)
    return checker


def _date_time(value: object) -> bool:
    """RFC 3339 with its offset: the schema's pattern fixes the shape, this the values."""
    if not isinstance(value, str):
        return True
    parsed = dt.datetime.fromisoformat(value)
    return parsed.tzinfo is not None


@cache
def validator() -> Draft202012Validator:
    return Draft202012Validator(json.loads(SCHEMA_PATH.read_text()), format_checker=_format_checker())


def _walk(value: object, path: str = "") -> Iterator[tuple[str, object]]:
    yield path, value
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _walk(key, f"{path}/{key}(key)")
            yield from _walk(item, f"{path}/{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _walk(item, f"{path}/{index}")


def _value_problems(payload: object) -> list[str]:
    problems = []
    for path, value in _walk(payload):
        if isinstance(value, float) and not math.isfinite(value):
            problems.append(f"{path.lstrip('/') or '(root)'}: {value} is not a finite number")
        elif isinstance(value, str) and (bad := text.forbidden_characters(value)):
            problems.append(f"{path.lstrip('/') or '(root)'}: forbidden characters {', '.join(bad[:5])}")
    return problems


def problems(payload: object) -> list[str]:
    """Where the payload breaks the schema ("path: message"), empty when it conforms."""
    return [
        f"{'/'.join(str(p) for p in error.absolute_path) or '(root)'}: {error.message}"
        for error in sorted(validator().iter_errors(payload), key=lambda e: list(e.absolute_path))
    ] + _value_problems(payload)


def hidden_text(payload: object) -> list[tuple[list[str | int], list[str]]]:
    """Every string of the payload holding a forbidden character: (its path, the characters), all
    of them, in the payload's order (a key's own characters are reported at the key's path)."""
    found: list[tuple[list[str | int], list[str]]] = []

    def walk(value: object, path: list[str | int]) -> None:
        if isinstance(value, str):
            if bad := text.forbidden_characters(value):
                found.append((path, bad))
        elif isinstance(value, dict):
            for key, item in value.items():
                if isinstance(key, str) and (bad := text.forbidden_characters(key)):
                    found.append(([*path, key], bad))
                walk(item, [*path, key])
        elif isinstance(value, list):
            for index, item in enumerate(value):
                walk(item, [*path, index])

    walk(payload, [])
    return found
