"""A staff member's page: their duties, deactivation and reactivation, and a password reset link."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app import audit, staff
from app.auth import reset
from app.models import Role
from roles.admin import bp
from roles.admin.forms import ActionForm, StaffEditForm
from roles.admin.views import offer_specialties
from roles.forms import flash_refusal, form_status, refuse


def _page(member, form: StaffEditForm, status: int = 200):
    """Render the staff member's page with the duties form (and its errors, if any)."""
    return render_template("admin/staff_member.html", member=member, form=form, action_form=ActionForm()), status


@bp.route("/staff/<user_id>", methods=["GET", "POST"])
def staff_member(user_id):
    """Change a staff member's role, specialties, restriction and timezone."""
    member = staff.get_staff_or_404(user_id)
    form = StaffEditForm()
    specialties = offer_specialties(form)
    if request.method == "GET":
        profile = member.specialist_profile
        form.role.data = member.role.value
        form.timezone.data = member.timezone
        form.restricted.data = bool(profile and profile.restricted)
        form.specialties.data = [s.id for s in profile.specialties] if profile else []
    if form.validate_on_submit():
        chosen = set(form.specialties.data)
        duties = staff.Duties(
            role=Role(form.role.data),
            specialties=[s for s in specialties if s.id in chosen],
            restricted=form.restricted.data,
            timezone=form.timezone.data.strip(),
        )
        try:
            staff.update(member, duties, current_user)
        except staff.StaffRefused as refused:
            return _page(member, form, refuse(form, refused))
        flash(_("The changes to %(name)s are saved.", name=member.display_name), "success")
        return redirect(url_for("admin.staff_member", user_id=member.public_id)), 303
    return _page(member, form, form_status(form))


def _checked_action(user_id):
    """The staff member a button acts on, once its CSRF token is checked."""
    member = staff.get_staff_or_404(user_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    return member


@bp.post("/staff/<user_id>/deactivate")
def deactivate_staff(user_id):
    """Deactivate an account: its sessions, open sockets and calendar feed end at once."""
    member = _checked_action(user_id)
    try:
        staff.deactivate(member, current_user)
    except staff.StaffRefused as refused:
        flash_refusal(refused)
    else:
        flash(_("%(name)s is deactivated and signed out everywhere.", name=member.display_name), "success")
    return redirect(url_for("admin.staff_member", user_id=member.public_id)), 303


@bp.post("/staff/<user_id>/reactivate")
def reactivate_staff(user_id):
    """Reactivate an account: its owner can sign in again."""
    member = _checked_action(user_id)
    try:
        staff.reactivate(member, current_user)
    except staff.StaffRefused as refused:
        flash_refusal(refused)
    else:
        flash(_("%(name)s can sign in again.", name=member.display_name), "success")
    return redirect(url_for("admin.staff_member", user_id=member.public_id)), 303


@bp.post("/staff/<user_id>/password-reset")
def send_staff_reset(user_id):
    """E-mail a staff member a link to set a new password; audited."""
    member = _checked_action(user_id)
    if not member.active:
        flash(_("Reactivate the account first."), "danger")
    elif reset.send_link(member):
        audit.record("send_password_reset", member, None, current_user)
        flash(_("A link to set a new password has been sent to %(email)s.", email=member.email), "success")
    else:
        flash(_("The e-mail could not be sent. Please try again later."), "danger")
    return redirect(url_for("admin.staff_member", user_id=member.public_id)), 303
