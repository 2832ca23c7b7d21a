"""URL helpers shared by blueprints."""

from urllib.parse import urlsplit

from flask import current_app


def safe_next(target: str | None, default: str) -> str:
    """Accept only a local path as a redirect target, so sign-in cannot bounce users to another site."""
    if not target:
        return default
    parts = urlsplit(target)
    # Backslashes are treated as slashes by some browsers ("/\\evil.example"), so refuse them outright.
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    return target


def public_base_url() -> str:
    """The clinic's address as patients reach it, for links made outside a request (e-mails, calendar UIDs)."""
    return current_app.config["PUBLIC_URL"]
