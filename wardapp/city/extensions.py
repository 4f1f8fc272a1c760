"""The city intake's own extensions (``wardapp.platform.extensions``): its own database (and
metadata), login and CSRF."""

from typing import TYPE_CHECKING

from sqlalchemy.orm import DeclarativeBase

from wardapp.platform.extensions import for_app, named_metadata


class CityBase(DeclarativeBase):
    metadata = named_metadata()


city_db, city_migrate, city_login, city_csrf = for_app(CityBase)

# As in wardapp.extensions: ``city_db.Model`` at run time, its base for the type checker.
if TYPE_CHECKING:
    CityModel = CityBase
else:
    CityModel = city_db.Model
