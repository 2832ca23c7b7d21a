"""Forms of the doctor's cabinet."""

from flask_wtf import FlaskForm
from wtforms import HiddenField
from wtforms.validators import AnyOf, DataRequired

STATUS_ACTIONS = ("start", "complete", "no_show")


class StatusForm(FlaskForm):
    """Move an appointment along: start it, complete it or mark a no-show."""

    action = HiddenField(validators=[DataRequired(), AnyOf(STATUS_ACTIONS)])
