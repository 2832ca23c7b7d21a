"""Which appointment reminders went out, so each is sent exactly once."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.clock import utcnow
from app.database import UTCDateTime
from app.extensions import db


class ReminderDelivery(db.Model):
    """One reminder for one appointment; the unique pair makes a second send impossible, even from two runs."""

    __tablename__ = "reminder_delivery"
    __table_args__ = (sa.UniqueConstraint("appointment_id", "minutes_before", name="uq_reminder_delivery_once"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    appointment_id: Mapped[int] = mapped_column(sa.ForeignKey("appointment.id", ondelete="CASCADE"))
    minutes_before: Mapped[int] = mapped_column()
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
