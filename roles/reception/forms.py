"""Forms of the reception back office."""

from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, EmailField, HiddenField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, InputRequired, Length, Optional, Regexp, ValidationError

from app.models import Sex
from roles.forms import WithinCalendar

# Digits with the usual phone punctuation; at least five digits so a stray letter or a half-typed number is refused.
PHONE_PATTERN = r"^\+?[\d\s()\-]*(\d[\s()\-]*){5,}$"


class PatientForm(FlaskForm):
    """A patient's record as reception registers or corrects it."""

    last_name = StringField(_l("Last name"), validators=[DataRequired(), Length(max=100)])
    first_name = StringField(_l("First name"), validators=[DataRequired(), Length(max=100)])
    middle_name = StringField(_l("Middle name"), validators=[Optional(), Length(max=100)])
    date_of_birth = DateField(_l("Date of birth"), validators=[InputRequired()])
    sex = SelectField(
        _l("Sex"),
        choices=[
            SelectChoice("", _l("Not recorded")),
            SelectChoice(Sex.FEMALE.value, _l("Female")),
            SelectChoice(Sex.MALE.value, _l("Male")),
        ],
        validators=[Optional()],
    )
    phone = StringField(
        _l("Phone"),
        validators=[Optional(), Length(max=32), Regexp(PHONE_PATTERN, message=_l("Enter a phone number in digits."))],
    )
    email = EmailField(_l("E-mail"), validators=[Optional(), Email(), Length(max=254)])

    def validate_date_of_birth(self, field):
        """A date of birth lies between 1900 and today."""
        if field.data and not date(1900, 1, 1) <= field.data <= date.today():
            raise ValidationError(_l("Enter a date of birth between 1900 and today."))


class SlotSearchForm(FlaskForm):
    """Which doctor, service and day to show free slots for (a GET form, so no CSRF token)."""

    class Meta:
        csrf = False

    doctor = SelectField(_l("Doctor"), validators=[DataRequired()])
    service = SelectField(_l("Service"), validators=[DataRequired()])
    day = DateField(_l("From day"), validators=[Optional(), WithinCalendar()])


class SlotForm(FlaskForm):
    """The slot reception picked; doctor and service travel with it and are checked again, and the day the slots
    were listed from, so that a refused slot lists the same days again."""

    doctor = HiddenField(validators=[DataRequired()])
    service = HiddenField(validators=[DataRequired()])
    day = HiddenField()  # checked as SlotSearchForm.day
    starts_at = HiddenField(validators=[DataRequired()])


class RescheduleForm(FlaskForm):
    """The new start picked for an appointment."""

    starts_at = HiddenField(validators=[DataRequired()])


class CancelForm(FlaskForm):
    """Cancel an appointment; reception always says why."""

    reason = StringField(_l("Reason for cancelling"), validators=[DataRequired(), Length(max=300)])


class ActionForm(FlaskForm):
    """A button that changes an appointment's status; it carries only the CSRF token."""


class GuardianshipForm(FlaskForm):
    """Record who may act for a patient, and on what legal basis."""

    email = EmailField(_l("Guardian's e-mail"), validators=[DataRequired(), Email(), Length(max=254)])
    legal_basis = StringField(
        _l("Legal basis"),
        validators=[DataRequired(), Length(max=255)],
        description=_l("For example: birth certificate, court decision, power of attorney."),
    )
