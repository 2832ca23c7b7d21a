"""The patient's cabinet."""

from flask import Blueprint

from app.models import Role
from roles.gate import guard_blueprint

bp = Blueprint("patient", __name__)
guard_blueprint(bp, Role.PATIENT)

from roles.patient import booking, chat, sharing, views  # noqa: E402,F401  (routes attach to bp)
