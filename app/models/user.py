"""Accounts: every person who signs in, whatever their role."""

import uuid
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, validates

from app.clock import utcnow
from app.database import LabelledEnum, UTCDateTime, enum_column, label_enum, new_public_id
from app.extensions import db
from app.models.names import shown_name
from app.passwords import hash_password, needs_rehash, verify_password


class Role(LabelledEnum):
    """What a user does in the clinic; each role has its own cabinet."""

    PATIENT = "patient"
    DOCTOR = "doctor"
    METHODOLOGIST = "methodologist"
    RECEPTION = "reception"
    ADMIN = "admin"


label_enum(
    {
        Role.PATIENT: _l("Patient"),
        Role.DOCTOR: _l("Doctor / specialist"),
        Role.METHODOLOGIST: _l("Methodologist"),
        Role.RECEPTION: _l("Reception"),
        Role.ADMIN: _l("Administrator"),
    }
)


STAFF_ROLES = (Role.DOCTOR, Role.METHODOLOGIST, Role.RECEPTION, Role.ADMIN)


def normalise_email(email: str) -> str:
    """E-mail addresses compare case-insensitively, so they are stored folded."""
    return (email or "").strip().lower()


class User(UserMixin, db.Model):
    """A person who can sign in."""

    __tablename__ = "user"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, unique=True, default=new_public_id)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    phone: Mapped[str | None] = mapped_column(sa.String(32))
    # Staff without a specialist profile (reception, methodologists, admins) are named here.
    full_name: Mapped[str] = mapped_column(sa.String(200), default="")
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    role: Mapped[Role] = mapped_column(enum_column(Role, "user_role"), index=True)
    timezone: Mapped[str] = mapped_column(sa.String(64), default="Europe/Moscow")
    locale: Mapped[str | None] = mapped_column(sa.String(8))
    active: Mapped[bool] = mapped_column(default=True)
    # Every signed-in session carries the generation it began in; raising it ends every session begun before
    # (sign-out, a password change, "sign out of other devices", deactivation: app/revocation.py).
    session_generation: Mapped[int] = mapped_column(default=0, server_default="0")
    # Set when someone else chose the password (the admin's new-staff form): the cabinet asks for a new one first.
    must_change_password: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    patient_profile = db.relationship("PatientProfile", back_populates="user", uselist=False)
    specialist_profile = db.relationship("SpecialistProfile", back_populates="user", uselist=False)

    @validates("email")
    def _fold_email(self, _key, value):
        """Store e-mail addresses folded to lower case."""
        return normalise_email(value)

    def get_id(self) -> str:
        """Flask-Login identifies the session by the public id, never the sequential key."""
        return str(self.public_id)

    @property
    def is_active(self) -> bool:
        """Deactivated accounts cannot sign in or keep a session."""
        return self.active

    @property
    def is_staff(self) -> bool:
        """True for clinic employees."""
        return self.role in STAFF_ROLES

    @property
    def display_name(self) -> str:
        """The name shown in the header and lists."""
        specialist, patient = self.specialist_profile, self.patient_profile
        return shown_name(
            None if specialist is None else specialist.full_name,
            None if patient is None else patient.full_name,
            self.full_name,
            self.email,
        )

    def set_password(self, password: str) -> None:
        """Store an argon2id hash of the password."""
        self.password_hash = hash_password(password)

    def check_password(self, password: str) -> bool:
        """Verify a password, upgrading the hash when parameters changed."""
        if not verify_password(self.password_hash, password):
            return False
        if needs_rehash(self.password_hash):
            self.set_password(password)
        return True

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role}>"
