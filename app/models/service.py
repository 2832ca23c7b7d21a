"""Services the clinic sells, with durations and prices."""

import enum
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.database import enum_column
from app.extensions import db


class ServiceKind(enum.StrEnum):
    """What kind of encounter a service is."""

    CONSULTATION = "consultation"
    FOLLOW_UP = "follow_up"
    CHECKUP = "checkup"
    URGENT = "urgent"


class Service(db.Model):
    """A bookable service of one specialty."""

    __tablename__ = "service"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(64), unique=True)
    name_en: Mapped[str] = mapped_column(sa.String(160))
    name_ru: Mapped[str] = mapped_column(sa.String(160))
    specialty_id: Mapped[int] = mapped_column(sa.ForeignKey("specialty.id", ondelete="RESTRICT"), index=True)
    duration_minutes: Mapped[int] = mapped_column()
    price: Mapped[Decimal] = mapped_column(sa.Numeric(10, 2))
    kind: Mapped[ServiceKind] = mapped_column(enum_column(ServiceKind, "service_kind"))
    active: Mapped[bool] = mapped_column(default=True)

    specialty = db.relationship("Specialty", back_populates="services")

    def name(self, locale: str) -> str:
        """The service's name in the given interface language."""
        return self.name_ru if locale == "ru" else self.name_en
