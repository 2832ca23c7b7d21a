"""The wire format of docs/realtime.md: a message as clients receive it, built from ORM rows (pages, system lines,
a re-sent message) or from the plain rows of the history statement (socket events, chat/history.py)."""

from collections.abc import Mapping
from datetime import datetime

from app.clock import iso
from app.models import ChatMessage, ChatThread, MessageKind, PatientProfile, Role, StoredFile, User
from app.models.names import person_name, shown_name


def author_payload(author: User, thread: ChatThread) -> dict:
    """Who wrote a message; a guardian is named as acting for the patient."""
    return _author(author.id, author.public_id, author.role, author.display_name, thread.patient)


def _author(key: int, public_id, role: Role, name: str, patient: PatientProfile) -> dict:
    """The author object: a patient-role author other than the thread's patient is their guardian."""
    payload = {"id": str(public_id), "name": name, "role": role.value}
    if role == Role.PATIENT and key != patient.user_id:
        payload["role"] = "guardian"
        payload["on_behalf_of"] = patient.full_name
    return payload


def _message(fields: dict, kind: MessageKind, text: str, params: dict | None, sent_at: datetime) -> dict:
    """The message object around its ids, author and file (`fields`), with a system line's code and parameters."""
    payload = {**fields, "kind": kind.value, "text": text, "sent_at": iso(sent_at)}
    if kind == MessageKind.SYSTEM:
        # Readers render the code in their own language; `text` stays empty so no client shows the code itself.
        payload["text"] = ""
        payload["system"] = {"code": text, "params": params or {}}
    return payload


def file_payload(stored: StoredFile) -> dict:
    """A sent file as the message carries it, with its lab-result mark as it is now."""
    return _file(stored.public_id, stored.original_name, stored.content_type, stored.size, stored.marked_lab_result)


def _file(public_id, name: str, content_type: str, size: int, lab_result: bool) -> dict:
    """The file object of a message."""
    return {"id": str(public_id), "name": name, "content_type": content_type, "size": size, "lab_result": lab_result}


def message_payload(message: ChatMessage, thread: ChatThread) -> dict:
    """One message as clients receive it."""
    fields = {
        "id": str(message.public_id),
        "thread": str(thread.public_id),
        "appointment": str(message.appointment.public_id),
        "client_id": str(message.client_id),
        "author": author_payload(message.author, thread),
    }
    payload = _message(fields, message.kind, message.text, message.params, message.sent_at)
    if message.file is not None:
        payload["file"] = file_payload(message.file)
    return payload


def payloads(messages: list[ChatMessage], thread: ChatThread) -> list[dict]:
    """Several messages as clients receive them (ORM rows loaded with author, file and appointment, as
    chat/history.latest loads them)."""
    return [message_payload(message, thread) for message in messages]


def row_payload(row: Mapping, thread_public_id: str, patient: PatientProfile) -> dict:
    """One message of the history statement (chat/history.py) as clients receive it: the same object as
    message_payload gives for that message, without building ORM objects for it."""
    as_specialist, as_patient = None, None  # the names of the author's profiles, where the author has them
    if row["specialist"] is not None:
        as_specialist = person_name(row["specialist_last"], row["specialist_first"], row["specialist_middle"])
    if row["profile"] is not None:
        as_patient = person_name(row["profile_last"], row["profile_first"], row["profile_middle"])
    name = shown_name(as_specialist, as_patient, row["full_name"], row["email"])
    fields = {
        "id": str(row["public_id"]),
        "thread": thread_public_id,
        "appointment": str(row["appointment"]),
        "client_id": str(row["client_id"]),
        "author": _author(row["author_key"], row["author_id"], row["role"], name, patient),
    }
    payload = _message(fields, row["kind"], row["text"], row["params"], row["sent_at"])
    if row["file_id"] is not None:
        marked = row["lab_result_marked_at"] is not None
        payload["file"] = _file(row["file_id"], row["file_name"], row["content_type"], row["size"], marked)
    return payload
