"""iCalendar export: the doctor's secret feed and single-appointment downloads."""

from flask import Blueprint

bp = Blueprint("calendar", __name__)
