"""The skeleton of both apps' ``create_app``: the Flask object on its instance folder, the shared
templates and static files and the URL converters; then the settings (``core/settings.py``:
defaults → ``instance/config.py`` → environment) with the database URL of an environment variable
and an SQLite file in the instance folder when none is set."""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask

from wardapp import ROOT
from wardapp.core import settings
from wardapp.platform import routing


def new_app(import_name: str, overrides: dict | None, *, instance_variable: str, default_instance: Path) -> Flask:
    """The app on its instance folder: ``INSTANCE_PATH`` of the overrides, else the environment
    variable ``instance_variable``, else ``default_instance``."""
    instance = (overrides or {}).get("INSTANCE_PATH") or os.environ.get(instance_variable) or default_instance
    app = Flask(
        import_name,
        instance_path=str(Path(instance).resolve()),
        instance_relative_config=True,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    routing.install(app.url_map)  # before any route: ids beyond 64 bits are 404s
    return app


def load_settings(
    app: Flask, defaults: type, prefix: str, overrides: dict | None, *, database_variable: str, database_file: str
) -> Path:
    """The app's settings into ``app.config`` (variables ``<prefix>_<NAME>``; ``database_variable``
    for any SQLAlchemy URL); returns the instance folder, made if missing."""
    instance = Path(app.instance_path)
    instance.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    if env.get(database_variable):
        env[f"{prefix}_SQLALCHEMY_DATABASE_URI"] = env[database_variable]
    app.config.update(settings.load(defaults, instance, prefix, overrides, env, base=app.config))
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{instance / database_file}"
    return instance
