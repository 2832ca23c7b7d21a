"""iCalendar export: the doctor's secret feed and single-appointment downloads."""

from flask import Blueprint

bp = Blueprint("calendar", __name__)

from app.calendar import views  # noqa: E402,F401  (routes attach to bp)
