"""Sensitive specialties from the admin's and the patient's side: marking a specialty, sharing an appointment with
one's other doctors and withdrawing it (both audited), and the migration that marks psychology."""

import importlib.util
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from app.clock import utcnow
from app.models import AuditEvent, Guardianship, Intake, Role, Specialty
from app.scheduling.booking import reschedule
from app.scheduling.slots import free_slots
from tests import factories

REASON = "Panic attacks before exams"


@pytest.fixture
def care(db):
    """A patient seen by a psychologist (a sensitive specialty, reason given) and by another doctor."""
    psychology = factories.specialty(sensitive=True)
    psychologist = factories.doctor(restricted=True, specialties=[psychology])
    other = factories.doctor()
    patient = factories.patient()
    session = factories.appointment(patient, psychologist, of_service=factories.service(of=psychology))
    ordinary = factories.appointment(patient, other)
    db.session.add(Intake(appointment=session, reason=REASON))
    db.session.commit()
    return psychology, psychologist, other, patient, session, ordinary


def signed_in(app, user):
    """A separate browser signed in as the user."""
    client = app.test_client()
    assert client.sign_in(user.email).status_code == 302
    return client


def test_the_admin_makes_a_specialty_sensitive_and_ordinary_again(app, db):
    """The admin's switch is a CSRF-protected, audited POST; it closes the specialty's appointments to the patient's
    other doctors at once, and reopens them."""
    cardiology = factories.specialty()
    cardiologist = factories.doctor(specialties=[cardiology])
    other = factories.doctor()
    patient = factories.patient()
    visit = factories.appointment(patient, cardiologist, of_service=factories.service(of=cardiology))
    factories.appointment(patient, other, visit.starts_at)
    doctor = signed_in(app, other)
    admin = signed_in(app, factories.user(Role.ADMIN))
    page = f"/doctor/appointments/{visit.public_id}"
    assert doctor.get(page).status_code == 200
    listing = admin.get("/admin/specialties").get_data(as_text=True)
    assert cardiology.name_en in listing and "Make sensitive" in listing
    # Without the CSRF token nothing changes.
    assert admin.post(f"/admin/specialties/{cardiology.slug}/sensitive", data={"sensitive": "y"}).status_code == 400
    assert doctor.get(page).status_code == 200

    marked = admin.submit(f"/admin/specialties/{cardiology.slug}/sensitive", {"sensitive": "y"})

    assert marked.status_code == 303
    assert db.session.scalar(sa.select(Specialty.sensitive).filter_by(id=cardiology.id)) is True
    assert doctor.get(page).status_code == 404
    assert "Make ordinary" in admin.get("/admin/specialties").get_data(as_text=True)
    admin.submit(f"/admin/specialties/{cardiology.slug}/sensitive")
    assert doctor.get(page).status_code == 200
    actions = db.session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert [a for a in actions if a.startswith("mark_specialty")] == [
        "mark_specialty_sensitive",
        "mark_specialty_ordinary",
    ]
    assert admin.submit("/admin/specialties/no-such-specialty/sensitive").status_code == 404


def test_sharing_and_withdrawing_are_audited_with_the_patient_as_actor(app, db, care):
    """The patient shares from the appointment page after ticking the confirmation, then withdraws; each is one
    audit event naming the patient; a second click records nothing more."""
    _psychology, _psychologist, other, patient, session, _ordinary = care
    own = signed_in(app, patient.user)
    doctor = signed_in(app, other)
    url = f"/patient/appointments/{session.public_id}"
    page = own.get(url).get_data(as_text=True)
    assert "Seen only by this specialist and you" in page and "Share with my other doctors" in page

    unconfirmed = own.submit(f"{url}/share")
    assert unconfirmed.status_code == 303 and doctor.get(f"/doctor/appointments/{session.public_id}").status_code == 404
    own.submit(f"{url}/share", {"confirm": "y"})
    own.submit(f"{url}/share", {"confirm": "y"})
    shared_page = own.get(url).get_data(as_text=True)
    assert "Shared with your other doctors" in shared_page and "Stop sharing" in shared_page
    assert REASON in doctor.get(f"/doctor/appointments/{session.public_id}").get_data(as_text=True)
    own.submit(f"{url}/stop-sharing")

    assert doctor.get(f"/doctor/appointments/{session.public_id}").status_code == 404
    events = db.session.execute(
        sa.select(AuditEvent.action, AuditEvent.actor_id, AuditEvent.patient_id, AuditEvent.object_id)
        .where(AuditEvent.action.like("%shar%"))
        .order_by(AuditEvent.id)
    ).all()
    expected = [(action, patient.user.id, patient.id, str(session.public_id)) for action in ("share", "stop_sharing")]
    assert [tuple(e) for e in events] == [(f"{a}_appointment", *rest) for a, *rest in expected]


