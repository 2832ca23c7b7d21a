"""Password reset by e-mail: a signed link that works once and briefly, asked for without learning who has an account.

The link carries a token signed with the app's secret (itsdangerous) holding the account's public id and a
fingerprint of its current password hash. Setting any password (this reset, a change, another reset) changes the
hash, so a link stops working once used, without a table of tokens. The signature's timestamp limits its age.

Asking for a link answers the same page whatever the address, and every request sends exactly one e-mail: the link
to an active account, a notice to an address without one. Both paths sign a token and send one message, so neither
is faster; the form is throttled like sign-in (app/auth/views.py).
"""

import hashlib
import hmac
import uuid

import sqlalchemy as sa
from flask import current_app, render_template, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from itsdangerous import BadData, TimestampSigner, URLSafeTimedSerializer

from app import audit, clock
from app.extensions import db
from app.i18n import LANGUAGES, current_language, formatting_locale
from app.mail import send_or_log
from app.models import User, normalise_email
from app.passwords import hash_password
from app.refusals import Refusal
from app.revocation import end_sessions

# How long a reset link works: long enough to read the mail, short enough that an old mailbox opens nothing.
LINK_MINUTES = 60
SALT = "password-reset"
# Longer than any token this module makes; anything longer is not worth verifying.
MAX_TOKEN_LENGTH = 300


class _ClockSigner(TimestampSigner):
    """Timestamps from app.clock, so tests move time instead of waiting."""

    def get_timestamp(self) -> int:
        return int(clock.utcnow().timestamp())


def _serializer() -> URLSafeTimedSerializer:
    """The signer of reset tokens, keyed by the app's secret and its own salt (no other token verifies here)."""
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT, signer=_ClockSigner)


def _fingerprint(user: User) -> str:
    """What a token holds of the password hash: enough to notice any change, nothing to attack."""
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:20]


def make_token(user: User) -> str:
    """A token that resets this account's password until the password changes or LINK_MINUTES pass."""
    return _serializer().dumps({"u": str(user.public_id), "p": _fingerprint(user)})


def _language(user: User | None) -> str:
    """Write in the account's language, else the page's."""
    return user.locale if user is not None and user.locale in LANGUAGES else current_language()


def send_link(user: User) -> bool:
    """E-mail the account a reset link; False when the mail could not be sent (logged)."""
    link = url_for("auth.reset_password", token=make_token(user), _external=True)
    with force_locale(formatting_locale(_language(user))):
        body = render_template(
            "email/password_reset.txt",
            clinic_name=current_app.config["CLINIC_NAME"],
            link=link,
            minutes=LINK_MINUTES,
        )
        return send_or_log(user.email, _("Set a new password"), body)


def request_reset(email: str) -> None:
    """Answer a "forgot password" request with one e-mail: the link for an active account, a notice otherwise."""
    address = normalise_email(email)
    user = db.session.scalar(sa.select(User).filter_by(email=address))
    if user is not None and user.active:
        send_link(user)
        return
    # Signed as for a real account, so the two paths cost the same.
    _serializer().dumps({"u": str(uuid.uuid4()), "p": ""})
    with force_locale(formatting_locale(_language(None))):
        body = render_template(
            "email/password_reset_unknown.txt",
            clinic_name=current_app.config["CLINIC_NAME"],
            register=url_for("auth.register", _external=True),
        )
        send_or_log(address, _("Password reset request"), body)


class ResetLinkRefused(Refusal):
    """A reset link that is damaged, older than LINK_MINUTES, or already used (the password changed since)."""

    status = 400

    def __init__(self) -> None:
        super().__init__(
            "bad_link", _l("This link is not valid, has expired or has already been used. Please ask for a new one.")
        )


def user_for(token: str) -> User:
    """The active account a reset token opens; ResetLinkRefused for any token that may not be used now."""
    if len(token) > MAX_TOKEN_LENGTH:
        raise ResetLinkRefused()
    try:
        data = _serializer().loads(token, max_age=LINK_MINUTES * 60)
        public_id = uuid.UUID(data["u"])
        fingerprint = str(data["p"])
    except (BadData, KeyError, TypeError, ValueError):
        raise ResetLinkRefused() from None
    user = db.session.scalar(sa.select(User).filter_by(public_id=public_id))
    if user is None or not user.active or not hmac.compare_digest(fingerprint, _fingerprint(user)):
        raise ResetLinkRefused()
    return user


def complete(user: User, password: str) -> None:
    """Set the new password and end every session of the account (the caller signs this browser in again).

    The hash is replaced only if it is still the one the link was checked against, so the same link sent twice at
    once sets a password once."""
    used = user.password_hash
    done = db.session.execute(
        sa.update(User)
        .where(User.id == user.id, User.password_hash == used)
        .values(password_hash=hash_password(password), must_change_password=False)
    ).rowcount
    db.session.commit()
    if not done:
        raise ResetLinkRefused()
    db.session.refresh(user)
    end_sessions(user)
    audit.record("reset_password", user, None, user)
