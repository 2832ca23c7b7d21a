"""Patients' records: acts_for, represented_patients, treats and can_view_patient against visible_patients."""

import pytest

from app.models import PatientProfile
from app.permissions import (
    acts_for,
    can_view_patient,
    default_upload_patient,
    represented_patients,
    treats,
    visible_patients,
)
from tests.permissions.agreement import USERS, decisions

EVERY_PATIENT = {"own", "child", "ex_child", "stranger"}
SEES = {
    "patient": {"own"},
    "guardian": {"child"},
    "ex_guardian": set(),
    "own_doctor": {"own", "child", "ex_child"},
    "colleague": {"own"},
    "restricted_doctor": {"own"},
    "other_doctor": {"stranger"},
    "reception": EVERY_PATIENT,
    "methodologist": EVERY_PATIENT,
    "admin": set(),
}


@pytest.mark.parametrize("who", USERS)
def test_can_view_patient_agrees_with_visible_patients(clinic, who):
    """For each kind of user, the record page's predicate and the twin admit the same patients, the expected ones."""
    user = clinic.users[who]
    by_predicate, by_twin = decisions(PatientProfile, clinic.patients, user, can_view_patient, visible_patients)
    assert by_predicate == by_twin == SEES[who]


def test_acts_for_and_represented_patients_agree(clinic):
    """A patient acts for themselves and active dependants only; the list of represented patients says the same."""
    for who in ("patient", "guardian", "ex_guardian", "own_doctor", "reception"):
        user = clinic.users[who]
        acted_for = {name for name, record in clinic.patients.items() if acts_for(user, record)}
        listed = {name for name, record in clinic.patients.items() if record in represented_patients(user)}
        assert acted_for == listed == (SEES[who] if who in ("patient", "guardian", "ex_guardian") else set()), who


def test_treats_means_an_appointment_together(clinic):
    """A doctor treats the patients they have an appointment with, restricted or not."""
    treated = {
        who: {name for name, record in clinic.patients.items() if treats(clinic.users[who], record)}
        for who in ("own_doctor", "restricted_doctor", "other_doctor")
    }
    assert treated == {
        "own_doctor": {"own", "child", "ex_child"},
        "restricted_doctor": {"own"},
        "other_doctor": {"stranger"},
    }


def test_an_upload_without_a_named_patient_goes_to_the_patients_own_record(clinic):
    """Patients upload to their own record by default; staff must name the patient."""
    defaults = {
        who: default_upload_patient(clinic.users[who]) for who in ("patient", "guardian", "own_doctor", "methodologist")
    }
    assert defaults == {
        "patient": clinic.patients["own"],
        "guardian": clinic.users["guardian"].patient_profile,
        "own_doctor": None,
        "methodologist": None,
    }
