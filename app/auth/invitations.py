"""Staff invitations: the admin decides the account, the invited person sets its password through a link.

A link works once, until it expires or is revoked. It carries a random token; only its SHA-256 is stored, so the
admin is shown the link once (to copy) and resending makes a new one, which kills the old. Each change of state is
a conditional UPDATE on an invitation still open, so a link used twice at once, or revoked while being used, is
accepted at most once (the pattern of app/scheduling/status.py).
"""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app, render_template, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from app import audit, clock
from app.extensions import db
from app.i18n import current_language, formatting_locale
from app.mail import send_or_log
from app.models import Invitation, Role, SpecialistProfile, Specialty, User, normalise_email
from app.models.names import person_name
from app.refusals import CONFLICT, Refusal

# How long an invitation link works.
LINK_DAYS = 7
# What secrets.token_urlsafe(32) makes is 43 characters; anything much longer is not a token.
MAX_TOKEN_LENGTH = 100


class InvitationRefused(Refusal):
    """An invitation that cannot be made, sent, revoked or accepted, with the reason."""


def _digest(token: str) -> str:
    """What is stored of a link's token."""
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass
class Terms:
    """What the admin decides about the account to be."""

    email: str
    role: Role
    last_name: str
    first_name: str
    middle_name: str
    specialties: list[Specialty]
    restricted: bool
    timezone: str


def _still_open(now):
    """The SQL condition of an invitation that may still be used, resent or revoked."""
    return sa.and_(Invitation.accepted_at.is_(None), Invitation.revoked_at.is_(None), Invitation.expires_at > now)


def _send(invitation: Invitation, link: str) -> bool:
    """E-mail the link; False when it could not be sent (the admin copies it from the page instead)."""
    with force_locale(formatting_locale(current_language())):
        body = render_template(
            "email/invitation.txt",
            clinic_name=current_app.config["CLINIC_NAME"],
            role=invitation.role.label,
            link=link,
            days=LINK_DAYS,
        )
        return send_or_log(
            invitation.email, _("You are invited to %(clinic)s", clinic=current_app.config["CLINIC_NAME"]), body
        )


def _new_token(invitation: Invitation, now) -> str:
    """Give the invitation a fresh token and expiry; returns the link."""
    token = secrets.token_urlsafe(32)
    invitation.token_digest = _digest(token)
    invitation.sent_at = now
    invitation.expires_at = now + timedelta(days=LINK_DAYS)
    return url_for("auth.accept_invitation", token=token, _external=True)


def invite(terms: Terms, admin: User) -> tuple[Invitation, str, bool]:
    """Store and e-mail an invitation; returns it, its link (shown once) and whether the e-mail went."""
    email = normalise_email(terms.email)
    if db.session.scalar(sa.select(User.id).filter_by(email=email)) is not None:
        raise InvitationRefused("account_exists", _l("An account with this e-mail already exists."), field="email")
    now = clock.utcnow()
    pending = db.session.scalar(sa.select(Invitation.id).where(Invitation.email == email, _still_open(now)))
    if pending is not None:
        message = _l("This e-mail has an open invitation already: resend or revoke it in the list of invitations.")
        raise InvitationRefused("already_invited", message, field="email")
    invitation = Invitation(
        email=email,
        role=terms.role,
        last_name=terms.last_name,
        first_name=terms.first_name,
        middle_name=terms.middle_name,
        specialties=list(terms.specialties) if terms.role == Role.DOCTOR else [],
        restricted=terms.restricted and terms.role == Role.DOCTOR,
        timezone=terms.timezone,
        invited_by_id=admin.id,
        created_at=now,
    )
    link = _new_token(invitation, now)
    db.session.add(invitation)
    db.session.commit()
    audit.record("invite_staff", invitation, None, admin)
    return invitation, link, _send(invitation, link)


def _not_open() -> InvitationRefused:
    return InvitationRefused(
        "invitation_closed", _l("This invitation has been used, revoked or has expired."), status=CONFLICT
    )


