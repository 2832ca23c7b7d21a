"""The calls the appointment pages list."""

import sqlalchemy as sa

from app.extensions import db
from app.models import Appointment, Call


def calls_of(appointment: Appointment) -> list[Call]:
    """The appointment's calls, newest first (ix_video_call_appointment_created reads them in order)."""
    return list(
        db.session.scalars(
            sa.select(Call)
            .where(Call.appointment_id == appointment.id)
            .order_by(Call.created_at.desc(), Call.id.desc())
        )
    )
