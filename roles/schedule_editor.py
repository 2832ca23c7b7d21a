"""The working-hours editor, shared by the doctor (own schedule) and reception (any doctor's schedule).

Each cabinet supplies the doctor being edited and its own endpoint names; the pages, forms and rules are the same.
"""

from dataclasses import dataclass, field

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField, TimeField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional

from app import audit
from app.clock import local_today
from app.models import ExceptionKind, User
from app.scheduling.hours import (
    ScheduleError,
    add_exception,
    add_stretch,
    delete_exception,
    delete_stretch,
    upcoming_exceptions,
    weekly_template,
)
from roles.forms import WithinCalendar, refuse

WEEKDAY_LABELS = (
    _l("Monday"),
    _l("Tuesday"),
    _l("Wednesday"),
    _l("Thursday"),
    _l("Friday"),
    _l("Saturday"),
    _l("Sunday"),
)

EXCEPTION_LABELS = {
    ExceptionKind.DAY_OFF: _l("Day off"),
    ExceptionKind.VACATION: _l("Vacation"),
    ExceptionKind.EXTRA_HOURS: _l("Extra hours"),
}


class StretchForm(FlaskForm):
    """Add a working stretch to one weekday of the template."""

    weekday = SelectField(
        _l("Day of the week"),
        choices=[SelectChoice(n, label) for n, label in enumerate(WEEKDAY_LABELS)],
        coerce=int,
        validators=[InputRequired()],
    )
    # InputRequired, not DataRequired: the latter would replace "Not a valid time value." with "required".
    starts = TimeField(_l("From"), validators=[InputRequired()])
    ends = TimeField(_l("To"), validators=[InputRequired()])


class ExceptionForm(FlaskForm):
    """Add a day off, a vacation or extra hours over a range of days."""

    kind = SelectField(_l("Kind"), choices=[SelectChoice(k.value, label) for k, label in EXCEPTION_LABELS.items()])
    first_day = DateField(_l("First day"), validators=[InputRequired(), WithinCalendar()])
    last_day = DateField(_l("Last day"), validators=[InputRequired(), WithinCalendar()])
    starts = TimeField(_l("From (extra hours only)"), validators=[Optional()])
    ends = TimeField(_l("To (extra hours only)"), validators=[Optional()])
    note = StringField(_l("Note"), validators=[Optional(), Length(max=200)])


class DeleteForm(FlaskForm):
    """A bare form whose only job is to carry the CSRF token of a delete button."""


@dataclass
class ScheduleEditor:
    """The editor as one cabinet mounts it: `prefix` names its endpoints, `args` identify the doctor in URLs, and
    `audit_action`, when set, audits every change that is saved (reception's changes to another's schedule)."""

    prefix: str
    doctor: User
    args: dict = field(default_factory=dict)
    audit_action: str | None = None

    def _saved(self, message: str):
        """Audit a saved change when this cabinet audits them, confirm it and go back to the schedule."""
        if self.audit_action is not None:
            audit.record(self.audit_action, self.doctor, None, current_user)
        flash(message, "success")
        return redirect(self.url("schedule"))

    def url(self, name: str, **values) -> str:
        """A URL of this cabinet's editor endpoints."""
        return url_for(f"{self.prefix}.{name}", **self.args, **values)

    def page(self, stretch_form=None, exception_form=None, status: int = 200):
        """Render the editor with the given (possibly invalid) forms."""
        body = render_template(
            "scheduling/editor.html",
            editor=self,
            template=weekly_template(self.doctor),
            exceptions=upcoming_exceptions(self.doctor, local_today(self.doctor.timezone)),
            stretch_form=stretch_form or StretchForm(formdata=None),
            exception_form=exception_form or ExceptionForm(formdata=None),
            delete_form=DeleteForm(formdata=None),
            weekday_labels=WEEKDAY_LABELS,
            exception_labels=EXCEPTION_LABELS,
        )
        return body, status

    def add_stretch(self):
        """Add a working stretch; bad input answers with the form and its errors."""
        form = StretchForm()
        if form.validate_on_submit():
            try:
                add_stretch(self.doctor, form.weekday.data, form.starts.data, form.ends.data)
            except ScheduleError as refused:
                return self.page(stretch_form=form, status=refuse(form, refused))
            else:
                return self._saved(_("Working hours saved."))
        return self.page(stretch_form=form, status=422)

    def delete_stretch(self, stretch_id: str):
        """Remove one working stretch of this doctor."""
        if not DeleteForm().validate_on_submit():
            abort(400)
        if not delete_stretch(self.doctor, int_or_404(stretch_id)):
            abort(404)
        return self._saved(_("Working hours saved."))

    def add_exception(self, actor: User):
        """Add a day off, vacation or extra hours; bad input answers with the form and its errors."""
        form = ExceptionForm()
        if form.validate_on_submit():
            try:
                add_exception(
                    self.doctor,
                    ExceptionKind(form.kind.data),
                    form.first_day.data,
                    form.last_day.data,
                    form.starts.data,
                    form.ends.data,
                    form.note.data or "",
                    created_by=actor,
                )
            except ScheduleError as refused:
                return self.page(exception_form=form, status=refuse(form, refused))
            else:
                return self._saved(_("The exception has been added."))
        return self.page(exception_form=form, status=422)

    def delete_exception(self, exception_id: str):
        """Remove one exception of this doctor."""
        if not DeleteForm().validate_on_submit():
            abort(400)
        if not delete_exception(self.doctor, int_or_404(exception_id)):
            abort(404)
        return self._saved(_("The exception has been removed."))


def int_or_404(value: str) -> int:
    """A row id from the URL; anything else is a page that does not exist."""
    # Bounded so an absurd number is a 404 rather than an integer overflow in PostgreSQL.
    if not (value.isascii() and value.isdigit()) or not 0 < int(value) < 2**31:
        abort(404)
    return int(value)
