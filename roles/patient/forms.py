"""Forms of the patient cabinet."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional


class BookingForm(FlaskForm):
    """Confirm a chosen slot, for oneself or a dependant, with the optional intake questionnaire."""

    doctor = HiddenField(validators=[DataRequired()])
    service = HiddenField(validators=[DataRequired()])
    starts_at = HiddenField(validators=[DataRequired()])
    patient = SelectField(_l("Patient"), validators=[DataRequired()])
    reason = StringField(_l("Reason for the visit"), validators=[Optional(), Length(max=300)])
    complaints = TextAreaField(_l("Complaints"), validators=[Optional(), Length(max=4000)])
    medication = TextAreaField(_l("Current medication"), validators=[Optional(), Length(max=4000)])
    remote_consent = BooleanField(_l("I agree to a remote consultation"))


class CancelForm(FlaskForm):
    """Cancel an appointment, optionally saying why."""

    reason = StringField(_l("Reason (optional)"), validators=[Optional(), Length(max=300)])


class IntakeForm(FlaskForm):
    """Answer or correct the questionnaire after booking."""

    reason = StringField(_l("Reason for the visit"), validators=[Optional(), Length(max=300)])
    complaints = TextAreaField(_l("Complaints"), validators=[Optional(), Length(max=4000)])
    medication = TextAreaField(_l("Current medication"), validators=[Optional(), Length(max=4000)])
    remote_consent = BooleanField(_l("I agree to a remote consultation"))


class RescheduleForm(FlaskForm):
    """Move an appointment to the chosen free slot."""

    starts_at = HiddenField(validators=[DataRequired()])


class ShareForm(FlaskForm):
    """Share a sensitive specialty's appointment with one's other doctors, once the patient has said they understand."""

    confirm = BooleanField(_l("I understand and want to share it"), validators=[DataRequired()])


class StopSharingForm(FlaskForm):
    """Withdraw a shared appointment (the CSRF token is all it carries)."""
