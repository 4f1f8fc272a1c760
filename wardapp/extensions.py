"""The commune app's Flask extensions, created once here and bound to an app in ``create_app``;
the ones both apps have come from ``wardapp.platform.extensions``."""

from typing import TYPE_CHECKING

from flask_babel import Babel
from htmx_flask import Htmx
from sqlalchemy.orm import DeclarativeBase

from wardapp.platform.extensions import for_app, named_metadata


class Base(DeclarativeBase):
    metadata = named_metadata()


db, migrate, login_manager, csrf = for_app(Base)

# Every model subclasses ``Model``: Flask-SQLAlchemy's ``db.Model`` (built from ``Base``) at run time;
# for the type checker, ``Base`` itself (mypy cannot take an attribute as a base class).
if TYPE_CHECKING:
    Model = Base
else:
    Model = db.Model
babel = Babel()
htmx = Htmx()
