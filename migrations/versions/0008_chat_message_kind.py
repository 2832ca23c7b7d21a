"""chat message kind (text, file, system) and the parameters of system lines

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

KIND = sa.Enum('text', 'file', 'system', name='chat_message_kind', native_enum=False, create_constraint=True, length=20)


def upgrade():
    with op.batch_alter_table('chat_message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', KIND, server_default='text', nullable=False))
        batch_op.add_column(sa.Column('params', sa.JSON(), nullable=True))
    # Messages written before kinds existed: a file when one was attached, otherwise text (the server default).
    op.execute("UPDATE chat_message SET kind = 'file' WHERE file_id IS NOT NULL")


def downgrade():
    with op.batch_alter_table('chat_message', schema=None) as batch_op:
        # SQLite's batch copy would otherwise keep the CHECK on a column it no longer has.
        batch_op.drop_constraint('chat_message_kind', type_='check')
        batch_op.drop_column('params')
        batch_op.drop_column('kind')
