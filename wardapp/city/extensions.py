"""The city intake's own extensions (``wardapp.platform.extensions``): its own database (and
metadata), login and CSRF."""

from typing import TYPE_CHECKING

from wardapp.platform.extensions import for_app

city_db, city_migrate, city_login, city_csrf = for_app()

# As in wardapp.extensions: ``city_db.Model`` at run time, the platform's AppModel for the type checker.
if TYPE_CHECKING:
    from wardapp.platform.extensions import AppModel as CityModel
else:
    CityModel = city_db.Model
