"""Appointments: can_view_appointment against visible_appointments, and who may change a status."""

import pytest

from app.models import Appointment
from app.permissions import can_change_status, can_view_appointment, visible_appointments
from tests.permissions.agreement import USERS, decisions

PSYCHOLOGY = {"sensitive", "shared_sensitive"}
EVERY_APPOINTMENT = {"own", "colleagues", "restricted", "child", "ex_child", "stranger"} | PSYCHOLOGY
SEES = {
    "patient": {"own", "colleagues", "restricted"} | PSYCHOLOGY,
    "guardian": {"child"},
    "ex_guardian": set(),
    # Non-restricted doctors see colleagues' appointments of the patients they treat, a sensitive specialty's only
    # once the patient has shared it.
    "own_doctor": {"own", "colleagues", "restricted", "child", "ex_child", "shared_sensitive"},
    "colleague": {"own", "colleagues", "restricted", "shared_sensitive"},
    # Restricted specialists see nothing of other specialists' work; their own sensitive appointments are theirs.
    "restricted_doctor": {"restricted"} | PSYCHOLOGY,
    "other_doctor": {"stranger"},
    "reception": EVERY_APPOINTMENT,
    "methodologist": set(),
    "admin": set(),
}


@pytest.mark.parametrize("who", USERS)
def test_can_view_appointment_agrees_with_visible_appointments(clinic, who):
    """For each kind of user, the appointment page's predicate and the twin admit the same appointments."""
    user = clinic.users[who]
    by_predicate, by_twin = decisions(
        Appointment, clinic.appointments, user, can_view_appointment, visible_appointments
    )
    assert by_predicate == by_twin == SEES[who]


def test_only_the_appointments_doctor_and_reception_change_its_status(clinic):
    """Colleagues may read a shared patient's appointment but never run it; patients never change a status."""
    appointment = clinic.appointments["own"]
    allowed = {who for who in USERS if can_change_status(clinic.users[who], appointment)}
    assert allowed == {"own_doctor", "reception"}
