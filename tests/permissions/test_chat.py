"""Chats: can_join_chat against joinable_chats, and who may extend a chat."""

import pytest

from app.models import Appointment
from app.permissions import can_extend_chat, can_join_chat, has_chats, joinable_chats
from tests.permissions.agreement import USERS, decisions

TAKES_PART = {
    "patient": {"own", "colleagues", "restricted", "sensitive", "shared_sensitive"},
    "guardian": {"child"},
    "own_doctor": {"own", "child", "ex_child"},
    "colleague": {"colleagues"},
    # Sharing opens a sensitive appointment to the patient's other doctors, never its chat.
    "restricted_doctor": {"restricted", "sensitive", "shared_sensitive"},
    "other_doctor": {"stranger"},
}


@pytest.mark.parametrize("who", USERS)
def test_can_join_chat_agrees_with_joinable_chats(clinic, who):
    """Only the patient (or an active guardian) and the appointment's own doctor take part in its chat."""
    user = clinic.users[who]
    by_predicate, by_twin = decisions(Appointment, clinic.appointments, user, can_join_chat, joinable_chats)
    assert by_predicate == by_twin == TAKES_PART.get(who, set())


def test_only_the_appointments_doctor_extends_its_chat(clinic):
    """Patients and colleagues take no part in keeping a chat open."""
    appointment = clinic.appointments["own"]
    assert {who for who in USERS if can_extend_chat(clinic.users[who], appointment)} == {"own_doctor"}


def test_patients_guardians_and_doctors_have_chats(clinic):
    """The chat badge and list belong to patient accounts and doctors; other staff have no chats."""
    having = {who for who in USERS if has_chats(clinic.users[who])}
    assert having == set(USERS) - {"reception", "methodologist", "admin"}
