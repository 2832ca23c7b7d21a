"""The doctor's cabinet."""

from flask import Blueprint

from app.models import Role
from roles.gate import guard_blueprint

bp = Blueprint("doctor", __name__)
guard_blueprint(bp, Role.DOCTOR)

from roles.doctor import chat, files, views  # noqa: E402,F401  (routes attach to bp)
