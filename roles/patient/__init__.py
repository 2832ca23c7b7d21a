"""The patient's cabinet."""

from flask import Blueprint

from app.gate import guard_blueprint
from app.models import Role

bp = Blueprint("patient", __name__)
guard_blueprint(bp, Role.PATIENT)

from roles.patient import booking, chat, sharing, views  # noqa: E402,F401  (routes attach to bp)