def resend(invitation: Invitation, admin: User) -> tuple[str, bool]:
    """A new link and expiry for an invitation not yet used or revoked (an expired one may be renewed); the old link
    stops working. Returns the link and whether the e-mail went."""
    now = clock.utcnow()
    other = db.session.scalar(
        sa.select(Invitation.id).where(
            Invitation.email == invitation.email, Invitation.id != invitation.id, _still_open(now)
        )
    )
    if other is not None:
        message = _l("Another invitation to this e-mail is open: resend that one.")
        raise InvitationRefused("already_invited", message, status=CONFLICT)
    token = secrets.token_urlsafe(32)
    done = db.session.execute(
        sa.update(Invitation)
        .where(Invitation.id == invitation.id, Invitation.accepted_at.is_(None), Invitation.revoked_at.is_(None))
        .values(token_digest=_digest(token), sent_at=now, expires_at=now + timedelta(days=LINK_DAYS))
    ).rowcount
    db.session.commit()
    if not done:
        raise _not_open()
    db.session.refresh(invitation)
    audit.record("resend_invitation", invitation, None, admin)
    link = url_for("auth.accept_invitation", token=token, _external=True)
    return link, _send(invitation, link)


def revoke(invitation: Invitation, admin: User) -> None:
    """Withdraw an invitation not yet used: its link stops working."""
    done = db.session.execute(
        sa.update(Invitation)
        .where(Invitation.id == invitation.id, Invitation.accepted_at.is_(None), Invitation.revoked_at.is_(None))
        .values(revoked_at=clock.utcnow())
    ).rowcount
    db.session.commit()
    if not done:
        raise _not_open()
    db.session.refresh(invitation)
    audit.record("revoke_invitation", invitation, None, admin)


def _refusal_for(invitation: Invitation | None) -> InvitationRefused:
    """Why a link cannot be used, in words its holder can act on."""
    if invitation is None:
        return InvitationRefused("bad_link", _l("This invitation link is not valid."), status=404)
    if invitation.accepted_at is not None:
        message = _l("This invitation has already been used. Please sign in.")
        return InvitationRefused("invitation_used", message, status=410)
    if invitation.revoked_at is not None:
        message = _l("This invitation has been withdrawn. Please contact the clinic's administrator.")
        return InvitationRefused("invitation_revoked", message, status=410)
    message = _l("This invitation has expired. Please ask the clinic's administrator to send a new one.")
    return InvitationRefused("invitation_expired", message, status=410)


def open_invitation(token: str) -> Invitation:
    """The open invitation a link leads to; InvitationRefused saying why not otherwise."""
    invitation = None
    if len(token) <= MAX_TOKEN_LENGTH:
        invitation = db.session.scalar(sa.select(Invitation).filter_by(token_digest=_digest(token)))
    if invitation is None or invitation.state(clock.utcnow()) != "pending":
        raise _refusal_for(invitation)
    return invitation


def accept(token: str, last_name: str, first_name: str, middle_name: str, password: str) -> User:
    """Use an invitation once: create the account it describes with the person's own password and name."""
    invitation = open_invitation(token)
    now = clock.utcnow()
    taken = db.session.execute(
        sa.update(Invitation)
        .where(Invitation.id == invitation.id, Invitation.token_digest == _digest(token), _still_open(now))
        .values(accepted_at=now)
    ).rowcount
    if not taken:
        db.session.rollback()
        db.session.refresh(invitation)
        raise _refusal_for(invitation)
    user = User(
        email=invitation.email,
        role=invitation.role,
        timezone=invitation.timezone,
        full_name=person_name(last_name, first_name, middle_name or None),
        locale=current_language(),
    )
    user.set_password(password)
    if invitation.role == Role.DOCTOR:
        user.specialist_profile = SpecialistProfile(
            last_name=last_name,
            first_name=first_name,
            middle_name=middle_name or None,
            restricted=invitation.restricted,
            specialties=list(invitation.specialties),
        )
    db.session.add(user)
    try:
        db.session.flush()
    except IntegrityError:
        # Someone made an account with this e-mail after the invitation was sent.
        db.session.rollback()
        raise InvitationRefused(
            "account_exists", _l("An account with this e-mail already exists. Please sign in."), status=CONFLICT
        ) from None
    invitation.user_id = user.id
    db.session.commit()
    audit.record("accept_invitation", invitation, None, user)
    return user
