"""Interface language and timezone: selection, the header switcher and display helpers."""

from flask import Blueprint, Flask, current_app, has_request_context, redirect, request, session
from flask_babel import get_locale, get_translations
from flask_login import current_user

from app.extensions import db
from app.urls import safe_next

LANGUAGES = {"en": "English", "ru": "Русский"}

bp = Blueprint("i18n", __name__)


def select_locale() -> str:
    """The user's own setting, then the switcher's choice, then the browser's Accept-Language."""
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]  # CLI and background work choose per recipient
    if current_user.is_authenticated and current_user.locale in LANGUAGES:
        return current_user.locale
    if session.get("locale") in LANGUAGES:
        return session["locale"]
    return request.accept_languages.best_match(list(LANGUAGES)) or current_app.config["BABEL_DEFAULT_LOCALE"]


def select_timezone() -> str:
    """Times are shown in the signed-in user's timezone, else the clinic's."""
    if has_request_context() and current_user.is_authenticated and current_user.timezone:
        return current_user.timezone
    return current_app.config["BABEL_DEFAULT_TIMEZONE"]


def current_language() -> str:
    """The two-letter code of the language this response is rendered in."""
    return str(get_locale() or current_app.config["BABEL_DEFAULT_LOCALE"])[:2]


def install_template_gettext(app: Flask) -> None:
    """Give templates gettext through a catalog per locale kept for the app's life, like Flask-Babel's own cache.

    Flask-Babel's callables look up the domain, context and cache on every string (~11 µs); pages print dozens.
    The locale is still read on every call, so force_locale blocks translate as before.
    """
    catalogs: dict = {}

    def catalog():
        """The current locale's translations."""
        locale = get_locale()
        if locale is None:
            return get_translations()  # outside a request: Flask-Babel's null translations
        found = catalogs.get(locale)
        if found is None:
            found = catalogs[locale] = get_translations()
        return found

    app.jinja_env.install_gettext_callables(
        gettext=lambda s: catalog().ugettext(s),
        ngettext=lambda s, p, n: catalog().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: catalog().upgettext(c, s),
        npgettext=lambda c, s, p, n: catalog().unpgettext(c, s, p, n),
    )


@bp.post("/locale")
def switch_locale():
    """Switch the interface language from the header; remembered on the account when signed in."""
    language = request.form.get("language", "")
    if language in LANGUAGES:
        session["locale"] = language
        if current_user.is_authenticated:
            current_user.locale = language
            db.session.commit()
    return redirect(safe_next(request.form.get("next"), default="/"))
