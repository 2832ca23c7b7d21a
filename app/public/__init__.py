"""Public pages: the clinic, its specialists and prices."""

from flask import Blueprint

bp = Blueprint("public", __name__)

from app.public import views  # noqa: E402,F401  (routes attach to bp)
