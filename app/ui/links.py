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

# Werkzeug's quoting of a path segment (BaseConverter.to_url) and of a query value (urls._urlencode).
_SAFE_IN_PATH = "!$&'()*+,/:;=@"
_SAFE_IN_QUERY = "!$'()*,/:;?@"
_SIMPLE = (str, int, uuid.UUID)
# Per app (its Jinja environment): (script root, endpoint, argument names) -> pattern; bounded by the routes and
# the templates that link to them.
_PATTERNS = "_clinic_url_patterns"


def _placeholder(n: int) -> str:
    """A value no quoting changes and no real URL contains."""
    return f"QQURLSLOT{n}QQ"


def _pattern(endpoint: str, names: tuple[str, ...]) -> Callable[[tuple], str] | None:
    """A function filling the URL of `endpoint` with values for `names`, or None when Flask must build each."""
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
            if not isinstance(value, uuid.UUID | int):
                text = quote_plus(text, safe=_SAFE_IN_QUERY) if in_query[n] else quote(text, safe=_SAFE_IN_PATH)
            out.append(text)
            out.append(parts[n + 1])
        return "".join(out)

    return fill


@pass_context
def url_for(context, endpoint: str, **values) -> str:
    """Flask's url_for, with each shape of link routed once per process and mount point."""
    if endpoint.startswith(".") or any(name.startswith("_") for name in values):
        return flask_url_for(endpoint, **values)
    if not all(isinstance(value, _SIMPLE) and not isinstance(value, bool) and value != "" for value in values.values()):
        return flask_url_for(endpoint, **values)
    request = context.get("request")
    if request is None:
        return flask_url_for(endpoint, **values)
    patterns = context.environment.__dict__.setdefault(_PATTERNS, {})
    # Relative links depend on the mount point alone (no host or scheme in them).
    key = (request.script_root, endpoint, tuple(values))
    if key not in patterns:
        patterns[key] = _pattern(endpoint, key[2])
    fill = patterns[key]
    return flask_url_for(endpoint, **values) if fill is None else fill(tuple(values.values()))


def register(app: Flask) -> None:
    """Install this url_for for templates (Flask put its own in the Jinja globals)."""
    app.jinja_env.globals["url_for"] = url_for
