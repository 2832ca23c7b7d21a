"""What every cabinet's forms share: the status a page with a form answers."""

from flask_wtf import FlaskForm


def form_status(form: FlaskForm) -> int:
    """422 when the form was sent with errors, so clients and tests can tell a refused form from a fresh one; else 200."""
    return 422 if form.errors else 200
