"""a chat attachment marked as a lab result: when and by whom

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
    # No backfill: chat files sent before this revision were never marked, and the methodologist must not get
    # every chat file back silently. Marking starts empty.
    with op.batch_alter_table('stored_file', schema=None) as batch_op:
        batch_op.add_column(sa.Column('lab_result_marked_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('lab_result_marked_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f('fk_stored_file_lab_result_marked_by_id_user'), 'user', ['lab_result_marked_by_id'], ['id'],
            ondelete='SET NULL',
        )


def downgrade():
    with op.batch_alter_table('stored_file', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_stored_file_lab_result_marked_by_id_user'), type_='foreignkey')
        batch_op.drop_column('lab_result_marked_by_id')
        batch_op.drop_column('lab_result_marked_at')
