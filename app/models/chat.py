"""Chat: one thread per patient–doctor pair, messages written under an appointment, read marks per reader."""

import enum
import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.clock import utcnow
from app.database import UTCDateTime, enum_column, new_public_id
from app.extensions import db


class MessageKind(enum.StrEnum):
    """What a chat message is: typed text, a sent file (with or without text), or a line the clinic writes."""

    TEXT = "text"
    FILE = "file"
    # Written by the system (a call, a signed document): `text` holds a stable code, `params` its values, and each
    # reader sees it in their own language (chat/system_lines.py).
    SYSTEM = "system"


class ChatThread(db.Model):
    """The single conversation between a patient and a doctor; each of their appointments writes into it."""

    __tablename__ = "chat_thread"
    __table_args__ = (sa.UniqueConstraint("patient_id", "doctor_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, unique=True, default=new_public_id)
    patient_id: Mapped[int] = mapped_column(sa.ForeignKey("patient_profile.id", ondelete="RESTRICT"))
    doctor_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="RESTRICT"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    patient = db.relationship("PatientProfile")
    doctor = db.relationship("User")


class ChatMessage(db.Model):
    """One message; committed before anyone is told of it, so what was acknowledged is never lost."""

    __tablename__ = "chat_message"
    __table_args__ = (
        # A re-sent message (same author, same client id) finds the stored one instead of making a second.
        sa.UniqueConstraint("author_id", "client_id"),
        sa.Index("ix_chat_message_thread_id", "thread_id", "id"),
    )

    # The integer id orders a thread: it grows with every commit, unlike clocks on several servers.
    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, unique=True, default=new_public_id)
    thread_id: Mapped[int] = mapped_column(sa.ForeignKey("chat_thread.id", ondelete="CASCADE"))
    appointment_id: Mapped[int] = mapped_column(sa.ForeignKey("appointment.id", ondelete="RESTRICT"), index=True)
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="RESTRICT"))
    client_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    kind: Mapped[MessageKind] = mapped_column(
        enum_column(MessageKind, "chat_message_kind"), server_default=MessageKind.TEXT.value
    )
    text: Mapped[str] = mapped_column(sa.Text, default="")
    params: Mapped[dict | None] = mapped_column(sa.JSON)
    file_id: Mapped[int | None] = mapped_column(sa.ForeignKey("stored_file.id", ondelete="SET NULL"), unique=True)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    thread = db.relationship("ChatThread")
    appointment = db.relationship("Appointment")
    author = db.relationship("User")
    file = db.relationship("StoredFile")


class ChatReadMark(db.Model):
    """How far one reader has read a thread: everything up to this message id."""

    __tablename__ = "chat_read_mark"

    thread_id: Mapped[int] = mapped_column(sa.ForeignKey("chat_thread.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), primary_key=True)
    last_read_id: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
