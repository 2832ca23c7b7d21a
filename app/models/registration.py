"""Self-registrations waiting for their e-mail to be confirmed (app/auth/registration.py)."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.clock import utcnow
from app.database import UTCDateTime
from app.extensions import db


class PendingRegistration(db.Model):
    """What a registration form said, kept on the server until its link is opened: the link carries only a random
    token, so neither the person's details nor their password hash travel in a URL (mail logs, proxies, history).
    Only the token's SHA-256 is stored, so a copy of the table opens no link."""

    __tablename__ = "pending_registration"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_digest: Mapped[str] = mapped_column(sa.String(64), unique=True)
    email: Mapped[str] = mapped_column(sa.String(254), index=True)
    details: Mapped[dict] = mapped_column(sa.JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
