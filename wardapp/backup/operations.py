"""The commune app's backups (``platform.backup``): which files, and the check that a restored
instance is whole (every signed revision verifies with the commune's key, every photo matches its
hash)."""

from __future__ import annotations

from wardapp.core import backup
from wardapp.evidence import storage
from wardapp.evidence.models import Photo
from wardapp.extensions import db
from wardapp.platform.backup import Backups, Check
from wardapp.signing import keys
from wardapp.signing.models import ReportRevision, SigningKey


def check_instance() -> Check:
    """Every signed revision verifies and every photo file matches its hash."""
    result = Check()
    for revision in db.session.scalars(db.select(ReportRevision).order_by(ReportRevision.id)):
        key = keys.verification_key(revision.kid)
        result.signed(revision.report_key, revision.jws, key, revision.payload, revision.payload_sha256)
    for row in db.session.scalars(db.select(SigningKey).filter(SigningKey.retired_at.is_(None))):
        try:
            keys.private_key(row.kid)
        except (OSError, ValueError) as error:
            result.problems.append(f"signing key {row.kid}: private key file missing or unreadable ({error})")
    # A photo whose bytes the retention period deleted keeps only its row (and hash): nothing to check.
    for photo in db.session.scalars(db.select(Photo).filter(Photo.purged_at.is_(None)).order_by(Photo.id)):
        path = storage.original_path(photo.sha256)
        result.photo(photo.sha256, backup.sha256_file(path) if path.is_file() else None)
    return result


# The city intake's instance sits inside the commune's by default: it has its own backup. The
# heavy lane's lock files (wardapp/platform/lanes.py) are the running server's, not data.
BACKUPS = Backups("commune", db, check_instance, exclude=frozenset({"city", "lanes"}))
create, restore = BACKUPS.create, BACKUPS.restore
