"""Forms of the doctor's cabinet."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, IntegerField
from wtforms.validators import AnyOf, DataRequired, Optional

from app.models import Role
from app.scheduling.status import actions_for
from roles.forms import WithinCalendar

STATUS_ACTIONS = actions_for(Role.DOCTOR)


class StatusForm(FlaskForm):
    """Move an appointment along: start it, complete it or mark a no-show."""

    action = HiddenField(validators=[DataRequired(), AnyOf(STATUS_ACTIONS)])


# The quick choices beside the chat, in minutes: an hour, a day, a week.
EXTENSION_CHOICES = (60, 24 * 60, 7 * 24 * 60)


class ExtendChatForm(FlaskForm):
    """Extend an appointment's chat by one of the quick choices, or until the end of a chosen day."""

    minutes = IntegerField(validators=[Optional(), AnyOf(EXTENSION_CHOICES)])
    until = DateField(_l("Until"), validators=[Optional(), WithinCalendar()])

    def validate(self, extra_validators=None) -> bool:
        """Exactly one of the two ways must be given."""
        if not super().validate(extra_validators):
            return False
        if (self.minutes.data is None) == (self.until.data is None):
            self.until.errors.append(_l("Choose an extension or a date."))
            return False
        return True


class LabResultMarkForm(FlaskForm):
    """Mark a chat attachment as a lab result ("1") or take the mark off ("0"); `next` is the page to return to."""

    marked = HiddenField(validators=[DataRequired(), AnyOf(("1", "0"))])
    next = HiddenField()
