"""Specialists and their specialties."""

import uuid

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.database import new_public_id
from app.extensions import db
from app.models.names import person_name

specialist_specialty = sa.Table(
    "specialist_specialty",
    db.metadata,
    sa.Column("specialist_id", sa.ForeignKey("specialist_profile.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("specialty_id", sa.ForeignKey("specialty.id", ondelete="CASCADE"), primary_key=True),
)


class Specialty(db.Model):
    """A medical specialty (endocrinology, psychology, ...), named in both interface languages."""

    __tablename__ = "specialty"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(64), unique=True)
    name_en: Mapped[str] = mapped_column(sa.String(120))
    name_ru: Mapped[str] = mapped_column(sa.String(120))
    # Psychology and any specialty the clinic marks: its appointments, chat and files stay with that specialist and
    # the patient unless the patient shares an appointment (app/permissions/sensitive.py).
    sensitive: Mapped[bool] = mapped_column(default=False, server_default=sa.false())

    specialists = db.relationship("SpecialistProfile", secondary=specialist_specialty, back_populates="specialties")
    services = db.relationship("Service", back_populates="specialty", order_by="Service.price")

    def name(self, locale: str) -> str:
        """The specialty's name in the given interface language."""
        return self.name_ru if locale == "ru" else self.name_en


class SpecialistProfile(db.Model):
    """The public and clinical profile of a doctor or other specialist."""

    __tablename__ = "specialist_profile"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, unique=True, default=new_public_id)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), unique=True)
    first_name: Mapped[str] = mapped_column(sa.String(100))
    middle_name: Mapped[str | None] = mapped_column(sa.String(100))
    last_name: Mapped[str] = mapped_column(sa.String(100))
    photo_key: Mapped[str | None] = mapped_column(sa.String(255))
    bio: Mapped[str] = mapped_column(sa.Text, default="")
    qualification: Mapped[str] = mapped_column(sa.String(255), default="")
    practising_since: Mapped[int | None] = mapped_column()
    # Psychologists, ultrasound doctors and the like see only their own patients' records.
    restricted: Mapped[bool] = mapped_column(default=False)
    listed: Mapped[bool] = mapped_column(default=True)
    # Secret part of the doctor's iCalendar feed URL; rotating it revokes every old subscription.
    calendar_token: Mapped[str | None] = mapped_column(sa.String(64), unique=True)

    user = db.relationship("User", back_populates="specialist_profile")
    specialties = db.relationship(
        "Specialty", secondary=specialist_specialty, back_populates="specialists", order_by="Specialty.slug"
    )

    @property
    def full_name(self) -> str:
        """Surname, first name and patronymic."""
        return person_name(self.last_name, self.first_name, self.middle_name)

    def years_of_practice(self, year: int) -> int | None:
        """Years in practice as of the given year."""
        return None if self.practising_since is None else max(0, year - self.practising_since)
