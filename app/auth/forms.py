"""Forms for signing in, registering and changing the password."""

from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional, ValidationError

from app.passwords import MIN_PASSWORD_LENGTH


class LoginForm(FlaskForm):
    """E-mail and password."""

    email = EmailField(_l("E-mail"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=256)])


def new_password_field(label):
    """A new password with the clinic's minimum length."""
    too_short = _l("Use at least %(min)d characters.", min=MIN_PASSWORD_LENGTH)
    return PasswordField(
        label, validators=[DataRequired(), Length(min=MIN_PASSWORD_LENGTH, max=256, message=too_short)]
    )


class RegisterForm(FlaskForm):
    """A patient registers themselves."""

    email = EmailField(_l("E-mail"), validators=[DataRequired(), Email(), Length(max=254)])
    password = new_password_field(_l("Password"))
    confirm = PasswordField(_l("Repeat password"), validators=[EqualTo("password", message=_l("Passwords differ."))])
    last_name = StringField(_l("Last name"), validators=[DataRequired(), Length(max=100)])
    first_name = StringField(_l("First name"), validators=[DataRequired(), Length(max=100)])
    middle_name = StringField(_l("Middle name"), validators=[Optional(), Length(max=100)])
    date_of_birth = DateField(_l("Date of birth"), validators=[DataRequired()])
    phone = StringField(_l("Phone"), validators=[Optional(), Length(max=32)])

    def validate_date_of_birth(self, field):
        """A birth date lies between 1900 and today, as reception's form requires."""
        if not date(1900, 1, 1) <= field.data <= date.today():
            raise ValidationError(_l("Enter a real date of birth."))


class PasswordChangeForm(FlaskForm):
    """Change one's own password."""

    current_password = PasswordField(_l("Current password"), validators=[DataRequired()])
    new_password = new_password_field(_l("New password"))
    confirm = PasswordField(
        _l("Repeat new password"), validators=[EqualTo("new_password", message=_l("Passwords differ."))]
    )


class ForgotPasswordForm(FlaskForm):
    """The address to send a reset link to."""

    email = EmailField(_l("E-mail"), validators=[DataRequired(), Email(), Length(max=254)])


class ResetPasswordForm(FlaskForm):
    """A new password chosen through a reset link (the same rules as registration)."""

    new_password = new_password_field(_l("New password"))
    confirm = PasswordField(
        _l("Repeat new password"), validators=[EqualTo("new_password", message=_l("Passwords differ."))]
    )


class InvitationForm(FlaskForm):
    """The invited person's name as they want it written, and their own password."""

    last_name = StringField(_l("Last name"), validators=[DataRequired(), Length(max=100)])
    first_name = StringField(_l("First name"), validators=[DataRequired(), Length(max=100)])
    middle_name = StringField(_l("Middle name"), validators=[Optional(), Length(max=100)])
    password = new_password_field(_l("Password"))
    confirm = PasswordField(_l("Repeat password"), validators=[EqualTo("password", message=_l("Passwords differ."))])
