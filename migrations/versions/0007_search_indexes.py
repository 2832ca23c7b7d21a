"""search indexes: trigram patient search, a doctor's active appointments and services

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

ACTIVE = sa.text("status IN ('booked', 'confirmed', 'in_progress')")


def upgrade():
    with op.batch_alter_table('appointment', schema=None) as batch_op:
        batch_op.create_index('ix_appointment_doctor_service', ['doctor_id', 'service_id'], unique=False)
        batch_op.create_index(
            'ix_appointment_doctor_active_ends', ['doctor_id', 'ends_at', 'patient_id', 'starts_at'], unique=False,
            postgresql_where=ACTIVE, sqlite_where=ACTIVE,
        )
    if op.get_bind().dialect.name == "postgresql":
        # pg_trgm is a trusted extension (PostgreSQL 13+): the database owner may create it, like btree_gist (0003).
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.create_index(
            'ix_patient_profile_search_trgm', 'patient_profile', ['search_text'], unique=False,
            postgresql_using='gin', postgresql_ops={'search_text': 'gin_trgm_ops'},
        )


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index('ix_patient_profile_search_trgm', table_name='patient_profile')
    with op.batch_alter_table('appointment', schema=None) as batch_op:
        batch_op.drop_index('ix_appointment_doctor_active_ends')
        batch_op.drop_index('ix_appointment_doctor_service')
