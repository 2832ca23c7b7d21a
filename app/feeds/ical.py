"""iCalendar files of appointments, built with the icalendar library (never by hand: escaping and folding are subtle)."""

from collections.abc import Iterable
from datetime import timedelta
from urllib.parse import urlsplit

from flask_babel import gettext as _
from icalendar import Calendar, Event

from app.clock import utcnow
from app.models import Appointment, AppointmentStatus
from app.urls import public_base_url

PRODID = "-//Clinic telemedicine suite//Appointments//EN"
# How far back and ahead a doctor's feed reaches: enough to look back on last month and plan the quarter.
FEED_PAST = timedelta(days=30)
FEED_AHEAD = timedelta(days=90)
# Calendar apps poll subscriptions on their own schedule; this asks them to do it often enough to matter.
FEED_REFRESH = timedelta(minutes=15)


def uid_domain() -> str:
    """The clinic's host name, the right-hand side of every event UID (RFC 5545 asks for a domain there)."""
    return urlsplit(public_base_url()).hostname or "localhost"


def event_uid(appointment: Appointment) -> str:
    """The same UID in the feed and in single downloads, so calendar apps update an event instead of doubling it."""
    return f"{appointment.public_id}@{uid_domain()}"


def appointment_event(appointment: Appointment, summary: str, details: Iterable[str], url: str | None) -> Event:
    """One VEVENT in UTC; booked appointments are tentative until the clinic confirms them."""
    status = "TENTATIVE" if appointment.status == AppointmentStatus.BOOKED else "CONFIRMED"
    lines = [*details, *([_("Open in the clinic: %(url)s", url=url)] if url else [])]
    return Event.new(
        uid=event_uid(appointment),
        start=appointment.starts_at,
        end=appointment.ends_at,
        stamp=utcnow(),
        summary=summary,
        description="\n".join(lines),
        status=status,
        url=url,
    )


def calendar(uid: str, events: Iterable[Event], name: str | None = None, feed: bool = False) -> bytes:
    """A whole VCALENDAR as bytes; a feed also tells subscribers how often to refresh."""
    cal = Calendar.new(prodid=PRODID, method="PUBLISH", uid=f"{uid}@{uid_domain()}", name=name)
    if feed:
        cal.add("refresh-interval", FEED_REFRESH, parameters={"VALUE": "DURATION"})
        # Apple Calendar and Outlook read this older, non-standard twin of REFRESH-INTERVAL.
        cal.add("x-published-ttl", "PT15M")
    for event in events:
        cal.add_component(event)
    return cal.to_ical()
