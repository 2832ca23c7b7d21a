"""Forms of the admin area."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Email, Length, Optional, ValidationError

from app.auth.forms import new_password_field
from app.clock import is_valid_timezone
from app.models import Role


def staff_role_choices():
    """The roles an administrator can give a staff account."""
    return [
        (Role.DOCTOR.value, _l("Doctor / specialist")),
        (Role.METHODOLOGIST.value, _l("Methodologist")),
        (Role.RECEPTION.value, _l("Reception")),
        (Role.ADMIN.value, _l("Administrator")),
    ]


class DutiesForm(FlaskForm):
    """What a staff member does: role, specialties, restriction and timezone (shared by every staff form)."""

    role = SelectField(_l("Role"), choices=staff_role_choices, validators=[DataRequired()])
    specialties = SelectMultipleField(_l("Specialties (doctors)"), coerce=int)
    restricted = BooleanField(_l("Restricted specialist: sees only their own patients"))
    timezone = StringField(_l("Timezone"), validators=[DataRequired(), Length(max=64)])

    def validate_timezone(self, field):
        """Only IANA timezone names, e.g. Europe/Moscow."""
        if not is_valid_timezone(field.data.strip()):
            raise ValidationError(_l("Unknown timezone. Use a name like Europe/Moscow."))

    def validate_specialties(self, field):
        """A doctor practises at least one specialty."""
        if self.role.data == Role.DOCTOR.value and not field.data:
            raise ValidationError(_l("Choose at least one specialty for a doctor."))


class StaffForm(DutiesForm):
    """Create a staff account with a password the admin chooses (changed by its owner at the first sign-in)."""

    email = EmailField(_l("E-mail"), validators=[DataRequired(), Email(), Length(max=254)])
    last_name = StringField(_l("Last name"), validators=[DataRequired(), Length(max=100)])
    first_name = StringField(_l("First name"), validators=[DataRequired(), Length(max=100)])
    middle_name = StringField(_l("Middle name"), validators=[Optional(), Length(max=100)])
    password = new_password_field(_l("Initial password"))


class InviteForm(DutiesForm):
    """Invite a staff member by e-mail; the name may be left for them to write."""

    email = EmailField(_l("E-mail"), validators=[DataRequired(), Email(), Length(max=254)])
    last_name = StringField(_l("Last name"), validators=[Optional(), Length(max=100)])
    first_name = StringField(_l("First name"), validators=[Optional(), Length(max=100)])
    middle_name = StringField(_l("Middle name"), validators=[Optional(), Length(max=100)])


class StaffEditForm(DutiesForm):
    """Change a staff member's role, specialties, restriction and timezone."""


class ActionForm(FlaskForm):
    """A button that changes an account or invitation; it carries only the CSRF token."""


class SensitivityForm(FlaskForm):
    """Mark a specialty sensitive, or ordinary again."""

    sensitive = BooleanField(_l("Sensitive"))
