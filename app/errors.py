"""Error pages and JSON errors; bad input never surfaces as a bare 500."""

from flask import Flask, jsonify, render_template, request
from flask_babel import gettext as _
from flask_limiter.errors import RateLimitExceeded
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from app.extensions import db
from app.refusals import Refusal


def _wants_json() -> bool:
    """API and fetch clients get JSON errors; browsers get pages."""
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return request.path.startswith("/api/") or request.is_json or best == "application/json"


def _messages() -> dict[int, str]:
    """The user-facing explanation for each status, in the current language."""
    return {
        400: _("The request could not be understood."),
        403: _("You do not have access to this page."),
        404: _("This page does not exist or is not available to you."),
        405: _("This action is not allowed here."),
        413: _("The file is too large."),
        429: _("Too many attempts. Please wait and try again."),
        500: _("Something went wrong on our side. Please try again later."),
        503: _("The service is temporarily unavailable. Please try again later."),
    }


def render_error(status: int, message: str | None = None, code: str | None = None):
    """Render an error as a page or JSON with the given status (and a refusal's stable code for API clients)."""
    message = message or _messages().get(status, _messages()[500])
    if _wants_json():
        body = {"error": message, "status": status}
        if code is not None:
            body["code"] = code
        return jsonify(body), status
    return render_template("errors/error.html", status=status, message=message), status


def refusal_response(refusal: Refusal):
    """A refusal as JSON {error, code, status} for API and fetch clients, or as the error page for browsers."""
    return render_error(refusal.status, str(refusal), refusal.code)


def _holds_nul(pairs) -> bool:
    """Some key or text value of (key, value) pairs holds a NUL character."""
    return any("\x00" in key or (isinstance(value, str) and "\x00" in value) for key, value in pairs)


def _malformed_body() -> bool:
    """Input no route can take: a NUL character (PostgreSQL text cannot hold one, and no person types it) in the
    query or the form, or a JSON body that is not an object of strings (Flask-WTF reads JSON as form data)."""
    if _holds_nul(request.args.items(multi=True)):
        return True
    if request.is_json:
        body = request.get_json(silent=True)
        if not isinstance(body, dict) or not all(isinstance(value, str) for value in body.values()):
            return True
        return _holds_nul(body.items())
    # Multipart bodies are uploads, streamed by their view under its own limits: never parsed here.
    if request.mimetype != "application/x-www-form-urlencoded":
        return False
    return _holds_nul(request.form.items(multi=True))


def register(app: Flask) -> None:
    """Install the error handlers, and the check that refuses malformed input before any view reads it."""

    @app.before_request
    def refuse_malformed_input():
        """Answer 400 to input no route can take, rather than let it reach a query."""
        if _malformed_body():
            return render_error(400)

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        """A missing or stale CSRF token: ask to reload the form."""
        return render_error(400, _("The form has expired or was sent from elsewhere. Reload the page and try again."))

    @app.errorhandler(RateLimitExceeded)
    def too_many(error):
        """Throttled requests get a plain explanation; the sign-in form keeps its own page."""
        if request.endpoint == "auth.login":
            from app.auth.views import login_throttled

            return login_throttled()
        return render_error(429)

    @app.errorhandler(Refusal)
    def refused(refusal):
        """A refusal no view answered itself: its message with its status."""
        return refusal_response(refusal)

    @app.errorhandler(HTTPException)
    def http_error(error):
        """Every other HTTP error as a page in the house style."""
        return render_error(error.code or 500)

    @app.errorhandler(500)
    def internal_error(error):
        """Roll back a half-done transaction so the next request starts clean."""
        db.session.rollback()
        return render_error(500)
