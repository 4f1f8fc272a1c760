"""Loading an app's settings: defaults, then ``<instance>/config.py``, then environment variables.

Both apps load their settings here. An environment variable ``<PREFIX>_<NAME>`` is read as the type
of the default it replaces: ``WARDAPP_CITY_CITY_PROVINCE_CODE=79`` stays the string "79" that
commune codes are compared with, ``WARDAPP_LOGIN_MAX_ATTEMPTS=5`` becomes the integer 5. A setting
the app does not declare is typed by Flask's own default (``base``, the app's config before loading)
or by :data:`BOOLEAN_DEFAULTS`: ``WARDAPP_SESSION_COOKIE_SECURE=false`` is False, never the string
"false" (a browser reads any ``Secure`` attribute as on).
"""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

# Booleans Flask leaves None by default (None: "decide from DEBUG") and the extensions' own, so
# their types are known: ``WARDAPP_DEBUG=false`` must not turn the debugger on.
BOOLEAN_DEFAULTS: dict[str, Any] = {
    "DEBUG": False,  # Flask
    "PROPAGATE_EXCEPTIONS": False,
    "TRAP_BAD_REQUEST_ERRORS": False,
    "TEMPLATES_AUTO_RELOAD": False,
    "REMEMBER_COOKIE_SECURE": False,  # Flask-Login
    "REMEMBER_COOKIE_HTTPONLY": True,
    "REMEMBER_COOKIE_REFRESH_EACH_REQUEST": False,
    "WTF_CSRF_ENABLED": True,  # Flask-WTF
    "WTF_CSRF_CHECK_DEFAULT": True,
    "WTF_CSRF_SSL_STRICT": True,
    "SQLALCHEMY_ECHO": False,  # Flask-SQLAlchemy
    "SQLALCHEMY_RECORD_QUERIES": False,
    "SQLALCHEMY_TRACK_MODIFICATIONS": False,
}


class SettingError(ValueError):
    """A setting that cannot be read as the type its default has (stops the app at start-up)."""


def load(
    defaults: type,
    instance: Path,
    env_prefix: str,
    overrides: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
    base: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Every upper-case setting, from the three sources in order, then ``overrides``; ``base`` (the
    framework's defaults) only gives an undeclared setting its type."""
    environ = os.environ if environ is None else environ
    known = {**(base or {}), **BOOLEAN_DEFAULTS}
    values: dict[str, Any] = {name: getattr(defaults, name) for name in dir(defaults) if name.isupper()}
    values.update(_from_pyfile(instance / "config.py"))
    prefix = env_prefix + "_"
    for key in sorted(environ):
        if key.startswith(prefix) and key[len(prefix) :].isupper():
            name = key[len(prefix) :]
            default = values.get(name)
            values[name] = _typed(name, environ[key], known.get(name) if default is None else default)
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
