"""Staff invitations: the list, a new invitation, resending and revoking."""

import sqlalchemy as sa
from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import selectinload

from app import clock
from app.auth import invitations
from app.extensions import db
from app.models import Invitation, Role
from app.permissions.lookup import parse_uuid
from roles.admin import bp
from roles.admin.forms import ActionForm, InviteForm
from roles.admin.views import offer_specialties
from roles.forms import flash_refusal, form_status, refuse

LIST_SIZE = 200


@bp.get("/invitations")
def invitation_list():
    """The latest invitations with their state, and buttons to resend or revoke the open ones."""
    rows = db.session.scalars(
        sa.select(Invitation)
        .options(selectinload(Invitation.specialties), selectinload(Invitation.invited_by))
        .order_by(Invitation.created_at.desc(), Invitation.id.desc())
        .limit(LIST_SIZE)
    ).all()
    return render_template("admin/invitations.html", invitations=rows, now=clock.utcnow(), action_form=ActionForm())


def _sent(invitation: Invitation, link: str, mailed: bool):
    """The page that shows a fresh link once, to copy, and whether the e-mail went."""
    return render_template("admin/invitation_sent.html", invitation=invitation, link=link, mailed=mailed)


@bp.route("/invitations/new", methods=["GET", "POST"])
def invite():
    """Invite a staff member by e-mail; the link is also shown once to copy."""
    form = InviteForm()
    specialties = offer_specialties(form)
    if request.method == "GET":
        form.timezone.data = current_app.config["BABEL_DEFAULT_TIMEZONE"]
    if form.validate_on_submit():
        chosen = set(form.specialties.data)
        terms = invitations.Terms(
            email=form.email.data,
            role=Role(form.role.data),
            last_name=(form.last_name.data or "").strip(),
            first_name=(form.first_name.data or "").strip(),
            middle_name=(form.middle_name.data or "").strip(),
            specialties=[s for s in specialties if s.id in chosen],
            restricted=form.restricted.data,
            timezone=form.timezone.data.strip(),
        )
        try:
            invitation, link, mailed = invitations.invite(terms, current_user)
        except invitations.InvitationRefused as refused:
            status = refuse(form, refused)
            return render_template("admin/invite.html", form=form), status
        return _sent(invitation, link, mailed)
    return render_template("admin/invite.html", form=form), form_status(form)


def _invitation_or_404(invitation_id) -> Invitation:
    """An invitation by public id, once the button's CSRF token is checked."""
    invitation = db.session.scalar(sa.select(Invitation).filter_by(public_id=parse_uuid(invitation_id)))
    if invitation is None:
        abort(404)
    if not ActionForm().validate_on_submit():
        abort(400)
    return invitation


@bp.post("/invitations/<invitation_id>/resend")
def resend_invitation(invitation_id):
    """Send a new link (the old one stops working) with a new expiry."""
    invitation = _invitation_or_404(invitation_id)
    try:
        link, mailed = invitations.resend(invitation, current_user)
    except invitations.InvitationRefused as refused:
        flash_refusal(refused)
        return redirect(url_for("admin.invitation_list")), 303
    return _sent(invitation, link, mailed)


@bp.post("/invitations/<invitation_id>/revoke")
def revoke_invitation(invitation_id):
    """Withdraw an invitation: its link stops working."""
    invitation = _invitation_or_404(invitation_id)
    try:
        invitations.revoke(invitation, current_user)
    except invitations.InvitationRefused as refused:
        flash_refusal(refused)
    else:
        flash(_("The invitation to %(email)s is revoked.", email=invitation.email), "success")
    return redirect(url_for("admin.invitation_list")), 303
