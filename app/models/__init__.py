"""All models, imported here so that Alembic and the app see the whole schema."""

from app.models.appointment import ACTIVE_STATUSES, RESCHEDULED, Appointment, AppointmentStatus, Intake
from app.models.audit import AuditEvent
from app.models.call import LIVE_STATES, Call, CallState
from app.models.chat import ChatMessage, ChatReadMark, ChatThread, MessageKind
from app.models.doctor_patient import DoctorPatient
from app.models.invitation import Invitation, invitation_specialty
from app.models.patient import Guardianship, PatientProfile, Sex
from app.models.registration import PendingRegistration
from app.models.reminder import ReminderDelivery
from app.models.schedule import ExceptionKind, ScheduleException, WorkingInterval
from app.models.service import Service, ServiceKind
from app.models.specialist import SpecialistProfile, Specialty, specialist_specialty
from app.models.stored_file import FileKind, StoredFile
from app.models.user import STAFF_ROLES, Role, User, normalise_email

__all__ = [
    "ACTIVE_STATUSES",
    "LIVE_STATES",
    "RESCHEDULED",
    "STAFF_ROLES",
    "Appointment",
    "AppointmentStatus",
    "AuditEvent",
    "Call",
    "CallState",
    "ChatMessage",
    "ChatReadMark",
    "ChatThread",
    "DoctorPatient",
    "ExceptionKind",
    "FileKind",
    "Guardianship",
    "Intake",
    "Invitation",
    "MessageKind",
    "PatientProfile",
    "PendingRegistration",
    "ReminderDelivery",
    "Role",
    "ScheduleException",
    "Service",
    "ServiceKind",
    "Sex",
    "SpecialistProfile",
    "Specialty",
    "StoredFile",
    "User",
    "WorkingInterval",
    "invitation_specialty",
    "normalise_email",
    "specialist_specialty",
]
