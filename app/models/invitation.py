"""Invitations of staff: the admin names the account, the invited person sets its password (app/auth/invitations.py)."""

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.clock import utcnow
from app.database import UTCDateTime, enum_column, new_public_id
from app.extensions import db
from app.models.user import Role

invitation_specialty = sa.Table(
    "invitation_specialty",
    db.metadata,
    sa.Column("invitation_id", sa.ForeignKey("invitation.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("specialty_id", sa.ForeignKey("specialty.id", ondelete="CASCADE"), primary_key=True),
)


class Invitation(db.Model):
    """An account waiting for its owner: what the admin decided (role, specialties, restriction, timezone) and a
    link that works once, until it expires or is revoked. Only the token's SHA-256 is stored, so a copy of the table
    opens no link; resending replaces the digest, so the old link dies."""

    __tablename__ = "invitation"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, unique=True, default=new_public_id)
    email: Mapped[str] = mapped_column(sa.String(254), index=True)
    last_name: Mapped[str] = mapped_column(sa.String(100), default="")
    first_name: Mapped[str] = mapped_column(sa.String(100), default="")
    middle_name: Mapped[str] = mapped_column(sa.String(100), default="")
    role: Mapped[Role] = mapped_column(enum_column(Role, "invitation_role"))
    restricted: Mapped[bool] = mapped_column(default=False)
    timezone: Mapped[str] = mapped_column(sa.String(64))
    token_digest: Mapped[str] = mapped_column(sa.String(64), unique=True)
    invited_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The account the invitation became.
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))

    specialties = db.relationship("Specialty", secondary=invitation_specialty, order_by="Specialty.slug")
    invited_by = db.relationship("User", foreign_keys=[invited_by_id])
    user = db.relationship("User", foreign_keys=[user_id])

    def state(self, now: datetime) -> str:
        """pending, accepted, revoked or expired, as the admin's list shows it."""
        if self.accepted_at is not None:
            return "accepted"
        if self.revoked_at is not None:
            return "revoked"
        return "expired" if self.expires_at <= now else "pending"
