"""Sign-in, sign-out, self-registration of patients and password change."""

from flask import Blueprint

bp = Blueprint("auth", __name__)

from app.auth import views  # noqa: E402,F401  (routes attach to bp)
