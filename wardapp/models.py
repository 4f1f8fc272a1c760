"""Every model, imported in one place so Alembic and the shell see the whole schema."""
from .audit.models import AuditEvent
from .auth.models import Role, User
from .commune.models import Commune
from .reports.models import DailyReport, ReportStatus

__all__ = ["AuditEvent", "Commune", "DailyReport", "ReportStatus", "Role", "User"]
