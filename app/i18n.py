"""Interface language and timezone: selection, the header switcher and display helpers."""

from flask import Blueprint, current_app, has_request_context, redirect, request, session
from flask_babel import Domain, get_locale
from flask_login import current_user

from app.extensions import db
from app.urls import safe_next

LANGUAGES = {"en": "English", "ru": "Русский"}

bp = Blueprint("i18n", __name__)


# The Babel locale each interface language formats dates, times and numbers with. English writes them the British
# way (3 December 2026, 03/12/2026, 14:30): the clinic's English readers are not in the US, and "12/3/26, 2:30 PM"
# reads as 12 March to them. Messages still come from the language's own catalog (gettext falls back en_GB -> en).
FORMAT_LOCALES = {"en": "en_GB", "ru": "ru"}


def formatting_locale(language: str) -> str:
    """The locale to render in for an interface language (a key of LANGUAGES)."""
    return FORMAT_LOCALES.get(language, language)


def select_locale() -> str:
    """The user's own setting, then the switcher's choice, then the browser's Accept-Language."""
    default = current_app.config["BABEL_DEFAULT_LOCALE"]
    if not has_request_context():
        return formatting_locale(default)  # CLI and background work choose per recipient
    if current_user.is_authenticated and current_user.locale in LANGUAGES:
        return formatting_locale(current_user.locale)
    if session.get("locale") in LANGUAGES:
        return formatting_locale(session["locale"])
    return formatting_locale(request.accept_languages.best_match(list(LANGUAGES)) or default)


def select_timezone() -> str:
    """Times are shown in the signed-in user's timezone, else the clinic's."""
    if has_request_context() and current_user.is_authenticated and current_user.timezone:
        return current_user.timezone
    return current_app.config["BABEL_DEFAULT_TIMEZONE"]


def formatting_tag() -> str:
    """The BCP 47 tag of the locale this response formats dates in ("en-GB", "ru"), for scripts' Intl formatters."""
    return str(get_locale() or formatting_locale(current_app.config["BABEL_DEFAULT_LOCALE"])).replace("_", "-")


def current_language() -> str:
    """The two-letter code of the language this response is rendered in."""
    return str(get_locale() or current_app.config["BABEL_DEFAULT_LOCALE"])[:2]


class CatalogDomain(Domain):
    """Flask-Babel's message domain, with each locale's catalog kept by the locale itself.

    Why: Domain.get_translations finds the request context and the locale again and spells the locale's name on
    every string: 19 µs, against 6 µs here (measured in a request, bench/RESULTS.md, 2026-12-03); a page prints 50
    to 100 strings (its own and the status labels of its rows). Every gettext goes through here: templates' `_()`
    as Flask-Babel installs it, `gettext`, and the lazy strings of the enums' labels.
    """

    def __init__(self):
        super().__init__()
        self._catalogs: dict = {}

    def get_translations(self):
        """The current locale's catalog (Flask-Babel's own lookup the first time, and outside a request)."""
        locale = get_locale()
        if locale is None:
            return super().get_translations()
        found = self._catalogs.get(locale)
        if found is None:
            found = self._catalogs[locale] = super().get_translations()
        return found


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
