"""The appointment a chat event names, its thread and the signed-in user's right to its chat, in one statement.

Every event asks again (no answer is kept between events, so a right withdrawn a moment ago is refused at once),
and the asking is the twin of can_join_chat, `joinable_chats`, evaluated by the database in the same statement
that loads the appointment and its thread: one round trip where the appointment query and the permission query
were two (three with the thread). The join also reads its unread count there.
"""

import uuid
from dataclasses import dataclass
from functools import cache

import sqlalchemy as sa
from sqlalchemy.orm import contains_eager, joinedload
from sqlalchemy.sql.elements import False_

from app.extensions import db
from app.models import Appointment, ChatMessage, ChatReadMark, ChatThread, Role, User
from app.permissions import joinable_chats


@dataclass(frozen=True)
class _AnyUser:
    """A user of one role whose id is the statement's :user_id: joinable_chats(user) becomes a statement built once
    per role and run with each event's user."""

    role: Role
    id: sa.BindParameter


def _unread():
    """The messages of the loaded thread others wrote after :user_id's read mark (what unread_by_thread counts)."""
    user_id = sa.bindparam("user_id")
    mark = sa.select(ChatReadMark.last_read_id).where(
        ChatReadMark.thread_id == ChatThread.id, ChatReadMark.user_id == user_id
    )
    return (
        sa.select(sa.func.count(ChatMessage.id))
        .where(
            ChatMessage.thread_id == ChatThread.id,
            ChatMessage.author_id != user_id,
            ChatMessage.id > sa.func.coalesce(mark.scalar_subquery(), 0),
        )
        .scalar_subquery()
    )


@cache
def _statement(role: Role, with_unread: bool) -> sa.Select | None:
    """The appointment :public_id with its patient and thread if a :user_id of this role may join its chat (None:
    nobody of this role may)."""
    allowed = joinable_chats(_AnyUser(role, sa.bindparam("user_id")))
    if isinstance(allowed, False_):
        return None
    columns = [Appointment, _unread().label("unread")] if with_unread else [Appointment]
    pair = (ChatThread.patient_id == Appointment.patient_id) & (ChatThread.doctor_id == Appointment.doctor_id)
    return (
        sa.select(*columns)
        .outerjoin(ChatThread, pair)
        .options(joinedload(Appointment.patient), contains_eager(Appointment.chat_thread))
        .where(Appointment.public_id == sa.bindparam("public_id"), allowed)
    )


def _row(user: User, public_id: str, with_unread: bool):
    """The statement's row for this user and appointment, or None."""
    statement = _statement(user.role, with_unread)
    if statement is None:
        return None
    params = {"public_id": uuid.UUID(public_id), "user_id": user.id}
    return db.session.execute(statement, params).first()


def chat_appointment(user: User, public_id: str) -> Appointment | None:
    """The appointment (a checked UUID string) with its patient and thread, if the user takes part in its chat;
    None for another person's appointment and for one that does not exist alike."""
    row = _row(user, public_id, with_unread=False)
    return None if row is None else row[0]


def joined_appointment(user: User, public_id: str) -> tuple[Appointment, int] | None:
    """As chat_appointment, with the number of the thread's messages the user has not read."""
    row = _row(user, public_id, with_unread=True)
    return None if row is None else (row[0], row[1] or 0)
