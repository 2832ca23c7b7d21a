"""Command-line tasks: demo data and account administration."""

import click
import sqlalchemy as sa
from flask import Flask, current_app

from app.clock import is_valid_timezone
from app.extensions import db
from app.models import STAFF_ROLES, Role, SpecialistProfile, User, normalise_email
from app.passwords import MIN_PASSWORD_LENGTH


def register(app: Flask) -> None:
    """Attach the commands to the app's CLI."""
    app.cli.add_command(seed_demo)
    app.cli.add_command(users)
    app.cli.add_command(storage_group)
    app.cli.add_command(reminders_group)


@click.command("seed-demo")
def seed_demo():
    """Create (or complete) the demo clinic; safe to run again."""
    from app import demo

    counts = demo.seed()
    click.echo("Demo clinic ready: " + ", ".join(f"{k}={v}" for k, v in counts.items()))
    click.echo(f"Sign in with any of these, password {demo.DEMO_PASSWORD}:")
    for email, role in demo.SIGN_INS.items():
        click.echo(f"  {email:<28} {role.value}")


@click.group("users")
def users():
    """Manage accounts."""


@users.command("create")
@click.option("--role", type=click.Choice([r.value for r in STAFF_ROLES]), required=True)
@click.option("--email", required=True)
@click.option("--name", required=True, help="Full name as 'Last First Middle'.")
@click.option("--timezone", "tz", default=None, help="IANA timezone, e.g. Europe/Moscow.")
@click.password_option(help="Asked for when not given.")
def create_user(role, email, name, tz, password):
    """Create a staff account (patients register themselves or through reception)."""
    email = normalise_email(email)
    tz = tz or current_app.config["BABEL_DEFAULT_TIMEZONE"]
    if len(password) < MIN_PASSWORD_LENGTH:
        raise click.BadParameter(f"at least {MIN_PASSWORD_LENGTH} characters", param_hint="password")
    if not is_valid_timezone(tz):
        raise click.BadParameter(f"unknown timezone {tz!r}", param_hint="--timezone")
    if db.session.scalar(sa.select(User.id).filter_by(email=email)) is not None:
        raise click.ClickException(f"an account with e-mail {email} already exists")
    user = User(email=email, role=Role(role), timezone=tz, full_name=name)
    user.set_password(password)
    if user.role == Role.DOCTOR:
        last, first, *middle = [*name.split(), ""]
        user.specialist_profile = SpecialistProfile(
            last_name=last, first_name=first, middle_name=" ".join(middle).strip() or None
        )
    db.session.add(user)
    db.session.commit()
    click.echo(f"Created {user.role.value} {user.email} ({user.public_id})")


@click.group("storage")
def storage_group():
    """Manage object storage."""


@storage_group.command("init")
def storage_init():
    """Create the bucket (or directory) if missing and make sure it is private."""
    from storage import StorageError, get_store

    try:
        click.echo(get_store().ensure_ready())
    except StorageError as exc:
        raise click.ClickException(f"storage is not ready: {exc}") from exc


@click.group("reminders")
def reminders_group():
    """E-mail reminders of upcoming appointments."""


@reminders_group.command("send")
def reminders_send():
    """Send the reminders due now; idempotent, meant to run from cron every minute."""
    from app import reminders
    from app.clock import utcnow

    try:
        sent = reminders.send_due_reminders(utcnow())
    except reminders.ReminderError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Sent {sent} reminder e-mail(s).")
