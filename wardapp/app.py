"""The commune app's factory. It never migrates or prompts: ``flask db upgrade`` does the schema."""

from __future__ import annotations

from flask import Flask

from wardapp import ROOT, config, i18n, models, web
from wardapp.admin.routes import bp as admin_bp
from wardapp.audit.routes import bp as audit_bp
from wardapp.auth.routes import bp as auth_bp
from wardapp.cli import register_cli
from wardapp.commune.routes import bp as commune_bp
from wardapp.dashboard.routes import bp as dashboard_bp
from wardapp.delays.routes import bp as delays_bp
from wardapp.delivery.routes import bp as delivery_bp
from wardapp.dossiers import operations as dossier_log
from wardapp.dossiers.routes import bp as dossiers_bp
from wardapp.evidence.operations import sweep_at_start
from wardapp.evidence.routes import bp as evidence_bp
from wardapp.extensions import babel, csrf, db, htmx, login_manager, migrate
from wardapp.handover.routes import bp as handover_bp
from wardapp.pdf.routes import bp as pdf_bp
from wardapp.platform import lanes, requestlog
from wardapp.platform.app import new_app
from wardapp.privacy.routes import bp as privacy_bp
from wardapp.reports.routes import bp as reports_bp
from wardapp.setup.routes import bp as setup_bp
from wardapp.signing.routes import bp as signing_bp
from wardapp.tasks.routes import bp as tasks_bp
from wardapp.team.routes import bp as team_bp

BLUEPRINTS = (
    setup_bp,
    auth_bp,
    commune_bp,
    reports_bp,
    evidence_bp,
    delays_bp,
    dossiers_bp,
    signing_bp,
    pdf_bp,
    tasks_bp,
    team_bp,
    dashboard_bp,
    admin_bp,
    audit_bp,
    delivery_bp,
    handover_bp,
    privacy_bp,
)
assert models  # every model is imported, so Alembic and the shell see the whole schema


def create_app(overrides: dict | None = None) -> Flask:
    app = new_app(__name__, overrides, instance_variable="WARDAPP_INSTANCE_PATH", default_instance=ROOT / "instance")
    config.load(app, overrides)

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    login_manager.init_app(app)
    babel.init_app(app, locale_selector=i18n.select_locale)
    requestlog.init_app(app, "wardapp.request")  # first before_request: every later line has the request id
    lanes.init_app(app, app.config["HEAVY_LANES"])  # before CSRF: its form parsing is heavy work
    csrf.init_app(app)
    htmx.init_app(app)
    i18n.init_app(app)
    web.init_app(app)
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
    dossier_log.init_app(app)
    register_cli(app)
    sweep_at_start(app)  # files an upload killed before its commit left behind
    return app
