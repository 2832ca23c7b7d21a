"""Patients and the guardians who act for them."""

import enum
import uuid
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.clock import utcnow
from app.database import UTCDateTime, enum_column, new_public_id
from app.extensions import db
from app.models.names import person_name


class Sex(enum.StrEnum):
    """Sex as recorded in the medical record."""

    FEMALE = "female"
    MALE = "male"


class PatientProfile(db.Model):
    """A patient's record. A dependant child may have one without an account of their own."""

    __tablename__ = "patient_profile"
    __table_args__ = (
        sa.Index("ix_patient_profile_names", "last_name", "first_name"),
        # Searches match any part of search_text (LIKE '%...%'); on PostgreSQL a trigram index answers them without
        # reading every patient (migration 0007 creates pg_trgm). SQLite has no such index and scans.
        sa.Index(
            "ix_patient_profile_search_trgm",
            "search_text",
            postgresql_using="gin",
            postgresql_ops={"search_text": "gin_trgm_ops"},
        ).ddl_if(dialect="postgresql"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, unique=True, default=new_public_id)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"), unique=True)
    first_name: Mapped[str] = mapped_column(sa.String(100))
    middle_name: Mapped[str | None] = mapped_column(sa.String(100))
    last_name: Mapped[str] = mapped_column(sa.String(100))
    date_of_birth: Mapped[date] = mapped_column(index=True)
    sex: Mapped[Sex | None] = mapped_column(enum_column(Sex, "patient_sex"))
    phone: Mapped[str | None] = mapped_column(sa.String(32), index=True)
    email: Mapped[str | None] = mapped_column(sa.String(254))
    # Case-folded names, e-mail and phone digits: SQLite's lower() folds ASCII only, so search happens on this.
    search_text: Mapped[str] = mapped_column(sa.String(600), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user = db.relationship("User", back_populates="patient_profile")
    guardianships = db.relationship("Guardianship", back_populates="patient", foreign_keys="Guardianship.patient_id")

    @property
    def full_name(self) -> str:
        """Surname, first name and patronymic as written in Russian records."""
        return person_name(self.last_name, self.first_name, self.middle_name)

    def refresh_search_text(self) -> None:
        """Recompute the folded text that patient search matches against."""
        digits = "".join(ch for ch in (self.phone or "") if ch.isdigit())
        parts = (self.last_name, self.first_name, self.middle_name, self.email, digits)
        self.search_text = " ".join(p for p in parts if p).casefold()


@sa.event.listens_for(PatientProfile, "before_insert")
@sa.event.listens_for(PatientProfile, "before_update")
def _keep_search_text(_mapper, _connection, target: PatientProfile) -> None:
    """Keep the search column in step with the fields it is made of."""
    target.refresh_search_text()


class Guardianship(db.Model):
    """A guardian's right to act for a dependant patient, on a recorded legal basis."""

    __tablename__ = "guardianship"
    __table_args__ = (sa.UniqueConstraint("guardian_id", "patient_id", name="uq_guardianship_pair"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    guardian_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    patient_id: Mapped[int] = mapped_column(sa.ForeignKey("patient_profile.id", ondelete="CASCADE"), index=True)
    legal_basis: Mapped[str] = mapped_column(sa.String(255))
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    guardian = db.relationship("User", foreign_keys=[guardian_id])
    patient = db.relationship("PatientProfile", back_populates="guardianships", foreign_keys=[patient_id])
    recorded_by = db.relationship("User", foreign_keys=[recorded_by_id])
