"""Reading stored files for pages."""

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from app.models import StoredFile


def patient_files(patient_id: int, limit: int = 100):
    """A patient's stored files, newest first, with their appointments (for permission checks)."""
    stmt = sa.select(StoredFile).where(StoredFile.patient_id == patient_id, StoredFile.deleted_at.is_(None))
    return stmt.options(joinedload(StoredFile.appointment)).order_by(StoredFile.created_at.desc()).limit(limit)
