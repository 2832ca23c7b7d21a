"""The doctor's cabinet."""

from flask import Blueprint

from app.gate import guard_blueprint
from app.models import Role

bp = Blueprint("doctor", __name__)
guard_blueprint(bp, Role.DOCTOR)

from roles.doctor import chat, files, views  # noqa: E402,F401  (routes attach to bp)
