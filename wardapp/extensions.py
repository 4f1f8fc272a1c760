"""The commune app's Flask extensions, created once here and bound to an app in ``create_app``;
the ones both apps have come from ``wardapp.platform.extensions``."""

from typing import TYPE_CHECKING

from flask_babel import Babel
from htmx_flask import Htmx

from wardapp.platform.extensions import for_app

db, migrate, login_manager, csrf = for_app()

# Every model subclasses ``Model``: Flask-SQLAlchemy's ``db.Model`` (built from the app's own base) at
# run time; for the type checker, the platform's ``AppModel`` (mypy cannot take an attribute as a base).
if TYPE_CHECKING:
    from wardapp.platform.extensions import AppModel as Model
else:
    Model = db.Model
babel = Babel()
htmx = Htmx()
