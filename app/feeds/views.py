"""The doctor's secret schedule feed, its rotation, and one-appointment .ics downloads."""

import re
import secrets

import sqlalchemy as sa
from flask import Response, abort, current_app, flash, redirect, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.clock import utcnow, zone_or_default
from app.extensions import db
from app.feeds import bp, ical
from app.i18n import LANGUAGES, current_language, formatting_locale
from app.models import ACTIVE_STATUSES, Appointment, Role, SpecialistProfile, User
from app.permissions import can_rotate_feed, get_appointment_or_404
from app.scheduling.queries import appointments_between

# What secrets.token_urlsafe(32) produces; anything else cannot be a token, so it never reaches the database.
TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{32,64}")
# Schedules name patients: no cache along the way may keep a copy.
NO_STORE = "private, no-store"


def _ics_response(body: bytes, filename: str | None = None) -> Response:
    """A text/calendar response that no cache keeps, optionally as a download."""
    response = Response(body, mimetype="text/calendar")
    response.headers["Cache-Control"] = NO_STORE
    if filename:
        response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _appointment_page(appointment: Appointment, role: Role) -> str | None:
    """The absolute link to the appointment in the viewer's own cabinet, when that cabinet has such a page."""
    endpoint = {Role.PATIENT: "patient.appointment", Role.DOCTOR: "doctor.appointment"}.get(role)
    return url_for(endpoint, appointment_id=appointment.public_id, _external=True) if endpoint else None


@bp.get("/feed/<token>.ics")
def feed(token):
    """The doctor's appointments from a month ago to a quarter ahead; the secret token in the URL is the credential."""
    profile = None
    if TOKEN_SHAPE.fullmatch(token):
        profile = db.session.scalar(sa.select(SpecialistProfile).filter_by(calendar_token=token))
    # A deactivated doctor's subscriptions stop at once, like their sign-in.
    if profile is None or not profile.user.active:
        abort(404)
    doctor = profile.user
    now = utcnow()
    query = appointments_between(now - ical.FEED_PAST, now + ical.FEED_AHEAD, doctor_id=doctor.id)
    appointments = db.session.scalars(query.where(Appointment.status.in_(ACTIVE_STATUSES))).unique().all()
    # Calendar servers fetch without a session or useful Accept-Language: write in the doctor's own language.
    language = doctor.locale if doctor.locale in LANGUAGES else current_app.config["BABEL_DEFAULT_LOCALE"]
    with force_locale(formatting_locale(language)):
        events = [
            ical.appointment_event(
                appt,
                summary=f"{appt.service.name(language)} — {appt.patient.full_name}",
                details=[],
                url=_appointment_page(appt, Role.DOCTOR),
            )
            for appt in appointments
        ]
        name = _("%(clinic)s: appointments", clinic=current_app.config["CLINIC_NAME"])
        body = ical.calendar(f"feed-{profile.public_id}", events, name=name, feed=True)
    return _ics_response(body)


@bp.post("/feed/rotate")
@login_required
def rotate_feed():
    """Give the doctor a new feed address; every subscription to the old one stops working."""
    if not can_rotate_feed(current_user):
        abort(403)
    profile = current_user.specialist_profile
    had_feed = profile.calendar_token is not None
    profile.calendar_token = secrets.token_urlsafe(32)
    db.session.commit()
    if had_feed:
        flash(
            _("Your calendar address has been replaced. Calendars subscribed to the old address no longer update."),
            "success",
        )
    else:
        flash(_("Your calendar address is ready. Add it to your calendar app as a subscription."), "success")
    return redirect(url_for("doctor.dashboard"))


@bp.get("/appointments/<appointment_id>.ics")
@login_required
def appointment_file(appointment_id):
    """One appointment as a calendar file, for anyone who may open the appointment."""
    appt = get_appointment_or_404(appointment_id, current_user, audit="download_appointment_calendar")
    user: User = current_user
    language = current_language()
    service = appt.service.name(language)
    # Each side names the other: the patient wants to see their doctor, staff want to see the patient.
    other = appt.doctor.display_name if user.role == Role.PATIENT else appt.patient.full_name
    details = [f"{_('Patient')}: {appt.patient.full_name}", f"{_('Doctor')}: {appt.doctor.display_name}"]
    event = ical.appointment_event(
        appt, summary=f"{service} — {other}", details=details, url=_appointment_page(appt, user.role)
    )
    body = ical.calendar(f"appointment-{appt.public_id}", [event])
    day = appt.starts_at.astimezone(zone_or_default(user.timezone)).date()
    return _ics_response(body, filename=f"appointment-{day.isoformat()}.ics")
