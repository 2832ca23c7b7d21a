"""The doctor–patient link: one row per doctor and patient who share at least one appointment, kept by the database.

Why a table of its own: the doctor's patient list pages through a doctor's patients by name, filtered by a search.
Found through the appointments, that meant the search's matches across the whole clinic (thousands for a common
surname) joined with every appointment of the doctor, then sorted, on every page after the first (bench/RESULTS.md:
"same search, page 2"). Here the doctor's patients are one index range, in name order, with the searchable text
beside the name.

Written only by triggers (migration 0013, on PostgreSQL and SQLite alike): an appointment inserted, or
moved to another doctor or patient, adds its pair; an appointment deleted, or moved away, removes the pair when the
pair has no appointment left; a patient's edit copies their names and search text to their rows. The app never
writes it, so an insert made without the ORM (a bulk load, a migration) keeps it in step as well.
"""

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db


class DoctorPatient(db.Model):
    """A doctor and a patient with at least one appointment together (any status), with the patient's names and
    search text as the patient list sorts and filters them."""

    __tablename__ = "doctor_patient"
    __table_args__ = (
        # The doctor's patients in the list's order (surname, first name, then the patient's id), with the search
        # text in the index itself: a search walks the doctor's range in order and stops once the page is full,
        # never reading the table (PostgreSQL's index-only scan; a covering index on SQLite). A trigram index that
        # held the doctor too (btree_gin) was slower for common trigrams (11 ms for "patient123@" against 1.6 ms)
        # and gives no order.
        sa.Index("ix_doctor_patient_names", "doctor_id", "last_name", "first_name", "patient_id", "search_text"),
    )

    doctor_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), primary_key=True)
    patient_id: Mapped[int] = mapped_column(
        sa.ForeignKey("patient_profile.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    # Copies of PatientProfile's columns of the same names.
    last_name: Mapped[str] = mapped_column(sa.String(100))
    first_name: Mapped[str] = mapped_column(sa.String(100))
    search_text: Mapped[str] = mapped_column(sa.String(600))
