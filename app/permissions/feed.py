"""Who has a calendar feed to give a new address."""

from app.models import Role, User


def can_rotate_feed(user: User) -> bool:
    """May replace their own feed address: a doctor with a specialist profile (the feed hangs on the profile)."""
    return user.role == Role.DOCTOR and user.specialist_profile is not None
