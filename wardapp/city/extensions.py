"""The city intake's own extensions: its own database (and metadata), login and CSRF."""

from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData

from wardapp.core.dbnames import NAMING

city_db = SQLAlchemy(metadata=MetaData(naming_convention=NAMING))
city_migrate = Migrate()
city_login = LoginManager()
city_csrf = CSRFProtect()
