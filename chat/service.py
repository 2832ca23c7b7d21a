"""Store-then-deliver: every chat message is committed before anyone hears of it; reading and unread counts."""

import uuid
from datetime import datetime
from functools import cache

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from limits import parse
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError

from app.clock import utcnow
from app.extensions import db
from app.files.marks import mark_on_sending
from app.models import (
    Appointment,
    ChatMessage,
    ChatReadMark,
    ChatThread,
    FileKind,
    Guardianship,
    MessageKind,
    PatientProfile,
    Role,
    StoredFile,
    User,
)
from app.refusals import CONFLICT, UNPROCESSABLE, Refusal
from app.scheduling.chat_window import window_for

# Each refusal's words and HTTP status by its code, the reason in the realtime contract: sockets send the code,
# the chat pages hand chat.js the words.
REFUSALS = {
    "chat_closed": (_l("The chat is closed; the message was not sent."), CONFLICT),
    "too_long": (_l("The message is too long."), UNPROCESSABLE),
    "rate_limited": (_l("You are sending messages too fast. Wait a moment and send again."), 429),
    "not_found": (_l("This chat is not available."), 404),
    "unauthorized": (_l("You have been signed out. Sign in again to continue."), 401),
    "bad_file": (_l("This file cannot be sent here."), UNPROCESSABLE),
    "empty": (_l("Write a message or attach a file."), UNPROCESSABLE),
    "bad_request": (_l("The message could not be sent."), UNPROCESSABLE),
    # Not a refusal of the request: the server failed, and the client sends again with the same client_id.
    "server_error": (_l("The message could not be saved. It will be sent again."), 500),
}


class ChatRefused(Refusal):
    """A send or request the server turns down, named by its code in REFUSALS."""

    def __init__(self, code: str) -> None:
        message, status = REFUSALS[code]
        super().__init__(code, message, status)


# --- Threads ---


# Statements on the path of every message are built once per process with their values as parameters: building a
# select and computing its cache key costs about as much CPU as running it.


@cache
def _thread_of_pair():
    """The thread of :patient_id and :doctor_id."""
    return sa.select(ChatThread).where(
        ChatThread.patient_id == sa.bindparam("patient_id"), ChatThread.doctor_id == sa.bindparam("doctor_id")
    )


def find_thread(patient_id: int, doctor_id: int) -> ChatThread | None:
    """The pair's thread if they have written or opened one."""
    return db.session.scalar(_thread_of_pair(), {"patient_id": patient_id, "doctor_id": doctor_id})


def thread_for(appointment: Appointment) -> ChatThread:
    """The appointment's patient–doctor thread (loaded with the appointment when it exists), created on first use."""
    if appointment.chat_thread is not None:
        return appointment.chat_thread
    pair = {"patient_id": appointment.patient_id, "doctor_id": appointment.doctor_id}
    # Both sides may open the chat at the same moment in two processes: one row is made, the other insert does
    # nothing, and both read the same thread.
    db.session.execute(_insert_ignoring(_dialect(), ChatThread.__table__, tuple(pair), tuple(pair)), pair)
    db.session.commit()
    return find_thread(appointment.patient_id, appointment.doctor_id)


@cache
def _participants():
    """The id and role of the users reading the thread of :patient_id and :doctor_id."""
    patient_id = sa.bindparam("patient_id")
    guardians = sa.select(Guardianship.guardian_id).where(
        Guardianship.patient_id == patient_id, Guardianship.active.is_(True)
    )
    patient_account = sa.select(PatientProfile.user_id).where(PatientProfile.id == patient_id)
    return sa.select(User.id, User.role).where(
        sa.or_(User.id == sa.bindparam("doctor_id"), User.id.in_(guardians), User.id.in_(patient_account))
    )


def participants(pair: ChatThread | Appointment) -> list[sa.Row]:
    """Everyone who reads the pair's thread (the doctor, the patient's own account and their active guardians), as
    rows with the `id` and `role` that the unread counts and personal rooms need; whole User objects cost every
    delivered message another ORM load (cProfile, December 2026)."""
    params = {"patient_id": pair.patient_id, "doctor_id": pair.doctor_id}
    return db.session.execute(_participants(), params).all()


