"""Every model, imported in one place so Alembic and the shell see the whole schema."""
from .audit.models import AuditEvent
from .auth.models import Role, User
from .commune.models import Commune
from .delays.models import Explanation, LateDossier
from .evidence.models import Photo, PhotoCategory
from .outbox.models import OutboxEntry, SendAttempt
from .pdf.models import ApiToken
from .reports.models import DailyReport, ReportStatus
from .signing.models import ReportRevision, SigningKey
from .tasks.models import Task, TaskProgress
from .team.models import ResponseTeam, SupportCase, TeamMember

__all__ = [
    "ApiToken", "AuditEvent", "Commune", "DailyReport", "Explanation", "LateDossier", "Photo", "PhotoCategory",
    "OutboxEntry", "ReportRevision", "ReportStatus", "ResponseTeam", "SendAttempt", "SigningKey", "Role", "SupportCase", "Task", "TaskProgress", "TeamMember", "User",
]
