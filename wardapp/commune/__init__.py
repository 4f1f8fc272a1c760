from flask import Blueprint

bp = Blueprint("commune", __name__)

from . import routes  # noqa: E402,F401
