"""Forms of the doctor's cabinet."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, SelectField, StringField, TimeField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, DataRequired, InputRequired, Length, Optional

from app.models import ExceptionKind

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

STATUS_ACTIONS = ("start", "complete", "no_show")


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
    first_day = DateField(_l("First day"), validators=[InputRequired()])
    last_day = DateField(_l("Last day"), validators=[InputRequired()])
    starts = TimeField(_l("From (extra hours only)"), validators=[Optional()])
    ends = TimeField(_l("To (extra hours only)"), validators=[Optional()])
    note = StringField(_l("Note"), validators=[Optional(), Length(max=200)])


class StatusForm(FlaskForm):
    """Move an appointment along: start it, complete it or mark a no-show."""

    action = HiddenField(validators=[DataRequired(), AnyOf(STATUS_ACTIONS)])


class DeleteForm(FlaskForm):
    """A bare form whose only job is to carry the CSRF token of a delete button."""
