"""What every cabinet's forms share: the status a page with a form answers, and how a refusal is shown."""

from flask import flash
from flask_wtf import FlaskForm
from wtforms.validators import ValidationError

from app.clock import OutsideCalendar, within_calendar
from app.refusals import Refusal


class WithinCalendar:
    """A date field's validator: the day lies within what the calendar shows (app.clock), else the reason."""

    def __call__(self, form: FlaskForm, field) -> None:
        if field.data is not None and not within_calendar(field.data):
            raise ValidationError(str(OutsideCalendar()))


def form_status(form: FlaskForm) -> int:
    """422 when the form was sent with errors, so clients and tests can tell a refused form from a fresh one; else 200."""
    return 422 if form.errors else 200


def refuse(form: FlaskForm, refusal: Refusal) -> int:
    """Show a refusal as an error on the field it concerns, or on the whole form; returns the status to answer."""
    field = form[refusal.field] if refusal.field and refusal.field in form else None
    if field is not None:
        # Before validation a field's errors are a tuple.
        field.errors = [*field.errors, str(refusal)]
    else:
        form.form_errors.append(str(refusal))
    return refusal.status


def flash_refusal(refusal: Refusal) -> int:
    """Show a refusal as a message on the next page; returns the status to answer when the page is rendered now."""
    flash(str(refusal), "danger")
    return refusal.status
