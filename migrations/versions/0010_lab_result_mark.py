"""a chat attachment marked as a lab result: when and by whom

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

FK = 'fk_stored_file_lab_result_marked_by_id_user'


def _rebuild_stored_file(alter):
    """Alter stored_file; on SQLite batch mode copies the table and drops the old one, and with foreign keys on
    that drop fires chat_message's ON DELETE SET NULL, so the messages' links to their files are put back."""
    bind = op.get_bind()
    links = []
    if bind.dialect.name == 'sqlite':
        links = bind.execute(sa.text('SELECT id, file_id FROM chat_message WHERE file_id IS NOT NULL')).all()
    with op.batch_alter_table('stored_file', schema=None) as batch_op:
        alter(batch_op)
    if links:
        bind.execute(
            sa.text('UPDATE chat_message SET file_id = :file_id WHERE id = :id'),
            [{'id': row.id, 'file_id': row.file_id} for row in links],
        )


def upgrade():
    # No backfill: chat files sent before this revision were never marked, and the methodologist must not get
    # every chat file back silently. Marking starts empty.
    def alter(batch_op):
        batch_op.add_column(sa.Column('lab_result_marked_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('lab_result_marked_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f(FK), 'user', ['lab_result_marked_by_id'], ['id'], ondelete='SET NULL')

    _rebuild_stored_file(alter)


def downgrade():
    def alter(batch_op):
        batch_op.drop_constraint(batch_op.f(FK), type_='foreignkey')
        batch_op.drop_column('lab_result_marked_by_id')
        batch_op.drop_column('lab_result_marked_at')

    _rebuild_stored_file(alter)
