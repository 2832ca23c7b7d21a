"""Headers every answer gets: signed-in pages and answers, which carry patient data, are never kept by a cache."""

from flask import Flask, request
from flask_login import current_user

# Neither the browser's back-button cache nor a shared proxy may keep a copy of what a signed-in user saw.
NO_STORE = "no-store"


def register(app: Flask) -> None:
    """Install the header hook."""

    @app.after_request
    def no_store_when_signed_in(response):
        """Mark every answer to a signed-in user no-store; static assets keep their own caching."""
        if request.endpoint == "static" or NO_STORE in response.headers.get("Cache-Control", ""):
            return response
        if current_user.is_authenticated:
            response.headers["Cache-Control"] = NO_STORE
        return response
