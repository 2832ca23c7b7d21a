"""The appointment status rules both cabinets share: who may do what, from which status, when, and what a
concurrent change does to a stale action."""

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from app.models import Appointment, AppointmentStatus, Role
from app.scheduling.status import StatusChangeRefused, actions_for, apply_action, available_actions
from tests import factories

NOW = datetime(2031, 3, 10, 9, 0, tzinfo=UTC)  # 12:00 in Moscow, the clinic's default timezone


def _appointment(minutes_from_now: int, status=AppointmentStatus.BOOKED) -> Appointment:
    """An appointment starting `minutes_from_now` after NOW (negative: already begun)."""
    return factories.appointment(starts_at=NOW + timedelta(minutes=minutes_from_now), status=status)


def _refusal(appointment: Appointment, action: str, role: Role, now=NOW) -> StatusChangeRefused:
    """Apply an action that the rules refuse and return the refusal."""
    with pytest.raises(StatusChangeRefused) as refused:
        apply_action(appointment, action, role, now)
    return refused.value


def _stored(db, appointment: Appointment) -> tuple[AppointmentStatus, datetime | None]:
    """The status and arrival time in the database, read past the session's copy."""
    row = db.session.execute(
        sa.select(Appointment.status, Appointment.arrived_at).where(Appointment.id == appointment.id)
    ).one()
    return row.status, row.arrived_at


def test_each_cabinet_has_its_actions_in_display_order():
    """The doctor starts, completes and marks no-shows; reception records arrivals and no-shows and cancels;
    patients cancel."""
    assert actions_for(Role.DOCTOR) == ("start", "complete", "no_show")
    assert actions_for(Role.RECEPTION) == ("arrive", "no_show", "cancel")
    assert actions_for(Role.PATIENT) == ("cancel",)


@pytest.mark.parametrize("status", [AppointmentStatus.BOOKED, AppointmentStatus.CONFIRMED])
def test_arrival_records_the_time_and_keeps_the_status(app, db, status):
    """A booked or confirmed appointment gets its arrival time and keeps its status; a second arrival is refused
    with the time already recorded."""
    appointment = _appointment(10, status)
    apply_action(appointment, "arrive", Role.RECEPTION, NOW)
    assert _stored(db, appointment) == (status, NOW)
    refused = _refusal(appointment, "arrive", Role.RECEPTION, NOW + timedelta(minutes=5))
    assert refused.code == "arrived"
    assert str(refused) == "The patient's arrival was already recorded at 12:00."
    assert _stored(db, appointment) == (status, NOW)


@pytest.mark.parametrize(
    ("status", "label"),
    [
        (AppointmentStatus.CANCELLED, "cancelled"),
        (AppointmentStatus.COMPLETED, "completed"),
        (AppointmentStatus.NO_SHOW, "no-show"),
        (AppointmentStatus.IN_PROGRESS, "in progress"),
    ],
)
def test_arrival_is_refused_once_the_appointment_is_over_or_running(app, db, status, label):
    """Cancelled, completed, missed and running appointments take no arrival."""
    appointment = _appointment(-5, status)
    refused = _refusal(appointment, "arrive", Role.RECEPTION)
    assert (refused.code, str(refused)) == ("status", f"This cannot be done to an appointment that is {label}.")
    assert _stored(db, appointment) == (status, None)
    assert available_actions(appointment, Role.RECEPTION, NOW) == []


