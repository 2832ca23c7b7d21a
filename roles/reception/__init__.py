"""The reception back office."""

from flask import Blueprint

from app.gate import guard_blueprint
from app.models import Role

bp = Blueprint("reception", __name__)
guard_blueprint(bp, Role.RECEPTION)

from roles.reception import board, booking, registry, schedule  # noqa: E402,F401  (routes attach to bp)
