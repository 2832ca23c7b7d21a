"""Files kept in object storage: lab results, chat attachments, documents, photos."""

import uuid
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column

from app.clock import utcnow
from app.database import LabelledEnum, UTCDateTime, enum_column, label_enum, new_public_id
from app.extensions import db


class FileKind(LabelledEnum):
    """Why a file was uploaded; limits and allowed types are set per kind."""

    CHAT_ATTACHMENT = "chat_attachment"
    LAB_RESULT = "lab_result"
    DOCUMENT = "document"
    AVATAR = "avatar"


label_enum(
    {
        FileKind.CHAT_ATTACHMENT: _l("Chat attachment"),
        FileKind.LAB_RESULT: _l("Lab result"),
        FileKind.DOCUMENT: _l("Document"),
        FileKind.AVATAR: _l("Photo"),
    }
)


class StoredFile(db.Model):
    """One object in storage and what the clinic knows about it; the bytes never live in the database."""

    __tablename__ = "stored_file"
    __table_args__ = (
        sa.Index("ix_stored_file_patient_created", "patient_id", "created_at"),
        sa.Index("ix_stored_file_kind_created", "kind", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, unique=True, default=new_public_id)
    # Random, never derived from user input: names can't collide, traverse paths or leak.
    object_key: Mapped[str] = mapped_column(sa.String(200), unique=True)
    original_name: Mapped[str] = mapped_column(sa.String(160))
    content_type: Mapped[str] = mapped_column(sa.String(100))
    size: Mapped[int] = mapped_column(sa.BigInteger)
    sha256: Mapped[str] = mapped_column(sa.String(64))
    kind: Mapped[FileKind] = mapped_column(enum_column(FileKind, "file_kind"))
    patient_id: Mapped[int | None] = mapped_column(sa.ForeignKey("patient_profile.id", ondelete="RESTRICT"))
    appointment_id: Mapped[int | None] = mapped_column(sa.ForeignKey("appointment.id", ondelete="SET NULL"))
    uploaded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A chat attachment counts as a lab result (and reaches the methodologists' queue) only once the patient marked
    # it when sending or the appointment's doctor marked it later; the kind stays what the file was sent as.
    lab_result_marked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lab_result_marked_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))

    patient = db.relationship("PatientProfile")
    appointment = db.relationship("Appointment")
    uploaded_by = db.relationship("User", foreign_keys=[uploaded_by_id])
    lab_result_marked_by = db.relationship("User", foreign_keys=[lab_result_marked_by_id])

    @property
    def is_image(self) -> bool:
        """Images open inline; PDFs download unless asked otherwise."""
        return self.content_type.startswith("image/")

    @property
    def marked_lab_result(self) -> bool:
        """A chat attachment marked as a lab result (for display; the queue's rule is permissions.lab_results)."""
        return self.lab_result_marked_at is not None
