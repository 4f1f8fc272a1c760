"""The extensions every app has, made once per app: its own database over its own declarative base
(so the two apps never share a metadata), its migrations, its login and its CSRF protection."""

from __future__ import annotations

from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

from wardapp.core.dbnames import NAMING


def named_metadata() -> MetaData:
    """A new metadata whose constraints are named as both apps' migrations name them."""
    return MetaData(naming_convention=NAMING)


def for_app(base: type[DeclarativeBase]) -> tuple[SQLAlchemy, Migrate, LoginManager, CSRFProtect]:
    """One app's database (its models subclass ``base``), migrations, login manager and CSRF."""
    return SQLAlchemy(model_class=base), Migrate(), LoginManager(), CSRFProtect()
