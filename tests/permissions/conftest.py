"""A small clinic for the permission tests: every kind of user next to every kind of object."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest

from app.models import Appointment, FileKind, PatientProfile, Role, StoredFile, User
from tests import factories
from tests.permissions.helpers import stored_file


@dataclass
class Clinic:
    """The users, patients, appointments and files of the matrix, each by name."""

    users: dict[str, User]
    patients: dict[str, PatientProfile]
    appointments: dict[str, Appointment]
    files: dict[str, StoredFile]


@pytest.fixture
def clinic(db) -> Clinic:
    """Patient P (with an account), child C in the care of guardian G, child X whose guardianship by E has ended,
    stranger S; P's own doctor, a colleague and a restricted doctor who also see P, an unrelated doctor, reception,
    a methodologist and an admin. The restricted doctor is also P's psychologist (a sensitive specialty): one
    appointment P has not shared and one P has shared, each with a file P sent in its chat."""
    u = SimpleNamespace()
    u.patient = factories.user(Role.PATIENT)
    u.guardian = factories.user(Role.PATIENT)
    u.ex_guardian = factories.user(Role.PATIENT)
    u.own_doctor = factories.doctor()
    u.colleague = factories.doctor()
    u.restricted_doctor = factories.doctor(restricted=True)
    u.other_doctor = factories.doctor()
    u.reception = factories.user(Role.RECEPTION)
    u.methodologist = factories.user(Role.METHODOLOGIST)
    u.admin = factories.user(Role.ADMIN)
    p = SimpleNamespace(
        own=u.patient.patient_profile,
        child=factories.dependant(u.guardian),
        ex_child=factories.dependant(u.ex_guardian, active=False),
        stranger=factories.patient(),
    )
    psy = factories.service(of=factories.specialty(sensitive=True))
    # An hour apart: PostgreSQL refuses overlapping appointments of one doctor.
    tomorrow = datetime.now(UTC) + timedelta(days=1)
    a = SimpleNamespace(
        own=factories.appointment(p.own, u.own_doctor, tomorrow),
        colleagues=factories.appointment(p.own, u.colleague, tomorrow + timedelta(hours=1)),
        restricted=factories.appointment(p.own, u.restricted_doctor, tomorrow + timedelta(hours=2)),
        child=factories.appointment(p.child, u.own_doctor, tomorrow + timedelta(hours=3)),
        ex_child=factories.appointment(p.ex_child, u.own_doctor, tomorrow + timedelta(hours=4)),
        stranger=factories.appointment(p.stranger, u.other_doctor, tomorrow),
        sensitive=factories.appointment(p.own, u.restricted_doctor, tomorrow + timedelta(hours=5), of_service=psy),
        shared_sensitive=factories.appointment(
            p.own, u.restricted_doctor, tomorrow + timedelta(hours=6), of_service=psy
        ),
    )
    a.shared_sensitive.shared_at = tomorrow
    db.session.commit()
    f = SimpleNamespace(
        lab=stored_file(FileKind.LAB_RESULT, p.own, u.patient),
        patients_chat_file=stored_file(FileKind.CHAT_ATTACHMENT, p.own, u.patient, a.own),
        doctors_chat_file=stored_file(FileKind.CHAT_ATTACHMENT, p.own, u.own_doctor, a.own),
        colleagues_document=stored_file(FileKind.DOCUMENT, p.own, u.colleague, a.colleagues),
        restricted_chat_file=stored_file(FileKind.CHAT_ATTACHMENT, p.own, u.restricted_doctor, a.restricted),
        deleted_lab=stored_file(FileKind.LAB_RESULT, p.own, u.patient, deleted=True),
        child_lab=stored_file(FileKind.LAB_RESULT, p.child, u.guardian),
        ex_child_lab=stored_file(FileKind.LAB_RESULT, p.ex_child, u.ex_guardian),
        strangers_lab=stored_file(FileKind.LAB_RESULT, p.stranger, p.stranger.user),
        avatar=stored_file(FileKind.AVATAR, None, u.own_doctor),
        sensitive_chat_file=stored_file(FileKind.CHAT_ATTACHMENT, p.own, u.patient, a.sensitive),
        shared_sensitive_chat_file=stored_file(FileKind.CHAT_ATTACHMENT, p.own, u.patient, a.shared_sensitive),
    )
    return Clinic(vars(u), vars(p), vars(a), vars(f))
