"""The city intake's own extensions: its own database (and metadata), login and CSRF."""

from typing import TYPE_CHECKING

from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

from wardapp.core.dbnames import NAMING


class CityBase(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


city_db = SQLAlchemy(model_class=CityBase)

# As in wardapp.extensions: ``city_db.Model`` at run time, its base for the type checker.
if TYPE_CHECKING:
    CityModel = CityBase
else:
    CityModel = city_db.Model
city_migrate = Migrate()
city_login = LoginManager()
city_csrf = CSRFProtect()