def test_no_show_only_after_the_start_and_never_after_arrival(app, db):
    """Before the start a no-show is refused; after an arrival too, for reception and the doctor alike."""
    future = _appointment(30)
    refused = _refusal(future, "no_show", Role.RECEPTION)
    assert (refused.code, str(refused)) == (
        "too_early",
        "A no-show can be recorded only after the appointment's start time.",
    )
    assert available_actions(future, Role.RECEPTION, NOW) == ["arrive", "cancel"]

    came = _appointment(-20)
    assert available_actions(came, Role.RECEPTION, NOW) == ["arrive", "no_show", "cancel"]
    apply_action(came, "arrive", Role.RECEPTION, NOW - timedelta(minutes=25))
    for role in (Role.RECEPTION, Role.DOCTOR):
        refused = _refusal(came, "no_show", role)
        assert (refused.code, str(refused)) == (
            "arrived",
            "The patient arrived at 11:35, so this is not a no-show.",
        )
    assert available_actions(came, Role.RECEPTION, NOW) == ["cancel"]
    assert available_actions(came, Role.DOCTOR, NOW) == ["start"]
    assert _stored(db, came) == (AppointmentStatus.BOOKED, NOW - timedelta(minutes=25))

    missed = _appointment(-20)
    apply_action(missed, "no_show", Role.RECEPTION, NOW)
    assert _stored(db, missed) == (AppointmentStatus.NO_SHOW, None)


def test_the_doctor_runs_the_appointment_and_keeps_the_arrival(app, db):
    """Start and complete move the status on; the recorded arrival stays with the appointment."""
    appointment = _appointment(0)
    apply_action(appointment, "arrive", Role.RECEPTION, NOW)
    apply_action(appointment, "start", Role.DOCTOR, NOW)
    assert _stored(db, appointment) == (AppointmentStatus.IN_PROGRESS, NOW)
    assert available_actions(appointment, Role.DOCTOR, NOW) == ["complete"]
    apply_action(appointment, "complete", Role.DOCTOR, NOW + timedelta(minutes=30))
    assert _stored(db, appointment) == (AppointmentStatus.COMPLETED, NOW)


@pytest.mark.parametrize(
    ("action", "role"),
    [("start", Role.RECEPTION), ("complete", Role.RECEPTION), ("arrive", Role.DOCTOR), ("teleport", Role.DOCTOR)],
)
def test_actions_of_another_cabinet_or_unknown_ones_are_refused(app, db, action, role):
    """Reception does not run appointments, the doctor does not record arrivals, and made-up actions do nothing."""
    appointment = _appointment(-5)
    refused = _refusal(appointment, action, role)
    assert (refused.code, str(refused)) == ("unavailable", "That action is not available.")
    assert _stored(db, appointment) == (AppointmentStatus.BOOKED, None)


def _elsewhere(db, appointment: Appointment, **values) -> None:
    """Change the appointment from another connection and commit, as another tab or colleague would; the
    session's copy is left as it was."""
    with db.engine.begin() as other:
        other.execute(sa.update(Appointment).where(Appointment.id == appointment.id).values(**values))


@pytest.mark.both_engines
@pytest.mark.parametrize(
    ("action", "role"),
    [("arrive", Role.RECEPTION), ("no_show", Role.RECEPTION), ("start", Role.DOCTOR), ("no_show", Role.DOCTOR)],
)
def test_a_stale_action_after_a_cancellation_is_refused(app, db, action, role):
    """The page showed the button, someone cancelled meanwhile: the action is refused, the cancellation stays."""
    appointment = _appointment(-5)
    assert action in available_actions(appointment, role, NOW)  # what the page offered
    _elsewhere(db, appointment, status=AppointmentStatus.CANCELLED)
    refused = _refusal(appointment, action, role)
    assert (refused.code, str(refused)) == ("changed", "The appointment was changed meanwhile; please look again.")
    assert _stored(db, appointment) == (AppointmentStatus.CANCELLED, None)


@pytest.mark.both_engines
def test_a_stale_no_show_after_an_arrival_is_refused(app, db):
    """Reception at one desk records the arrival while another desk presses no-show on the old page."""
    appointment = _appointment(-5)
    assert "no_show" in available_actions(appointment, Role.RECEPTION, NOW)
    arrived = NOW - timedelta(minutes=1)
    _elsewhere(db, appointment, arrived_at=arrived)
    refused = _refusal(appointment, "no_show", Role.RECEPTION)
    assert refused.code == "changed"
    assert _stored(db, appointment) == (AppointmentStatus.BOOKED, arrived)
    # Looked at again, the appointment shows why.
    db.session.refresh(appointment)
    assert _refusal(appointment, "no_show", Role.RECEPTION).code == "arrived"
