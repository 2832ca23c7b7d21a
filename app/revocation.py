"""Withdrawn access ends at once: every session carries its user's session generation, and raising it ends them all.

Why a generation rather than server-side sessions: the session stays the signed cookie it was, the check costs no
query (the generation is a column of the user row that every request and socket event already loads), and it needs
nothing that the single-process setups (`make run`, tests on SQLite) lack, where sessions kept in Redis would. The
price is that one session cannot be ended alone: signing out ends every session of the account, on every device.
For a clinic that is the safer reading of "sign out" (a session forgotten on a shared computer ends too), and it
is the only way a copy of the cookie taken before the sign-out stops working without keeping per-session state.
"""

import sqlalchemy as sa
from flask import session

from app.extensions import db
from app.models import User
from app.realtime import withdraw_access

# The generation the session began in; Flask-Login's own keys start with "_" as well.
SESSION_KEY = "_generation"


def remember_generation(_app, user: User, **_extra) -> None:
    """Stamp a new session with its user's current generation (a receiver of Flask-Login's user_logged_in)."""
    session[SESSION_KEY] = user.session_generation


def session_is_current(user: User) -> bool:
    """The account is active and this session began in its current generation (asked on every request and event)."""
    return user.active and session.get(SESSION_KEY) == user.session_generation


def end_sessions(user: User, keep_this_one: bool = False) -> None:
    """End every session of the user, except this request's when `keep_this_one`, and close or re-check their open
    connections in every process."""
    generation = db.session.scalar(
        sa.update(User)
        .where(User.id == user.id)
        .values(session_generation=User.session_generation + 1)
        .returning(User.session_generation)
    )
    db.session.commit()
    if keep_this_one:
        session[SESSION_KEY] = generation
    withdraw_access(user)
