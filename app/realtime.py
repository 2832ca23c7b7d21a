"""Personal rooms: one per signed-in user, holding every connection of theirs from any page of any role.

Every signed-in page opens one Socket.IO connection (app/static/js/realtime.js) to the namespace below; on connect
the server puts it in its user's room. Whatever must reach a person rather than a conversation goes through
`emit_to_user`: the chat's unread counts and window changes now, calls (an incoming call) and labs (a released
result) next. Room names are built here, on the server, from the signed-in user; a client never names a room.
Across processes the emit travels through the Socket.IO message queue (Redis) like any other.
"""

from flask_login import current_user
from flask_socketio import join_room

from app.extensions import socketio
from app.models import User

# The namespace every signed-in page connects to. It is the chat's for historical reasons (docs/realtime.md);
# other features' namespaces (/call) share the same underlying connection when a page opens them.
PERSONAL_NAMESPACE = "/chat"


def user_room(user: User | int) -> str:
    """The room holding every connection of one user (a User or its primary key)."""
    user_id = user if isinstance(user, int) else user.id
    return f"user:{user_id}"


def join_personal_room() -> None:
    """Put the connecting socket in the signed-in user's room (call from a namespace's on_connect)."""
    join_room(user_room(current_user))


def emit_to_user(user_or_id: User | int, event: str, payload, namespace: str = PERSONAL_NAMESPACE) -> None:
    """Send an event to every open page of one user, in this process or any other."""
    socketio.emit(event, payload, to=user_room(user_or_id), namespace=namespace)
