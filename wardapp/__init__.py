"""wardapp: the daily report desk of a Vietnamese commune's Public Administration Service Center."""
from __future__ import annotations

import os
from pathlib import Path

from flask import Flask

ROOT = Path(__file__).resolve().parent.parent


def create_app(config: dict | None = None) -> Flask:
    """Build the commune app. It never migrates or prompts: ``flask db upgrade`` does the schema."""
    instance = (config or {}).get("INSTANCE_PATH") or os.environ.get("WARDAPP_INSTANCE_PATH") or ROOT / "instance"
    app = Flask(
        __name__,
        instance_path=str(Path(instance).resolve()),
        instance_relative_config=True,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    from . import config as settings

    settings.load(app, config)

    from . import i18n, models, web  # noqa: F401 (models: the whole schema, for Alembic)
    from .extensions import babel, csrf, db, htmx, login_manager, migrate

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    login_manager.init_app(app)
    babel.init_app(app, locale_selector=i18n.select_locale)
    csrf.init_app(app)
    htmx.init_app(app)
    i18n.init_app(app)
    web.init_app(app)

    from . import admin, audit, auth, commune, dashboard, delays, evidence, pdf, reports, signing, tasks, team
    from .cli import register_cli

    for module in (auth, commune, reports, evidence, delays, signing, pdf, tasks, team, dashboard, admin, audit):
        app.register_blueprint(module.bp)
    pdf.init_app(app)
    register_cli(app)
    return app
