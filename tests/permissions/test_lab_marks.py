"""Who may mark a chat attachment as a lab result: can_mark_lab_result against markable_files, for every user."""

import uuid

import pytest

from app.models import ChatMessage, ChatThread, FileKind, StoredFile
from app.permissions import can_mark_lab_result, markable_files
from tests.permissions.agreement import USERS, decisions
from tests.permissions.helpers import stored_file

MARKS = {
    # A doctor marks the chat files of their own appointments, whoever sent them; never a lab result upload (it is
    # one already), a document or a deleted file.
    "own_doctor": {"patients_chat_file", "doctors_chat_file", "sent_in_own_chat"},
    # Uploaded under the colleague's appointment, so the colleague may mark it too.
    "colleague": {"sent_in_own_chat"},
    # The psychologist of the matrix: the chat files of their own appointments, sensitive ones included.
    "restricted_doctor": {"restricted_chat_file", "sensitive_chat_file", "shared_sensitive_chat_file"},
}


@pytest.fixture
def files(clinic, db) -> dict[str, StoredFile]:
    """The matrix's files, a deleted chat file, and one uploaded under the colleague's appointment but sent in the
    own doctor's chat (a pair's thread spans appointments; upload and message may name different ones)."""
    users, patient = clinic.users, clinic.patients["own"]
    deleted = stored_file(FileKind.CHAT_ATTACHMENT, patient, users["patient"], clinic.appointments["own"], deleted=True)
    sent = stored_file(FileKind.CHAT_ATTACHMENT, patient, users["patient"], clinic.appointments["colleagues"])
    thread = ChatThread(patient=patient, doctor=users["own_doctor"])
    db.session.add(thread)
    db.session.add(
        ChatMessage(
            thread=thread,
            appointment=clinic.appointments["own"],
            author=users["patient"],
            client_id=uuid.uuid4(),
            file=sent,
        )
    )
    db.session.commit()
    return {**clinic.files, "deleted_chat_file": deleted, "sent_in_own_chat": sent}


@pytest.mark.parametrize("who", USERS)
def test_can_mark_lab_result_agrees_with_markable_files(clinic, files, who):
    """The button's predicate and the twin admit the same files; patients, staff and other doctors none."""
    by_predicate, by_twin = decisions(StoredFile, files, clinic.users[who], can_mark_lab_result, markable_files)
    assert by_predicate == by_twin == MARKS.get(who, set())
