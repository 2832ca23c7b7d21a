"""Appointment status rules for every cabinet: one table of actions, applied with a conditional UPDATE.

The doctor starts, completes and marks no-shows; reception records arrivals and no-shows; patients and reception
cancel (app.scheduling.booking adds the cancellation's details and the patients' cut-off). Arrival is a time of its
own (`Appointment.arrived_at`), not a status: the status stays booked or confirmed until the doctor starts.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from flask_babel import format_time
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

from app import audit
from app.clock import utcnow
from app.extensions import db
from app.models import Appointment, AppointmentStatus, Role, User
from app.refusals import CONFLICT, Refusal

# Booked or confirmed: the appointment is still waiting for the patient and the doctor.
WAITING = (AppointmentStatus.BOOKED, AppointmentStatus.CONFIRMED)


@dataclass(frozen=True)
class Transition:
    """One status action: who may take it, from which statuses, what it leads to, and when it is refused."""

    roles: frozenset[Role]
    sources: tuple[AppointmentStatus, ...]
    # None: the status stays as it is (arrival only records a time).
    target: AppointmentStatus | None
    # Set when the action needs the start time to have passed: the refusal before it.
    before_start: LazyString | None = None
    # Set when a recorded arrival rules the action out: the refusal then, with %(time)s the arrival's local time.
    after_arrival: LazyString | None = None
    records_arrival: bool = False
    # Statuses outside `sources` whose refusal says more than "cannot be done to an appointment that is …".
    status_refusals: Mapping[AppointmentStatus, LazyString] = field(default_factory=dict)


# In display order: each cabinet shows the actions its role may take, in this order.
TRANSITIONS: dict[str, Transition] = {
    "arrive": Transition(
        roles=frozenset({Role.RECEPTION}),
        sources=WAITING,
        target=None,
        after_arrival=_l("The patient's arrival was already recorded at %(time)s."),
        records_arrival=True,
    ),
    "start": Transition(
        roles=frozenset({Role.DOCTOR}),
        sources=WAITING,
        target=AppointmentStatus.IN_PROGRESS,
    ),
    "complete": Transition(
        roles=frozenset({Role.DOCTOR}),
        sources=(AppointmentStatus.IN_PROGRESS,),
        target=AppointmentStatus.COMPLETED,
    ),
    "no_show": Transition(
        roles=frozenset({Role.DOCTOR, Role.RECEPTION}),
        sources=WAITING,
        target=AppointmentStatus.NO_SHOW,
        # Nobody can miss an appointment that has not begun, nor one they came to.
        before_start=_l("A no-show can be recorded only after the appointment's start time."),
        after_arrival=_l("The patient arrived at %(time)s, so this is not a no-show."),
    ),
    # Also what rescheduling does to the original appointment. Only a waiting appointment can be cancelled: once
    # the doctor has started, the consultation is under way, and only the doctor ends it (complete).
    "cancel": Transition(
        roles=frozenset({Role.PATIENT, Role.RECEPTION}),
        sources=WAITING,
        target=AppointmentStatus.CANCELLED,
        status_refusals={
            AppointmentStatus.IN_PROGRESS: _l(
                "The doctor has already started this appointment; it can no longer be cancelled or moved."
            ),
            AppointmentStatus.COMPLETED: _l("This appointment is no longer active."),
            AppointmentStatus.NO_SHOW: _l("This appointment is no longer active."),
            AppointmentStatus.CANCELLED: _l("This appointment is no longer active."),
        },
    ),
}


class StatusChangeRefused(Refusal):
    """The requested action does not apply to the appointment as it is now."""

    # The appointment's state (its status, a recorded arrival, the time) stands in the way: a conflict.
    status = CONFLICT


def actions_for(role: Role) -> tuple[str, ...]:
    """The actions a role may take at all, in display order."""
    return tuple(action for action, rule in TRANSITIONS.items() if role in rule.roles)


def refusal(appointment: Appointment, action: str, role: Role, now: datetime) -> StatusChangeRefused | None:
    """Why the role cannot take the action on the appointment as loaded at `now`, or None when it can."""
    rule = TRANSITIONS.get(action)
    if rule is None or role not in rule.roles:
        return StatusChangeRefused("unavailable", _l("That action is not available."))
    if appointment.status not in rule.sources:
        if appointment.status in rule.status_refusals:
            return StatusChangeRefused("status", rule.status_refusals[appointment.status])
        # The values as read now, put into words when shown (the row may be reloaded after a rollback meanwhile).
        current = appointment.status
        status = LazyString(lambda: current.label.lower())  # sits inside a sentence
        return StatusChangeRefused(
            "status", _l("This cannot be done to an appointment that is %(status)s.", status=status)
        )
    if rule.after_arrival is not None and appointment.arrived_at is not None:
        arrived_at = appointment.arrived_at
        return StatusChangeRefused(
            "arrived", LazyString(lambda: str(rule.after_arrival) % {"time": format_time(arrived_at, "short")})
        )
    if rule.before_start is not None and appointment.starts_at > now:
        return StatusChangeRefused("too_early", rule.before_start)
    return None


def available_actions(appointment: Appointment, role: Role, now: datetime) -> list[str]:
    """The actions the role may take on the appointment right now, in display order (no queries: for list rows)."""
    return [action for action in actions_for(role) if refusal(appointment, action, role, now) is None]


def stage_action(appointment: Appointment, action: str, role: Role, now: datetime, **values) -> None:
    """Check the rules, then run the action's conditional UPDATE in the session's transaction without committing;
    `values` are further columns the action sets (a cancellation's time, author and reason).

    The UPDATE is guarded on the status the appointment was read with and repeats the other rules another request
    could have changed meanwhile (arrival) in its WHERE, so a concurrent change, such as a doctor starting the
    appointment while it is cancelled in another tab, wins instead of being overwritten. When it matches no row,
    the transaction is rolled back and the action refused.
    """
    refused = refusal(appointment, action, role, now)
    if refused is not None:
        raise refused
    rule = TRANSITIONS[action]
    # refusal() has checked that the status as read is one of the rule's sources.
    conditions = [Appointment.id == appointment.id, Appointment.status == appointment.status]
    if rule.after_arrival is not None:
        conditions.append(Appointment.arrived_at.is_(None))
    if rule.target is not None:
        values["status"] = rule.target
    if rule.records_arrival:
        values["arrived_at"] = now
    result = db.session.execute(
        sa.update(Appointment).where(*conditions).values(**values).execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        db.session.rollback()
        raise StatusChangeRefused("changed", _l("The appointment was changed meanwhile; please look again."))


def apply_action(
    appointment: Appointment,
    action: str,
    role: Role,
    now: datetime | None = None,
    by: User | None = None,
    audit_action: str | None = None,
) -> None:
    """Take a status action under the rules (see stage_action), then commit and reload the appointment; a change
    made by staff member `by` is audited under `audit_action` once it is stored."""
    stage_action(appointment, action, role, now or utcnow())
    db.session.commit()
    db.session.refresh(appointment)
    if audit_action is not None:
        audit.record(audit_action, appointment, appointment.patient, by)
