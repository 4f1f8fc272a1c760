# The city's migrations run exactly as the commune's: Flask-Migrate hands each app's own database
# and metadata to the one env.py (current_app.extensions["migrate"]).
import runpy
from pathlib import Path

runpy.run_path(str(Path(__file__).resolve().parent.parent / "env.py"))
