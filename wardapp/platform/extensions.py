"""The extensions every app has, made once per app: its own database over its own declarative base
(so the two apps never share a metadata), its migrations, its login and its CSRF protection."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

from wardapp.core.dbnames import NAMING

if TYPE_CHECKING:

    class AppModel(DeclarativeBase):
        """What an app's models subclass, as the type checker sees them. At run time they subclass
        their app's ``db.Model`` (Flask-SQLAlchemy builds it from the app's own base), which mypy
        cannot take as a base class, being an attribute."""


def named_metadata() -> MetaData:
    """A new metadata whose constraints are named as both apps' migrations name them."""
    return MetaData(naming_convention=NAMING)


def for_app() -> tuple[SQLAlchemy, Migrate, LoginManager, CSRFProtect]:
    """One app's database (over a declarative base of its own, with its own named metadata),
    migrations, login manager and CSRF protection."""

    class Base(DeclarativeBase):
        metadata = named_metadata()

    return SQLAlchemy(model_class=Base), Migrate(), LoginManager(), CSRFProtect()
