"""Admin area pages."""

import sqlalchemy as sa
from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import joinedload

from app import audit
from app.extensions import db
from app.i18n import current_language
from app.models import STAFF_ROLES, AuditEvent, Role, SpecialistProfile, Specialty, User, normalise_email
from roles.admin import bp
from roles.admin.forms import DutiesForm, StaffForm
from roles.forms import form_status

AUDIT_PAGE_SIZE = 100


@bp.get("/")
def dashboard():
    """The list of staff accounts."""
    staff = db.session.scalars(
        sa.select(User)
        .where(User.role.in_(STAFF_ROLES))
        .options(joinedload(User.specialist_profile).selectinload(SpecialistProfile.specialties))
        .order_by(User.role, User.email)
    ).all()
    return render_template("admin/dashboard.html", staff=staff)


@bp.route("/staff/new", methods=["GET", "POST"])
def new_staff():
    """Create a staff account (staff cannot register themselves)."""
    form = StaffForm()
    specialties = offer_specialties(form)
    if request.method == "GET":
        form.timezone.data = current_app.config["BABEL_DEFAULT_TIMEZONE"]
    if form.validate_on_submit():
        email = normalise_email(form.email.data)
        if db.session.scalar(sa.select(User.id).filter_by(email=email)) is not None:
            form.email.errors.append(_("An account with this e-mail already exists."))
        else:
            user = _create_staff(form, email, specialties)
            flash(_("Account %(email)s created.", email=user.email), "success")
            return redirect(url_for("admin.dashboard"))
    return render_template("admin/new_staff.html", form=form), form_status(form)


def offer_specialties(form: DutiesForm) -> list[Specialty]:
    """Every specialty, offered as the form's choices in the page's language; returns them."""
    specialties = db.session.scalars(sa.select(Specialty).order_by(Specialty.slug)).all()
    form.specialties.choices = [(s.id, s.name(current_language())) for s in specialties]
    return specialties


def _create_staff(form: StaffForm, email: str, specialties: list[Specialty]) -> User:
    """Store the new account, and a specialist profile for doctors."""
    role = Role(form.role.data)
    names = [form.last_name.data.strip(), form.first_name.data.strip(), (form.middle_name.data or "").strip()]
    user = User(email=email, role=role, timezone=form.timezone.data.strip(), full_name=" ".join(n for n in names if n))
    user.set_password(form.password.data)
    # The admin knows this password: its owner replaces it before anything else (app/gate.py).
    user.must_change_password = True
    if role == Role.DOCTOR:
        chosen = set(form.specialties.data)
        user.specialist_profile = SpecialistProfile(
            last_name=names[0],
            first_name=names[1],
            middle_name=names[2] or None,
            restricted=form.restricted.data,
            specialties=[s for s in specialties if s.id in chosen],
        )
    db.session.add(user)
    db.session.commit()
    audit.record("create_staff", user, None, current_user)
    return user


@bp.get("/audit")
def audit_log():
    """The latest recorded accesses to patient data."""
    events = db.session.scalars(
        sa.select(AuditEvent)
        .options(joinedload(AuditEvent.actor), joinedload(AuditEvent.patient))
        .order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())
        .limit(AUDIT_PAGE_SIZE)
    ).all()
    return render_template("admin/audit.html", events=events)
