from flask import Blueprint

bp = Blueprint("delays", __name__)

from . import routes  # noqa: E402,F401
