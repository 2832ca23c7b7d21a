"""Templates' `_()`, `gettext` and `ngettext`: Flask-Babel's, with the catalog looked up once per rendering.

Why: Flask-Babel's template callables look up the catalog on every string: its Babel context on `g` (three proxy
reads), the domain, then the locale the same way, about 5 µs a string; the patient's cabinet prints 30 to 40 strings
and the doctor's day more (the proxy reads per request doubled when app/i18n.py's catalog cache gave way to
Flask-Babel's own callables, issue 10's bench/RESULTS.md). Here the first string of a rendering fetches the catalog
through Flask-Babel (`get_translations`, so `CatalogDomain` and a request's forced locale still apply) and the rest
of that rendering reuses it. Text and escaping are Jinja's own (its i18n extension wraps these the same way).
"""

from flask import Flask
from flask_babel import get_translations
from jinja2 import pass_context

from app.ui.rendering import rendering_cache


def _catalog(context):
    """This rendering's catalog, fetched through Flask-Babel the first time."""
    cache = rendering_cache(context)
    found = cache.get("catalog")
    if found is None:
        found = cache["catalog"] = get_translations()
    return found


@pass_context
def gettext(context, string: str) -> str:
    """The translation of `string` in the language of this rendering."""
    return _catalog(context).ugettext(string)


@pass_context
def ngettext(context, singular: str, plural: str, n: int) -> str:
    """The singular or plural translation for `n`."""
    return _catalog(context).ungettext(singular, plural, n)


@pass_context
def pgettext(context, message_context: str, string: str) -> str:
    """The translation of `string` in a message context."""
    return _catalog(context).upgettext(message_context, string)


@pass_context
def npgettext(context, message_context: str, singular: str, plural: str, n: int) -> str:
    """The singular or plural translation for `n` in a message context."""
    return _catalog(context).unpgettext(message_context, singular, plural, n)


def register(app: Flask) -> None:
    """Replace the callables Flask-Babel installed (after babel.init_app)."""
    app.jinja_env.install_gettext_callables(
        gettext=gettext, ngettext=ngettext, pgettext=pgettext, npgettext=npgettext, newstyle=True
    )
