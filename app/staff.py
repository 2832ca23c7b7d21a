"""The staff lifecycle after the invitation: the admin changes what a staff member does, deactivates and reactivates.

A change that narrows someone's access takes effect on open pages and sockets at once (docs/architecture.md,
"Revocation"): a new role or deactivation ends every session (`end_sessions`); a changed restriction or specialty
list re-checks the open sockets' rooms (`withdraw_access`). Deactivation also drops the doctor's calendar feed
address, so a reactivated account does not revive subscriptions made before it left.
"""

from dataclasses import dataclass

import sqlalchemy as sa
from flask import abort
from flask_babel import lazy_gettext as _l

from app import audit
from app.extensions import db
from app.models import STAFF_ROLES, Role, SpecialistProfile, Specialty, User
from app.permissions.lookup import parse_uuid
from app.realtime import withdraw_access
from app.refusals import CONFLICT, Refusal
from app.revocation import end_sessions


class StaffRefused(Refusal):
    """A change the admin may not make to a staff account."""


def get_staff_or_404(public_id: str) -> User:
    """A staff account by public id; patients and unknown ids answer 404."""
    key = parse_uuid(public_id)
    user = db.session.scalar(sa.select(User).where(User.public_id == key, User.role.in_(STAFF_ROLES)))
    if user is None:
        abort(404)
    return user


@dataclass
class Duties:
    """What the admin decides about a staff member's work."""

    role: Role
    specialties: list[Specialty]
    restricted: bool
    timezone: str


def _profile_for(user: User) -> SpecialistProfile:
    """A specialist profile for a staff member who becomes a doctor, named from the account."""
    parts = (user.full_name or user.email.split("@")[0]).split()
    return SpecialistProfile(
        last_name=parts[0], first_name=" ".join(parts[1:2]) or parts[0], middle_name=" ".join(parts[2:]) or None
    )


def update(user: User, duties: Duties, admin: User) -> None:
    """Apply the admin's decision (role, specialties, restriction, timezone); audited."""
    if user.id == admin.id and duties.role != user.role:
        raise StaffRefused("own_role", _l("You cannot change your own role."), field="role")
    role_changed = duties.role != user.role
    profile = user.specialist_profile
    narrowed = False
    if duties.role == Role.DOCTOR:
        if profile is None:
            profile = user.specialist_profile = _profile_for(user)
        profile.listed = profile.listed or role_changed
        narrowed = (duties.restricted and not profile.restricted) or bool(
            {s.id for s in profile.specialties} - {s.id for s in duties.specialties}
        )
        profile.restricted = duties.restricted
        profile.specialties = list(duties.specialties)
    elif profile is not None:
        # The profile stays (past appointments name it) but leaves the public list of specialists.
        profile.listed = False
    user.role = duties.role
    user.timezone = duties.timezone
    db.session.commit()
    audit.record("edit_staff", user, None, admin)
    if role_changed:
        # Another cabinet, other rights: every session starts again under the new role.
        end_sessions(user)
    elif narrowed:
        withdraw_access(user)


def deactivate(user: User, admin: User) -> None:
    """Close the account: its sessions, sockets and calendar feed end at once; audited."""
    if user.id == admin.id:
        raise StaffRefused("own_account", _l("You cannot deactivate your own account."))
    done = db.session.execute(
        sa.update(User).where(User.id == user.id, User.active.is_(True)).values(active=False)
    ).rowcount
    if not done:
        db.session.rollback()
        raise StaffRefused("already_inactive", _l("This account is already deactivated."), status=CONFLICT)
    if user.specialist_profile is not None:
        user.specialist_profile.calendar_token = None
    db.session.commit()
    db.session.refresh(user)
    end_sessions(user)
    audit.record("deactivate_staff", user, None, admin)


def reactivate(user: User, admin: User) -> None:
    """Open a deactivated account again: its owner signs in with their password (or resets it); audited."""
    done = db.session.execute(
        sa.update(User).where(User.id == user.id, User.active.is_(False)).values(active=True)
    ).rowcount
    db.session.commit()
    if not done:
        raise StaffRefused("already_active", _l("This account is already active."), status=CONFLICT)
    db.session.refresh(user)
    audit.record("reactivate_staff", user, None, admin)
