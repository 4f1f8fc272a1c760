"""Every model, imported in one place so Alembic and the shell see the whole schema."""

from wardapp.audit.models import AccessRecord, AuditEvent
from wardapp.auth.models import User
from wardapp.commune.models import Commune
from wardapp.delays.models import Explanation, LateDossier
from wardapp.dossiers.models import ColumnMapping, Dossier, DossierImport, FigureOverride
from wardapp.evidence.models import Photo, PhotoCategory
from wardapp.outbox.models import OutboxEntry, SendAttempt
from wardapp.pdf.models import ApiToken
from wardapp.permissions import Role
from wardapp.reports.models import DailyReport, ReportStatus
from wardapp.signing.models import ReportRevision, SigningKey
from wardapp.support.models import SupportCase
from wardapp.tasks.models import Task, TaskProgress
from wardapp.team.models import ResponseTeam, TeamMember

__all__ = [
    "AccessRecord",
    "ApiToken",
    "AuditEvent",
    "ColumnMapping",
    "Commune",
    "DailyReport",
    "Dossier",
    "DossierImport",
    "Explanation",
    "FigureOverride",
    "LateDossier",
    "OutboxEntry",
    "Photo",
    "PhotoCategory",
    "ReportRevision",
    "ReportStatus",
    "ResponseTeam",
    "Role",
    "SendAttempt",
    "SigningKey",
    "SupportCase",
    "Task",
    "TaskProgress",
    "TeamMember",
    "User",
]
