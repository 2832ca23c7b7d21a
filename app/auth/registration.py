"""Self-registration that tells nobody which e-mails have accounts: every registration ends in an e-mail.

The form's answer is the same page for a new address and a taken one. A new address gets a link that creates the
account when opened (until then the form waits as a PendingRegistration, so nobody can hold an address they cannot
read); the owner of a taken address is told that someone tried to register with it. Both paths hash the password
and send one e-mail, so neither answer is faster than the other. The link carries a random token only: the details
and the password hash stay on the server.
"""

import hashlib
import secrets
from datetime import date, timedelta

import sqlalchemy as sa
from flask import current_app, render_template, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from app.auth.forms import RegisterForm
from app.clock import utcnow
from app.extensions import db
from app.i18n import LANGUAGES, current_language, formatting_locale
from app.mail import send_or_log
from app.models import PatientProfile, PendingRegistration, Role, User, normalise_email
from app.passwords import hash_password
from app.refusals import Refusal

# How long a confirmation link works.
LINK_HOURS = 24


def _digest(token: str) -> str:
    """What is stored of a link's token."""
    return hashlib.sha256(token.encode()).hexdigest()


def _send(to: str, subject: str, body: str) -> None:
    """Send one e-mail; without SMTP (the demo) or when it fails the answer must not differ, so it is only logged."""
    send_or_log(to, subject, body)


def start(form: RegisterForm) -> str:
    """Answer a valid registration form with one e-mail (a link for a new address, a notice for a taken one);
    returns the address written to."""
    email = normalise_email(form.email.data)
    # Hashed on both paths: the time it takes must not tell a taken address from a new one.
    password_hash = hash_password(form.password.data)
    owner = db.session.scalar(sa.select(User).filter_by(email=email))
    clinic = current_app.config["CLINIC_NAME"]
    if owner is not None:
        locale = owner.locale if owner.locale in LANGUAGES else current_language()
        with force_locale(formatting_locale(locale)):
            body = render_template(
                "email/registration_taken.txt", clinic_name=clinic, login=url_for("auth.login", _external=True)
            )
            _send(email, _("Someone tried to register with your e-mail"), body)
        return email
    details = {
        "password_hash": password_hash,
        "first_name": form.first_name.data.strip(),
        "middle_name": (form.middle_name.data or "").strip(),
        "last_name": form.last_name.data.strip(),
        "date_of_birth": form.date_of_birth.data.isoformat(),
        "phone": form.phone.data or "",
        "locale": current_language(),
    }
    now = utcnow()
    # Forms nobody confirmed in time go as new ones come: the table holds a day of registrations at most.
    db.session.execute(sa.delete(PendingRegistration).where(PendingRegistration.expires_at < now))
    token = secrets.token_urlsafe(32)
    db.session.add(
        PendingRegistration(
            token_digest=_digest(token),
            email=email,
            details=details,
            created_at=now,
            expires_at=now + timedelta(hours=LINK_HOURS),
        )
    )
    db.session.commit()
    link = url_for("auth.confirm_registration", token=token, _external=True)
    body = render_template("email/registration_confirm.txt", clinic_name=clinic, link=link, hours=LINK_HOURS)
    _send(email, _("Confirm your registration"), body)
    return email


class LinkRefused(Refusal):
    """A confirmation link that is forged, damaged or older than LINK_HOURS."""

    status = 400

    def __init__(self) -> None:
        super().__init__("bad_link", _l("This link is not valid or has expired. Please register again."))


def load(token: str) -> PendingRegistration:
    """The registration a link opens; LinkRefused when the token is unknown, already used or older than
    LINK_HOURS."""
    if len(token) > 100:
        raise LinkRefused()
    pending = db.session.scalar(sa.select(PendingRegistration).filter_by(token_digest=_digest(token)))
    if pending is None or pending.expires_at <= utcnow():
        raise LinkRefused()
    return pending


def finish(pending: PendingRegistration) -> User | None:
    """Create the account and patient record a confirmed link describes; None if the address has one already (a
    link opened twice, or two registrations of one address: the first opened wins). Links stay until they expire
    so that a second opening says "sign in" rather than "expired"."""
    email, registration = pending.email, pending.details
    user = User(
        email=email,
        phone=registration["phone"] or None,
        role=Role.PATIENT,
        timezone=current_app.config["BABEL_DEFAULT_TIMEZONE"],
        locale=registration["locale"],
    )
    user.password_hash = registration["password_hash"]
    user.patient_profile = PatientProfile(
        first_name=registration["first_name"],
        middle_name=registration["middle_name"] or None,
        last_name=registration["last_name"],
        date_of_birth=date.fromisoformat(registration["date_of_birth"]),
        phone=registration["phone"] or None,
        email=email,
    )
    db.session.add(user)
    try:
        db.session.commit()
    except IntegrityError:
        # The link was opened twice at the same moment: the other request created the account.
        db.session.rollback()
        return None
    return user
