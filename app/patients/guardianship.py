"""Guardianships: who may act for a patient, recorded by reception with the legal basis, and ended by it."""

import uuid

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from app import audit
from app.extensions import db
from app.models import Guardianship, PatientProfile, User
from app.patients.search import find_patient_account
from app.realtime import withdraw_access
from app.refusals import CONFLICT, Refusal


class GuardianshipRefused(Refusal):
    """A guardian who cannot be recorded, blamed on the e-mail that names them."""

    def __init__(self, code: str, message, status: int | None = None) -> None:
        super().__init__(code, message, status, field="email")


def record_guardian(patient: PatientProfile, email: str, legal_basis: str, recorded_by: User) -> Guardianship:
    """Record the patient account with this e-mail as the patient's guardian on the given legal basis, renewing an
    ended guardianship of the same pair; refused for an unknown account, the patient themself or a current guardian."""
    guardian = find_patient_account(email)
    if guardian is None:
        raise GuardianshipRefused("no_account", _l("There is no patient account with this e-mail."))
    if guardian.id == patient.user_id:
        raise GuardianshipRefused("own_guardian", _l("A patient cannot be their own guardian."))
    link = db.session.scalar(
        sa.select(Guardianship).where(Guardianship.guardian_id == guardian.id, Guardianship.patient_id == patient.id)
    )
    if link is not None and link.active:
        raise GuardianshipRefused("already_recorded", _l("This guardian is already recorded."), CONFLICT)
    if link is None:
        # The pair is unique, so an ended guardianship is renewed rather than recorded twice.
        link = Guardianship(guardian=guardian, patient=patient)
        db.session.add(link)
    link.legal_basis = legal_basis.strip()
    link.recorded_by = recorded_by
    link.active = True
    db.session.commit()
    audit.record("record_guardianship", link, patient, recorded_by)
    return link


def find_guardianship(patient: PatientProfile, guardian_id: uuid.UUID) -> Guardianship | None:
    """The guardianship, current or ended, of the guardian with this public id over the patient."""
    return db.session.scalar(
        sa.select(Guardianship)
        .join(User, User.id == Guardianship.guardian_id)
        .where(Guardianship.patient_id == patient.id, User.public_id == guardian_id)
    )


def end_guardianship(link: Guardianship, ended_by: User) -> bool:
    """End a guardianship so the guardian can no longer act for the patient; False when it had already ended."""
    if not link.active:
        return False
    link.active = False
    db.session.commit()
    audit.record("end_guardianship", link, link.patient, ended_by)
    # Pages and new requests check the guardianship already; open connections must also leave the dependant's
    # chats, in every process, before anything else is sent there.
    withdraw_access(link.guardian_id)
    return True
