"""doctor-patient link for the doctor's patient list, kept in step by triggers, filled from the appointments

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

# app/models/doctor_patient.py says what the table holds. The app never writes it: these triggers do, so every
# writer (the app, a bulk load, a later migration) keeps it in step.
#
# PostgreSQL, with concurrent writers: a new pair reads the patient's names FOR SHARE, so a booking and an edit of the
# same patient at once are ordered (without the lock the booking could copy the names the edit is replacing, and the
# edit's UPDATE, which cannot see the booking's uncommitted row, would leave it stale). A pair already linked takes no
# lock. The app never deletes appointments nor moves them between doctors or patients; the triggers handle both so the
# table stays exact under any writer, serially (a delete racing a booking of the same pair could drop a link).
POSTGRESQL = [
    """
    CREATE FUNCTION doctor_patient_from_appointment() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP <> 'INSERT' AND (TG_OP = 'DELETE' OR OLD.doctor_id <> NEW.doctor_id OR OLD.patient_id <> NEW.patient_id)
        THEN
            DELETE FROM doctor_patient l
            WHERE l.doctor_id = OLD.doctor_id AND l.patient_id = OLD.patient_id
              AND NOT EXISTS (
                  SELECT 1 FROM appointment a WHERE a.doctor_id = OLD.doctor_id AND a.patient_id = OLD.patient_id
              );
        END IF;
        IF TG_OP <> 'DELETE' AND NOT EXISTS (
            SELECT 1 FROM doctor_patient l WHERE l.doctor_id = NEW.doctor_id AND l.patient_id = NEW.patient_id
        ) THEN
            INSERT INTO doctor_patient (doctor_id, patient_id, last_name, first_name, search_text)
            SELECT NEW.doctor_id, p.id, p.last_name, p.first_name, p.search_text
            FROM patient_profile p WHERE p.id = NEW.patient_id
            FOR SHARE
            ON CONFLICT (doctor_id, patient_id) DO NOTHING;
        END IF;
        RETURN NULL;
    END
    $$
    """,
    """
    CREATE TRIGGER tr_appointment_doctor_patient
    AFTER INSERT OR DELETE OR UPDATE OF doctor_id, patient_id ON appointment
    FOR EACH ROW EXECUTE FUNCTION doctor_patient_from_appointment()
    """,
    """
    CREATE FUNCTION doctor_patient_from_patient() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE doctor_patient
        SET last_name = NEW.last_name, first_name = NEW.first_name, search_text = NEW.search_text
        WHERE patient_id = NEW.id;
        RETURN NULL;
    END
    $$
    """,
    """
    CREATE TRIGGER tr_patient_profile_doctor_patient
    AFTER UPDATE OF last_name, first_name, search_text ON patient_profile
    FOR EACH ROW
    WHEN (OLD.last_name IS DISTINCT FROM NEW.last_name OR OLD.first_name IS DISTINCT FROM NEW.first_name
          OR OLD.search_text IS DISTINCT FROM NEW.search_text)
    EXECUTE FUNCTION doctor_patient_from_patient()
    """,
]

# SQLite has one writer at a time, so plain statements suffice.
_LINK_NEW = """
    INSERT OR IGNORE INTO doctor_patient (doctor_id, patient_id, last_name, first_name, search_text)
    SELECT NEW.doctor_id, p.id, p.last_name, p.first_name, p.search_text FROM patient_profile p WHERE p.id = NEW.patient_id;
"""
_UNLINK_OLD = """
    DELETE FROM doctor_patient
    WHERE doctor_id = OLD.doctor_id AND patient_id = OLD.patient_id
      AND NOT EXISTS (SELECT 1 FROM appointment a WHERE a.doctor_id = OLD.doctor_id AND a.patient_id = OLD.patient_id);
"""
SQLITE = [
    f"CREATE TRIGGER tr_appointment_doctor_patient_insert AFTER INSERT ON appointment BEGIN {_LINK_NEW} END",
    f"""
    CREATE TRIGGER tr_appointment_doctor_patient_move AFTER UPDATE OF doctor_id, patient_id ON appointment
    BEGIN {_UNLINK_OLD} {_LINK_NEW} END
    """,
    f"CREATE TRIGGER tr_appointment_doctor_patient_delete AFTER DELETE ON appointment BEGIN {_UNLINK_OLD} END",
    """
    CREATE TRIGGER tr_patient_profile_doctor_patient AFTER UPDATE OF last_name, first_name, search_text ON patient_profile
    BEGIN
        UPDATE doctor_patient SET last_name = NEW.last_name, first_name = NEW.first_name, search_text = NEW.search_text
        WHERE patient_id = NEW.id;
    END
    """,
]

BACKFILL = """
    INSERT INTO doctor_patient (doctor_id, patient_id, last_name, first_name, search_text)
    SELECT pair.doctor_id, p.id, p.last_name, p.first_name, p.search_text
    FROM (SELECT DISTINCT doctor_id, patient_id FROM appointment) pair
    JOIN patient_profile p ON p.id = pair.patient_id
"""


def upgrade():
    op.create_table(
        "doctor_patient",
        sa.Column("doctor_id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("last_name", sa.String(length=100), nullable=False),
        sa.Column("first_name", sa.String(length=100), nullable=False),
        sa.Column("search_text", sa.String(length=600), nullable=False),
        sa.ForeignKeyConstraint(
            ["doctor_id"], ["user.id"], name=op.f("fk_doctor_patient_doctor_id_user"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["patient_profile.id"],
            name=op.f("fk_doctor_patient_patient_id_patient_profile"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("doctor_id", "patient_id", name=op.f("pk_doctor_patient")),
    )
    # Triggers first, then the backfill: on PostgreSQL, CREATE TRIGGER locks out writers to the appointments until
    # this migration commits, so no booking falls between the two.
    for statement in POSTGRESQL if op.get_bind().dialect.name == "postgresql" else SQLITE:
        op.execute(statement)
    op.execute(BACKFILL)
    op.create_index(
        "ix_doctor_patient_names",
        "doctor_patient",
        ["doctor_id", "last_name", "first_name", "patient_id", "search_text"],
    )
    op.create_index(op.f("ix_doctor_patient_patient_id"), "doctor_patient", ["patient_id"])


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER tr_patient_profile_doctor_patient ON patient_profile")
        op.execute("DROP TRIGGER tr_appointment_doctor_patient ON appointment")
        op.execute("DROP FUNCTION doctor_patient_from_patient()")
        op.execute("DROP FUNCTION doctor_patient_from_appointment()")
    else:
        for name in ("insert", "move", "delete"):
            op.execute(f"DROP TRIGGER tr_appointment_doctor_patient_{name}")
        op.execute("DROP TRIGGER tr_patient_profile_doctor_patient")
    op.drop_table("doctor_patient")
