"""`url_for` in templates, routing each (endpoint, argument names) once per process and mount point.

Why: Flask's url_for reads the request and the app through context proxies and runs Werkzeug's builder on every
call, about 9 µs; the doctor's patient list prints 50 appointment links and the day a dozen (measured: the list's
app CPU was 2 ms a request above the cached builder this replaces, bench/RESULTS.md 2026-12-03). Here the first
link of a shape is built by Flask's url_for with placeholders, and every later one fills the same pattern, quoting each value as Werkzeug's default converter (path) or query encoder does. Anything unusual (an
argument starting with "_", a value that is not text, a number or a UUID, a relative endpoint, a route whose
converter refuses the placeholder) goes to Flask's url_for itself. tests/app/test_links.py compares the two.
"""

import uuid
from collections.abc import Callable
from urllib.parse import quote, quote_plus

from flask import Flask
from flask import url_for as flask_url_for
from jinja2 import pass_context
from werkzeug.routing import BuildError

from app.ui.rendering import rendering_cache

# Werkzeug's quoting of a path segment (BaseConverter.to_url) and of a query value (urls._urlencode).
_SAFE_IN_PATH = "!$&'()*+,/:;=@"
_SAFE_IN_QUERY = "!$'()*,/:;?@"
_SIMPLE = frozenset((str, int, uuid.UUID))
# Per app (its Jinja environment): script root -> (endpoint, argument names) -> pattern; bounded by the routes and
# the templates that link to them.
_PATTERNS = "_clinic_url_patterns"
_UNSEEN = object()


def _placeholder(n: int) -> str:
    """A value no quoting changes and no real URL contains."""
    return f"QQURLSLOT{n}QQ"


def _pattern(endpoint: str, names: tuple[str, ...]) -> Callable[[tuple], str] | None:
    """A function filling the URL of `endpoint` with values for `names`, or None when Flask must build each."""
    if endpoint.startswith(".") or any(name.startswith("_") for name in names):
        return None  # relative to the current blueprint, or Flask's own options (_external, _anchor...)
    try:
        template = flask_url_for(endpoint, **{name: _placeholder(n) for n, name in enumerate(names)})
    except BuildError:
        return None  # a converter (int, uuid...) refused the placeholder
    parts, in_query = [], []
    rest = template
    for n in range(len(names)):
        before, found, rest = rest.partition(_placeholder(n))
        if not found:
            return None  # the value does not appear as given (a converter rewrote it)
        parts.append(before)
        in_query.append("?" in "".join(parts))
    parts.append(rest)

    def fill(values: tuple) -> str:
        """The URL for one set of values, in the order of `names`."""
        out = [parts[0]]
        for n, value in enumerate(values):
            text = str(value)
            if type(value) is str:  # numbers and UUIDs need no quoting
                text = quote_plus(text, safe=_SAFE_IN_QUERY) if in_query[n] else quote(text, safe=_SAFE_IN_PATH)
            out.append(text)
            out.append(parts[n + 1])
        return "".join(out)

    return fill


@pass_context
def url_for(context, endpoint: str, **values) -> str:
    """Flask's url_for, with each shape of link routed once per process and mount point."""
    cache = rendering_cache(context)
    patterns = cache.get("url_patterns", _UNSEEN)
    if patterns is _UNSEEN:
        patterns = cache["url_patterns"] = _patterns_for(context)
    if patterns is None:
        return flask_url_for(endpoint, **values)
    key = (endpoint, tuple(values))
    fill = patterns.get(key, _UNSEEN)
    if fill is _UNSEEN:
        fill = patterns[key] = _pattern(endpoint, key[1])
    if fill is None:
        return flask_url_for(endpoint, **values)
    given = tuple(values.values())
    for value in given:
        # The exact types (a bool is an int, a Markup a str: Flask writes those its own way); an empty text too.
        kind = type(value)
        if kind not in _SIMPLE or (kind is str and not value):
            return flask_url_for(endpoint, **values)
    return fill(given)


def _patterns_for(context) -> dict | None:
    """The patterns of the app rendering `context` at this request's mount point (relative links depend on it
    alone: no host or scheme in them); None outside a request."""
    request = context.get("request")
    if request is None:
        return None
    by_mount_point = context.environment.__dict__.setdefault(_PATTERNS, {})
    return by_mount_point.setdefault(request.script_root, {})


def register(app: Flask) -> None:
    """Install this url_for for templates (Flask put its own in the Jinja globals)."""
    app.jinja_env.globals["url_for"] = url_for
