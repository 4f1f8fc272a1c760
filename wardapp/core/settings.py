"""Loading an app's settings: defaults, then ``<instance>/config.py``, then environment variables.

Both apps load their settings here. An environment variable ``<PREFIX>_<NAME>`` is read as the type
of the default it replaces: ``WARDAPP_CITY_CITY_PROVINCE_CODE=79`` stays the string "79" that
commune codes are compared with, ``WARDAPP_LOGIN_MAX_ATTEMPTS=5`` becomes the integer 5.
"""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any


class SettingError(ValueError):
    """A setting that cannot be read as the type its default has (stops the app at start-up)."""


def load(
    defaults: type,
    instance: Path,
    env_prefix: str,
    overrides: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Every upper-case setting, from the three sources in order, then ``overrides``."""
    environ = os.environ if environ is None else environ
    values: dict[str, Any] = {name: getattr(defaults, name) for name in dir(defaults) if name.isupper()}
    values.update(_from_pyfile(instance / "config.py"))
    prefix = env_prefix + "_"
    for key in sorted(environ):
        if key.startswith(prefix) and key[len(prefix) :].isupper():
            name = key[len(prefix) :]
            values[name] = _typed(name, environ[key], values.get(name))
    values.update(overrides or {})
    return values


def _from_pyfile(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {}
    namespace: dict[str, Any] = {"__file__": str(path)}
    exec(compile(path.read_bytes(), str(path), "exec"), namespace)  # noqa: S102 - the operator's own file
    return {name: value for name, value in namespace.items() if name.isupper()}


def _typed(name: str, raw: str, default: Any) -> Any:
    if isinstance(default, str) or default is None:
        return raw
    try:
        if isinstance(default, bool):
            if raw.lower() in ("1", "true", "yes", "on"):
                return True
            if raw.lower() in ("0", "false", "no", "off", ""):
                return False
            raise ValueError(raw)
        if isinstance(default, int):
            return int(raw)
        if isinstance(default, float):
            return float(raw)
        value = json.loads(raw)
        if isinstance(default, tuple) and isinstance(value, list):
            return tuple(value)
        return value
    except ValueError as error:
        raise SettingError(f"{name}={raw!r} is not a valid {type(default).__name__}") from error


def secret_key(instance: Path) -> str:
    """The instance's session key, generated once into ``instance/secret_key`` (mode 0600)."""
    path = instance / "secret_key"
    if not path.exists():
        # O_EXCL: two workers starting together must not both write a different key.
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as fh:
                fh.write(secrets.token_hex(32))
    return path.read_text().strip()