def _rate_limiter():
    """The per-user send limit, counted where the login throttling counts (Redis in production)."""
    state = current_app.extensions.get("chat_rate")
    if state is None:
        storage = storage_from_string(current_app.config["RATELIMIT_STORAGE_URI"])
        state = (MovingWindowRateLimiter(storage), parse(current_app.config["CHAT_SEND_LIMIT"]))
        current_app.extensions["chat_rate"] = state
    return state


def _attachment(author: User, appointment: Appointment, file_id) -> StoredFile | None:
    """The stored file a message carries: uploaded by the author for this patient's chat and not sent before."""
    if file_id in (None, ""):
        return None
    try:
        wanted = uuid.UUID(str(file_id))
    except ValueError:
        raise ChatRefused("bad_file") from None
    stored = db.session.scalar(sa.select(StoredFile).filter_by(public_id=wanted))
    if (
        stored is None
        or stored.deleted_at is not None
        or stored.kind != FileKind.CHAT_ATTACHMENT
        or stored.uploaded_by_id != author.id
        or stored.patient_id != appointment.patient_id
        or db.session.scalar(sa.select(sa.exists().where(ChatMessage.file_id == stored.id)))
    ):
        raise ChatRefused("bad_file")
    return stored


@cache
def _by_client_id():
    """The message of :author_id with :client_id."""
    return sa.select(ChatMessage).where(
        ChatMessage.author_id == sa.bindparam("author_id"), ChatMessage.client_id == sa.bindparam("client_id")
    )


def _stored(author: User, client_id: uuid.UUID) -> ChatMessage | None:
    """The message this author already sent under this client id."""
    return db.session.scalar(_by_client_id(), {"author_id": author.id, "client_id": client_id})


def send_message(
    author: User, appointment: Appointment, client_id, text, file_id=None, now: datetime | None = None, lab_result=False
) -> tuple[ChatMessage, bool]:
    """Store one message and return it with True, or the stored one with False when this client id was seen."""
    try:
        client_uuid = uuid.UUID(str(client_id))
    except ValueError:
        raise ChatRefused("bad_request") from None
    if not isinstance(text, str) or not isinstance(lab_result, bool):
        raise ChatRefused("bad_request")
    text = text.strip()
    refusal, stored_file = _checked(author, appointment, window_for(appointment).is_open(now), text, file_id)
    if refusal is not None:
        # A re-send of a message stored before (its acknowledgement was lost) is answered, not refused, even
        # when the chat has closed or the sender has gone over the limit since.
        previous = _stored(author, client_uuid)
        if previous is not None:
            return previous, False
        raise ChatRefused(refusal)
    thread = thread_for(appointment)
    message = ChatMessage(
        public_id=uuid.uuid4(),
        thread_id=thread.id,
        appointment_id=appointment.id,
        author_id=author.id,
        client_id=client_uuid,
        kind=MessageKind.TEXT if stored_file is None else MessageKind.FILE,
        text=text,
        params=None,
        file_id=None if stored_file is None else stored_file.id,
        sent_at=now or utcnow(),
    )
    if lab_result and stored_file is not None:
        mark_on_sending(stored_file, author, message.sent_at)
    message.id = _insert(message)
    if message.id is None:
        # This client id was stored before (a re-send), perhaps at this very moment by another process: one row.
        db.session.rollback()
        existing = _stored(author, client_uuid)
        if existing is None:
            raise ChatRefused("server_error")  # the row vanished meanwhile; the client sends again
        return existing, False
    db.session.commit()
    # Never added to the session: the row was written by the statement above. The payload reads these objects.
    message.thread, message.appointment, message.author, message.file = thread, appointment, author, stored_file
    return message, True


# The columns of a new message, in the order _insert writes them.
_COLUMNS = ("public_id", "thread_id", "appointment_id", "author_id", "client_id", "kind", "text", "file_id", "sent_at")


