"""A thread's history in pages: ORM rows for the chat page, wire payloads for socket events."""

from functools import cache

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from app.extensions import db
from app.models import (
    Appointment,
    ChatMessage,
    ChatThread,
    PatientProfile,
    SpecialistProfile,
    StoredFile,
    User,
)
from chat.service import message_key
from chat.wire import row_payload

PAGE_SIZE = 50
MAX_PAGE = 200


def latest(thread: ChatThread, limit: int = PAGE_SIZE) -> list[ChatMessage]:
    """The newest messages as ORM rows with author and file loaded, oldest first (the chat page renders them)."""
    rows = db.session.scalars(
        sa.select(ChatMessage)
        .options(
            joinedload(ChatMessage.author).joinedload(User.patient_profile),
            joinedload(ChatMessage.author).joinedload(User.specialist_profile),
            joinedload(ChatMessage.file),
            joinedload(ChatMessage.appointment),
        )
        .where(ChatMessage.thread_id == thread.id)
        .order_by(ChatMessage.id.desc())
        .limit(limit)
    ).all()
    return list(reversed(rows))


def pair_appointments(thread: ChatThread) -> list[Appointment]:
    """All appointments of the thread's pair, oldest first: the markers in the shared history."""
    return db.session.scalars(
        sa.select(Appointment)
        .options(joinedload(Appointment.service))
        .where(Appointment.patient_id == thread.patient_id, Appointment.doctor_id == thread.doctor_id)
        .order_by(Appointment.starts_at)
    ).all()


# Socket events read history as plain rows of one Core statement and build the payloads from them: loading the
# same 50-message page as ORM objects (five entities a row) was the largest part of a join, 2.7 times the time of
# these rows (cProfile over 200 joins on PostgreSQL, December 2026). The chat page keeps the ORM rows of `latest`;
# tests/chat/test_send_path.py checks that both give the same payloads.


@cache
def _page(newest_first: bool, bounded: bool):
    """One page of thread :thread_id with everything a payload shows: ids above :after (and below :before when
    bounded), the newest or the oldest :limit of them."""
    message, author = ChatMessage.__table__, User.__table__
    specialist, profile = SpecialistProfile.__table__, PatientProfile.__table__
    stored, appointment = StoredFile.__table__, Appointment.__table__
    return (
        sa.select(
            message.c.id,
            message.c.public_id,
            message.c.client_id,
            message.c.kind,
            message.c.text,
            message.c.params,
            message.c.sent_at,
            appointment.c.public_id.label("appointment"),
            author.c.id.label("author_key"),
            author.c.public_id.label("author_id"),
            author.c.role,
            author.c.full_name,
            author.c.email,
            specialist.c.id.label("specialist"),
            specialist.c.last_name.label("specialist_last"),
            specialist.c.first_name.label("specialist_first"),
            specialist.c.middle_name.label("specialist_middle"),
            profile.c.id.label("profile"),
            profile.c.last_name.label("profile_last"),
            profile.c.first_name.label("profile_first"),
            profile.c.middle_name.label("profile_middle"),
            stored.c.public_id.label("file_id"),
            stored.c.original_name.label("file_name"),
            stored.c.content_type,
            stored.c.size,
            stored.c.lab_result_marked_at,
        )
        .select_from(
            message.join(appointment, appointment.c.id == message.c.appointment_id)
            .join(author, author.c.id == message.c.author_id)
            .outerjoin(specialist, specialist.c.user_id == author.c.id)
            .outerjoin(profile, profile.c.user_id == author.c.id)
            .outerjoin(stored, stored.c.id == message.c.file_id)
        )
        .where(
            message.c.thread_id == sa.bindparam("thread_id"),
            message.c.id > sa.bindparam("after"),
            message.c.id < sa.bindparam("before") if bounded else sa.true(),
        )
        .order_by(message.c.id.desc() if newest_first else message.c.id)
        .limit(sa.bindparam("limit"))
    )


def _payloads(thread: ChatThread, patient: PatientProfile, *, after=0, before=None, newest_first=False, limit):
    """A page of the thread as clients receive it, oldest first."""
    params = {"thread_id": thread.id, "after": after, "before": before, "limit": limit}
    rows = db.session.execute(_page(newest_first, before is not None), params).mappings().all()
    if newest_first:
        rows = rows[::-1]
    thread_id = str(thread.public_id)
    return [row_payload(row, thread_id, patient) for row in rows]


def latest_payloads(thread: ChatThread, patient: PatientProfile, limit: int = PAGE_SIZE) -> list[dict]:
    """The newest messages as clients receive them, oldest first (`patient` is the thread's)."""
    return _payloads(thread, patient, newest_first=True, limit=limit)


def older_payloads(thread: ChatThread, patient: PatientProfile, before, limit=PAGE_SIZE) -> list[dict]:
    """The page of messages just before `before` (a message id), oldest first."""
    key = message_key(thread, before)
    return _payloads(thread, patient, before=key, newest_first=True, limit=_clamp(limit))


def newer_payloads(thread: ChatThread, patient: PatientProfile, after, limit: int = MAX_PAGE) -> list[dict]:
    """Everything after `after` (a message id; empty: from the start), in order: what a reconnecting client missed."""
    key = 0 if after in (None, "") else message_key(thread, after)
    return _payloads(thread, patient, after=key, limit=limit)


def _clamp(limit) -> int:
    """A page size within 1..MAX_PAGE, defaulting when it is not a number."""
    if isinstance(limit, bool) or not isinstance(limit, int):
        return PAGE_SIZE
    return max(1, min(limit, MAX_PAGE))
