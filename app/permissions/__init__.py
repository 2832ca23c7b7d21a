"""Named permission predicates, one module per resource, used alike by pages, JSON, sockets and file links.

Each list has a set-based twin (a SQL condition: visible_patients, visible_appointments, joinable_chats,
visible_files) that both the list's query and the single-object predicate use, so the two cannot disagree. A rule
that narrows several twins at once is a named condition of its own, joined to each with `&`: open_appointments()
and open_appointment_files() keep sensitive specialties' unshared appointments with their two parties.
"""

from app.permissions.appointment import (
    can_change_status,
    can_view_appointment,
    get_appointment_or_404,
    sees_colleagues_work,
    visible_appointments,
)
from app.permissions.call import (
    call_participants,
    can_answer_call,
    can_see_call,
    can_start_call,
    find_call,
    get_call_or_404,
    is_caller,
)
from app.permissions.chat import (
    can_extend_chat,
    can_join_chat,
    get_chat_appointment_or_404,
    has_chats,
    joinable_chats,
)
from app.permissions.feed import can_rotate_feed
from app.permissions.file import (
    can_mark_lab_result,
    can_upload_file,
    can_view_file,
    get_file_or_404,
    get_markable_file_or_404,
    lab_results,
    markable_files,
    methodologist_files,
    visible_files,
)
from app.permissions.lookup import _get_or_404, admits, parse_uuid
from app.permissions.patient import (
    acts_for,
    can_view_patient,
    default_upload_patient,
    get_patient_or_404,
    represented_ids,
    represented_patients,
    treated_ids,
    treats,
    visible_patients,
)
from app.permissions.sensitive import (
    can_share_appointment,
    is_sensitive,
    open_appointment_files,
    open_appointments,
)

__all__ = [
    "_get_or_404",
    "acts_for",
    "admits",
    "call_participants",
    "can_answer_call",
    "can_change_status",
    "can_extend_chat",
    "can_join_chat",
    "can_mark_lab_result",
    "can_rotate_feed",
    "can_see_call",
    "can_share_appointment",
    "can_start_call",
    "can_upload_file",
    "can_view_appointment",
    "can_view_file",
    "can_view_patient",
    "default_upload_patient",
    "find_call",
    "get_appointment_or_404",
    "get_call_or_404",
    "get_chat_appointment_or_404",
    "get_file_or_404",
    "get_markable_file_or_404",
    "get_patient_or_404",
    "has_chats",
    "is_caller",
    "is_sensitive",
    "joinable_chats",
    "lab_results",
    "markable_files",
    "methodologist_files",
    "open_appointment_files",
    "open_appointments",
    "parse_uuid",
    "represented_ids",
    "represented_patients",
    "sees_colleagues_work",
    "treated_ids",
    "treats",
    "visible_appointments",
    "visible_files",
    "visible_patients",
]
