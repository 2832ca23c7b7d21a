"""The audit trail of staff access to patient data."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.clock import utcnow
from app.database import UTCDateTime
from app.extensions import db


class AuditEvent(db.Model):
    """One recorded action of a user on an object concerning a patient."""

    __tablename__ = "audit_event"
    __table_args__ = (
        sa.Index("ix_audit_event_patient_at", "patient_id", "created_at"),
        sa.Index("ix_audit_event_actor_at", "actor_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(sa.String(64))
    object_type: Mapped[str] = mapped_column(sa.String(64))
    object_id: Mapped[str] = mapped_column(sa.String(64))
    patient_id: Mapped[int | None] = mapped_column(sa.ForeignKey("patient_profile.id", ondelete="SET NULL"))
    ip: Mapped[str | None] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    actor = db.relationship("User")
    patient = db.relationship("PatientProfile")
