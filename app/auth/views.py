"""Sign-in views."""

import sqlalchemy as sa
from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required, login_user, logout_user
from limits import parse as parse_limit

from app.auth import bp, invitations, registration, reset
from app.auth.forms import (
    ForgotPasswordForm,
    InvitationForm,
    LoginForm,
    PasswordChangeForm,
    RegisterForm,
    ResetPasswordForm,
)
from app.extensions import db, limiter
from app.models import Role, User, normalise_email
from app.passwords import burn_verification_time
from app.revocation import end_sessions
from app.urls import safe_next

LANDING = {
    Role.PATIENT: "patient.dashboard",
    Role.DOCTOR: "doctor.dashboard",
    Role.METHODOLOGIST: "methodologist.dashboard",
    Role.RECEPTION: "reception.dashboard",
    Role.ADMIN: "admin.dashboard",
}


def landing_url(user: User) -> str:
    """Each role lands in its own cabinet."""
    return url_for(LANDING[user.role])


def _account_key() -> str:
    """Throttle per account typed, existing or not, so the limit reveals nothing about who has an account."""
    return "login-account:" + normalise_email(request.form.get("email", ""))


def _ip_key() -> str:
    """Throttle per client address."""
    return "login-ip:" + get_remote_address()


def _failed(response) -> bool:
    """Only failed sign-ins count towards the limits."""
    return response.status_code != 302


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(
    lambda: current_app.config["LOGIN_LIMIT_PER_ACCOUNT"], key_func=_account_key, methods=["POST"], deduct_when=_failed
)
@limiter.limit(
    lambda: current_app.config["LOGIN_LIMIT_PER_IP"], key_func=_ip_key, methods=["POST"], deduct_when=_failed
)
def login():
    """Sign in with e-mail and password."""
    if current_user.is_authenticated:
        return redirect(landing_url(current_user))
    form = LoginForm()
    if form.validate_on_submit():
        user = db.session.scalar(sa.select(User).filter_by(email=normalise_email(form.email.data)))
        if user is None:
            burn_verification_time(form.password.data)
        elif user.active and user.check_password(form.password.data):
            db.session.commit()  # persists a re-hashed password, if any
            login_user(user)
            return redirect(safe_next(request.args.get("next"), default=landing_url(user)))
        # One message whatever went wrong, so it tells nobody which e-mails have accounts.
        form.form_errors.append(_("Wrong e-mail or password."))
    return render_template("auth/login.html", form=form), 200 if request.method == "GET" else 401


def login_throttled():
    """The sign-in page after too many failures, with the reason and no hint about the account."""
    form = LoginForm()
    window = parse_limit(current_app.config["LOGIN_LIMIT_PER_ACCOUNT"]).get_expiry()
    minutes = max(1, window // 60)
    form.form_errors.append(
        _("Too many failed sign-in attempts. Please wait %(minutes)s min and try again.", minutes=minutes)
    )
    return render_template("auth/login.html", form=form), 429


@bp.post("/logout")
def logout():
    """Sign out: every session of the account ends, a copy of this one's cookie included, and its sockets close."""
    if current_user.is_authenticated:
        end_sessions(current_user._get_current_object())
    logout_user()
    return redirect(url_for("public.home"))


@bp.route("/register", methods=["GET", "POST"])
def register():
    """A patient registers: a valid form always answers "check your e-mail", whether the address is new or taken
    (app.auth.registration says why and how)."""
    if current_user.is_authenticated:
        return redirect(landing_url(current_user))
    form = RegisterForm()
    if form.validate_on_submit():
        email = registration.start(form)
        return render_template("auth/check_email.html", email=email)
    return render_template("auth/register.html", form=form), 200 if not form.errors else 422


@bp.get("/register/confirm/<token>")
def confirm_registration(token):
    """Open the link from the registration e-mail: the account is created and signed in."""
    user = registration.finish(registration.load(token))
    if user is None:
        flash(_("This e-mail already has an account. Please sign in."), "info")
        return redirect(url_for("auth.login"))
    login_user(user)
    flash(_("Welcome! Your account is ready."), "success")
    return redirect(landing_url(user))


@bp.route("/password", methods=["GET", "POST"])
@login_required
def change_password():
    """Change one's own password after confirming the current one (required first when someone else chose it)."""
    form = PasswordChangeForm()
    if form.validate_on_submit():
        if not current_user.check_password(form.current_password.data):
            form.current_password.errors.append(_("The current password is wrong."))
        else:
            current_user.set_password(form.new_password.data)
            current_user.must_change_password = False
            db.session.commit()
            # Whoever else was signed in with the old password is signed out; this session carries on.
            end_sessions(current_user._get_current_object(), keep_this_one=True)
            flash(_("Your password has been changed. Every other session has been signed out."), "success")
            return redirect(landing_url(current_user))
    return render_template("auth/password.html", form=form), 200 if not form.errors else 422


@bp.post("/sessions/end-others")
@login_required
def end_other_sessions():
    """Sign out of every other browser and device; this session stays signed in."""
    end_sessions(current_user._get_current_object(), keep_this_one=True)
    flash(_("You have been signed out on every other device."), "success")
    return redirect(url_for("auth.change_password"))


def _reset_account_key() -> str:
    """Throttle reset requests per address typed, existing or not, like sign-in."""
    return "reset-account:" + normalise_email(request.form.get("email", ""))


def _reset_ip_key() -> str:
    """Throttle reset requests per client address."""
    return "reset-ip:" + get_remote_address()


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_ACCOUNT"], key_func=_reset_account_key, methods=["POST"])
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_IP"], key_func=_reset_ip_key, methods=["POST"])
def forgot_password():
    """Ask for a reset link: the same answer whether the address has an account or not (app.auth.reset says how)."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        reset.request_reset(form.email.data)
        return render_template("auth/reset_sent.html", email=normalise_email(form.email.data))
    return render_template("auth/forgot.html", form=form), 200 if not form.errors else 422


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token):
    """Set a new password through an e-mailed link: every session of the account ends, and this browser is signed
    in afresh."""
    user = reset.user_for(token)
    form = ResetPasswordForm()
    if form.validate_on_submit():
        reset.complete(user, form.new_password.data)
        logout_user()
        db.session.refresh(user)
        login_user(user)
        flash(_("Your new password is set. Every other session has been signed out."), "success")
        return redirect(landing_url(user))
    return render_template("auth/reset.html", form=form), 200 if not form.errors else 422


@bp.route("/invitation/<token>", methods=["GET", "POST"])
def accept_invitation(token):
    """Open a staff invitation: the invited person writes their name, sets their password and is signed in."""
    invitation = invitations.open_invitation(token)
    form = InvitationForm()
    if request.method == "GET":
        form.last_name.data = invitation.last_name
        form.first_name.data = invitation.first_name
        form.middle_name.data = invitation.middle_name
    if form.validate_on_submit():
        user = invitations.accept(
            token,
            form.last_name.data.strip(),
            form.first_name.data.strip(),
            (form.middle_name.data or "").strip(),
            form.password.data,
        )
        logout_user()
        login_user(user)
        flash(_("Welcome! Your account is ready."), "success")
        return redirect(landing_url(user))
    return render_template("auth/invitation.html", form=form, invitation=invitation), 200 if not form.errors else 422
