"""The clinic's specialties and which of them are sensitive."""

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app import audit
from app.extensions import db
from app.models import Specialty
from app.ui.filters import localized
from roles.admin import bp
from roles.admin.forms import SensitivityForm


@bp.get("/specialties")
def specialties():
    """Every specialty, with a switch that keeps its appointments with its specialists (psychology and the like)."""
    rows = db.session.scalars(sa.select(Specialty).order_by(Specialty.slug)).all()
    return render_template("admin/specialties.html", specialties=rows, form=SensitivityForm())


@bp.post("/specialties/<slug>/sensitive")
def set_sensitive(slug):
    """Mark a specialty sensitive or ordinary; the change applies to its past and future appointments and is audited."""
    specialty = db.session.scalar(sa.select(Specialty).filter_by(slug=slug))
    if specialty is None:
        abort(404)
    form = SensitivityForm()
    if not form.validate_on_submit():
        abort(400)
    if specialty.sensitive != form.sensitive.data:
        specialty.sensitive = form.sensitive.data
        db.session.commit()
        action = "mark_specialty_sensitive" if specialty.sensitive else "mark_specialty_ordinary"
        audit.record(action, specialty, None, current_user)
    if specialty.sensitive:
        message = _("%(name)s is now sensitive: its appointments stay with its specialists.", name=localized(specialty))
    else:
        message = _("%(name)s is now an ordinary specialty.", name=localized(specialty))
    flash(message, "success")
    return redirect(url_for("admin.specialties")), 303
