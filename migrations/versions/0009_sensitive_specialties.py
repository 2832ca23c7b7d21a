"""sensitive specialties and appointments shared by the patient

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('specialty', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sensitive', sa.Boolean(), server_default=sa.false(), nullable=False))
    with op.batch_alter_table('appointment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('shared_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('shared_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f('fk_appointment_shared_by_id_user'), 'user', ['shared_by_id'], ['id'], ondelete='SET NULL'
        )
    # A clinic that already has psychology keeps it with its specialists from now on; the admin can change that.
    op.execute(
        sa.text("UPDATE specialty SET sensitive = :yes WHERE slug IN ('psychology', 'psychologist')").bindparams(
            yes=True
        )
    )


def downgrade():
    with op.batch_alter_table('appointment', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_appointment_shared_by_id_user'), type_='foreignkey')
        batch_op.drop_column('shared_by_id')
        batch_op.drop_column('shared_at')
    with op.batch_alter_table('specialty', schema=None) as batch_op:
        batch_op.drop_column('sensitive')
