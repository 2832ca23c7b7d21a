"""pending registrations: what a self-registration form said, until its e-mailed link is opened

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'pending_registration',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('token_digest', sa.String(length=64), nullable=False),
        sa.Column('email', sa.String(length=254), nullable=False),
        sa.Column('details', sa.JSON(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_pending_registration')),
        sa.UniqueConstraint('token_digest', name=op.f('uq_pending_registration_token_digest')),
    )
    op.create_index(op.f('ix_pending_registration_email'), 'pending_registration', ['email'], unique=False)
    op.create_index(op.f('ix_pending_registration_expires_at'), 'pending_registration', ['expires_at'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_pending_registration_expires_at'), table_name='pending_registration')
    op.drop_index(op.f('ix_pending_registration_email'), table_name='pending_registration')
    op.drop_table('pending_registration')