def _insert(message: ChatMessage) -> int | None:
    """Write a new message in one round trip: its id, or None when the author already stored this client id."""
    values = {name: getattr(message, name) for name in _COLUMNS}
    statement = _insert_ignoring(_dialect(), ChatMessage.__table__, _COLUMNS, ("author_id", "client_id"), "id")
    return db.session.execute(statement, values).scalar()


def _dialect() -> str:
    """The name of the database engine the session talks to."""
    return db.session.get_bind().dialect.name


@cache
def _insert_ignoring(dialect: str, table: sa.Table, columns: tuple, unique: tuple, returning: str | None = None):
    """INSERT … ON CONFLICT (unique) DO NOTHING [RETURNING a column] in the engine's dialect (PostgreSQL, or SQLite
    3.35+).

    One statement where the ORM's unit of work needed a flush, and a row that is already there is no error (an
    error would abort a PostgreSQL transaction and cost a rollback and a second look).
    """
    module = {"postgresql": postgresql, "sqlite": sqlite}[dialect]
    statement = (
        module.insert(table)
        .values({name: sa.bindparam(name, type_=table.c[name].type) for name in columns})
        .on_conflict_do_nothing(index_elements=[table.c[name] for name in unique])
    )
    return statement if returning is None else statement.returning(table.c[returning])


def _checked(author: User, appointment: Appointment, window_open: bool, text: str, file_id):
    """Why a new message cannot be stored (or None) and its file; the rate limit counts only storable messages."""
    if not window_open:
        return "chat_closed", None
    if len(text) > current_app.config["CHAT_MAX_TEXT"]:
        return "too_long", None
    try:
        stored_file = _attachment(author, appointment, file_id)
    except ChatRefused as refused:
        return refused.code, None
    if not text and stored_file is None:
        return "empty", None
    limiter, limit = _rate_limiter()
    if not limiter.hit(limit, "chat-send", str(author.public_id)):
        return "rate_limited", None
    return None, stored_file


# --- Reading ---


def message_key(thread: ChatThread, public_id) -> int:
    """The ordering key of a message of this thread named by its public id; refused if it is not one."""
    try:
        wanted = uuid.UUID(str(public_id))
    except ValueError:
        raise ChatRefused("bad_request") from None
    key = db.session.scalar(sa.select(ChatMessage.id).filter_by(public_id=wanted, thread_id=thread.id))
    if key is None:
        raise ChatRefused("not_found")
    return key


def mark_read(reader: User, thread: ChatThread, up_to) -> int | None:
    """Record that the reader has seen the thread up to a message; returns the new mark, or None if not moved."""
    key = message_key(thread, up_to)
    mark = db.session.get(ChatReadMark, (thread.id, reader.id))
    if mark is None:
        mark = ChatReadMark(thread_id=thread.id, user_id=reader.id, last_read_id=0)
        db.session.add(mark)
    if key <= mark.last_read_id:
        db.session.rollback()
        return None
    # Marks only move forward: an old tab reporting an old message must not make read messages unread again.
    mark.last_read_id = key
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return mark_read(reader, thread, up_to)
    return key


def _patient_threads(user_id):
    """Threads of the patient whose account is `user_id`, or of patients they are the active guardian of."""
    dependants = sa.select(Guardianship.patient_id).where(
        Guardianship.guardian_id == user_id, Guardianship.active.is_(True)
    )
    own = sa.select(PatientProfile.id).where(PatientProfile.user_id == user_id)
    return ChatThread.patient_id.in_(own.union(dependants))


@cache
def _unread(role: Role):
    """Unread messages per thread for the reader :user_id of a role."""
    user_id = sa.bindparam("user_id")
    visible = ChatThread.doctor_id == user_id if role == Role.DOCTOR else _patient_threads(user_id)
    return (
        sa.select(ChatThread.public_id, sa.func.count(ChatMessage.id))
        .join(ChatMessage, ChatMessage.thread_id == ChatThread.id)
        .outerjoin(ChatReadMark, (ChatReadMark.thread_id == ChatThread.id) & (ChatReadMark.user_id == user_id))
        .where(
            visible,
            ChatMessage.author_id != user_id,
            ChatMessage.id > sa.func.coalesce(ChatReadMark.last_read_id, 0),
        )
        .group_by(ChatThread.public_id)
    )


