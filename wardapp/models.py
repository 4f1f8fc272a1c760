"""Every model, imported in one place so Alembic and the shell see the whole schema."""
from .audit.models import AuditEvent
from .auth.models import Role, User
from .commune.models import Commune
from .delays.models import Explanation, LateDossier
from .evidence.models import Photo, PhotoCategory
from .reports.models import DailyReport, ReportStatus
from .tasks.models import Task, TaskProgress
from .team.models import ResponseTeam, SupportCase, TeamMember

__all__ = [
    "AuditEvent", "Commune", "DailyReport", "Explanation", "LateDossier", "Photo", "PhotoCategory",
    "ReportStatus", "ResponseTeam", "Role", "SupportCase", "Task", "TaskProgress", "TeamMember", "User",
]
