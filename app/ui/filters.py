"""Template filters and globals: money, names in the current language (dates: app/ui/dates.py)."""

from flask import Flask, current_app
from flask_babel import format_currency, format_decimal
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import generate_csrf

from app.i18n import LANGUAGES, current_language, formatting_tag
from app.models import User
from app.ui import dates, links, translations


def money(value) -> str:
    """A price in the clinic's currency."""
    return format_currency(value, current_app.config["CLINIC_CURRENCY"])


def localized(obj) -> str:
    """The name of a specialty or service in the current language."""
    return obj.name(current_language())


def filesize(size: int) -> str:
    """A byte count as KB or MB in the current language."""
    if size < 1024 * 1024:
        return str(_l("%(n)s KB", n=format_decimal(max(1, round(size / 1024)))))
    return str(_l("%(n)s MB", n=format_decimal(round(size / 1024 / 1024, 1))))


def cabinet_endpoint(user: User) -> str:
    """The dashboard endpoint of the user's own cabinet."""
    return f"{user.role.value}.dashboard"


def register(app: Flask) -> None:
    """Install the filters and globals."""
    dates.register(app)
    links.register(app)
    translations.register(app)
    app.add_template_filter(money)
    app.add_template_filter(localized)
    app.add_template_filter(filesize)
    app.add_template_global(current_language)
    app.add_template_global(formatting_tag)
    app.add_template_global(cabinet_endpoint)
    app.add_template_global(generate_csrf, "csrf_token")
    app.add_template_global(LANGUAGES, "LANGUAGES")

    @app.context_processor
    def clinic():
        """The clinic's name for every page."""
        return {"clinic_name": app.config["CLINIC_NAME"]}