@cache
def _unread_of_readers():
    """Unread messages per reader and thread, for everyone who reads the thread of :patient_id and :doctor_id but
    :author_id: the doctor's threads, and the threads of every patient each patient-side reader reads (their own
    and their dependants'), as `_unread` counts them for one reader."""
    patient_id, author_id = sa.bindparam("patient_id"), sa.bindparam("author_id")
    own_account = sa.select(PatientProfile.user_id).where(PatientProfile.id == patient_id)
    guardians = sa.select(Guardianship.guardian_id).where(
        Guardianship.patient_id == patient_id, Guardianship.active.is_(True)
    )
    readers = own_account.union(guardians)
    # (reader, a patient whose threads the reader reads), only for this thread's patient-side readers.
    reads = sa.union(
        sa.select(PatientProfile.user_id.label("reader_id"), PatientProfile.id.label("patient_id")).where(
            PatientProfile.user_id.in_(readers)
        ),
        sa.select(Guardianship.guardian_id, Guardianship.patient_id).where(
            Guardianship.guardian_id.in_(readers), Guardianship.active.is_(True)
        ),
    ).subquery("reads")

    def counts(reader_id, threads):
        """Per thread of `threads` (chat_thread, joined to what names the reader): the messages of others after the
        reader's mark."""
        return (
            sa.select(reader_id.label("reader_id"), ChatThread.public_id, sa.func.count(ChatMessage.id).label("n"))
            .select_from(threads)
            .join(ChatMessage, ChatMessage.thread_id == ChatThread.id)
            .outerjoin(ChatReadMark, (ChatReadMark.thread_id == ChatThread.id) & (ChatReadMark.user_id == reader_id))
            .where(
                reader_id != author_id,
                ChatMessage.author_id != reader_id,
                ChatMessage.id > sa.func.coalesce(ChatReadMark.last_read_id, 0),
            )
            .group_by(reader_id, ChatThread.public_id)
        )

    thread = ChatThread.__table__
    patient_side = counts(reads.c.reader_id, thread.join(reads, ChatThread.patient_id == reads.c.patient_id))
    doctor = counts(ChatThread.doctor_id, thread).where(ChatThread.doctor_id == sa.bindparam("doctor_id"))
    return sa.union_all(patient_side, doctor)


def unread_of_readers(pair: ChatThread | Appointment, author: User) -> dict[int, dict]:
    """What the `unread` event carries for each reader of the pair's thread but the author, by user id, in one
    statement (a query for the readers and one per reader cost a delivered message as much as storing it).

    Run after a message by `author` was stored: each other reader then has it unread, so each has a row. Someone
    with nothing unread at all (after a re-send they had read already) is left out; their counts did not change.
    """
    params = {"patient_id": pair.patient_id, "doctor_id": pair.doctor_id, "author_id": author.id}
    summaries: dict[int, dict] = {}
    for reader_id, public_id, count in db.session.execute(_unread_of_readers(), params):
        summary = summaries.setdefault(reader_id, {"total": 0, "threads": {}})
        summary["threads"][str(public_id)] = count
        summary["total"] += count
    return summaries


def unread_by_thread(user: User | sa.Row) -> dict[str, int]:
    """Unread messages per thread (public id) for this reader; threads with none are left out."""
    if user.role not in (Role.DOCTOR, Role.PATIENT):
        return {}
    rows = db.session.execute(_unread(user.role), {"user_id": user.id}).all()
    return {str(public_id): count for public_id, count in rows}


def unread_summary(user: User | sa.Row) -> dict:
    """What the `unread` event carries: the total and the count per thread."""
    threads = unread_by_thread(user)
    return {"total": sum(threads.values()), "threads": threads}