def test_a_guardian_shares_but_nobody_else_can(app, db, care):
    """An active guardian decides for the patient; another patient gets 404; an ordinary appointment has nothing
    to share and its page offers nothing."""
    _psychology, _psychologist, other, patient, session, ordinary = care
    guardian = factories.user(Role.PATIENT)
    db.session.add(Guardianship(guardian=guardian, patient=patient, legal_basis="Court order"))
    db.session.commit()
    stranger = signed_in(app, factories.user(Role.PATIENT))
    assert stranger.submit(f"/patient/appointments/{session.public_id}/share", {"confirm": "y"}).status_code == 404

    own = signed_in(app, patient.user)
    assert "Share with my other doctors" not in own.get(f"/patient/appointments/{ordinary.public_id}").get_data(
        as_text=True
    )
    own.submit(f"/patient/appointments/{ordinary.public_id}/share", {"confirm": "y"})
    db.session.refresh(ordinary)
    assert ordinary.shared_at is None

    signed_in(app, guardian).submit(f"/patient/appointments/{session.public_id}/share", {"confirm": "y"})
    db.session.refresh(session)
    assert session.shared_at is not None
    actor = db.session.scalar(sa.select(AuditEvent.actor_id).where(AuditEvent.action == "share_appointment"))
    assert actor == guardian.id
    assert signed_in(app, other).get(f"/doctor/appointments/{session.public_id}").status_code == 200


def test_a_shared_appointment_stays_shared_when_moved(app, db, care):
    """Rescheduling books a new appointment; the patient's decision to share goes with it."""
    _psychology, psychologist, other, patient, session, _ordinary = care
    factories.working_week(psychologist)
    signed_in(app, patient.user).submit(f"/patient/appointments/{session.public_id}/share", {"confirm": "y"})
    db.session.refresh(session)
    later = free_slots(psychologist, session.service, utcnow(), limit=3)[-1]

    moved = reschedule(session, later.starts_at, patient.user)

    assert moved.id != session.id and moved.shared_at == session.shared_at
    assert signed_in(app, other).get(f"/doctor/appointments/{moved.public_id}").status_code == 200


def _down_revision() -> str:
    """The revision before the one that added sensitive specialties (read from the file: numbers change at merges)."""
    path = next(Path(__file__).parents[2].glob("migrations/versions/*_sensitive_specialties.py"))
    spec = importlib.util.spec_from_file_location("sensitive_migration", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.down_revision


@pytest.mark.both_engines
def test_the_migration_marks_an_existing_psychology_sensitive(db):
    """A clinic upgrading with a psychology specialty finds it sensitive; its other specialties stay ordinary, and
    the appointments and questionnaires already there stay as they were (SQLite changes the tables in place)."""
    visit = factories.appointment(of_service=factories.service(of=factories.specialty("psychology")))
    factories.specialty("cardiology")
    db.session.add(Intake(appointment=visit, reason=REASON))
    db.session.commit()
    # The migration needs the tables to itself (PostgreSQL's ALTER waits for every open transaction).
    db.session.remove()

    downgrade(revision=_down_revision())
    upgrade()

    with db.engine.connect() as connection:
        rows = connection.execute(sa.text("SELECT slug, sensitive FROM specialty ORDER BY slug")).all()
        kept = connection.execute(sa.text("SELECT reason FROM intake JOIN appointment a ON a.id = appointment_id"))
        kept = [tuple(row) for row in kept]
    assert [tuple(row) for row in rows] == [("cardiology", False), ("psychology", True)]
    assert kept == [(REASON,)]
