"""Calendar feeds: only a doctor with a specialist profile has a feed address to replace."""

from app.permissions import can_rotate_feed
from tests.permissions.agreement import USERS


def test_only_doctors_rotate_a_feed(clinic, client, login_as):
    """Doctors may replace their feed address; anyone else is refused by the rotation route with 403."""
    allowed = {who for who in USERS if can_rotate_feed(clinic.users[who])}
    assert allowed == {"own_doctor", "colleague", "restricted_doctor", "other_doctor"}
    login_as(clinic.users["reception"].role, clinic.users["reception"])
    assert client.submit("/calendar/feed/rotate").status_code == 403
