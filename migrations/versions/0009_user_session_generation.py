"""user session generation: raising it ends every session signed in before

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


# Plain ALTER TABLE, not batch mode: SQLite adds and (since 3.35) drops such a column in place, while batch mode
# would copy and drop the "user" table, which every other table references (refused with foreign keys on).


def upgrade():
    op.add_column('user', sa.Column('session_generation', sa.Integer(), server_default='0', nullable=False))


def downgrade():
    op.drop_column('user', 'session_generation')
