"""wardapp: the daily report desk of a Vietnamese commune's Public Administration Service Center.

``wardapp.core`` is the kernel both apps stand on (no Flask app, no database session); the commune
app is built by ``wardapp.app.create_app`` from the feature packages beside it; the city intake
by ``wardapp.city.app.create_app``. See docs/ARCHITECTURE.md.
"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
