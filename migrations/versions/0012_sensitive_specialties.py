"""sensitive specialties and appointments shared by the patient

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

# Both tables are pointed at by others (services, chat messages, files, questionnaires). On SQLite with foreign keys
# on, a batch copy of such a table would drop the old copy row by row, cascading into those tables, so the columns
# are added and dropped in place: ALTER TABLE ADD COLUMN, and DROP COLUMN (SQLite 3.35+), with no foreign keys.
COLUMNS = (('appointment', 'shared_at'), ('specialty', 'sensitive'))


def upgrade():
    # A plain string default, not sa.false(): SQLite adds a column with an expression default only by copying.
    op.add_column('specialty', sa.Column('sensitive', sa.Boolean(), server_default='0', nullable=False))
    op.add_column('appointment', sa.Column('shared_at', sa.DateTime(timezone=True), nullable=True))
    # A clinic that already has psychology keeps it with its specialists from now on; the admin can change that.
    op.execute(
        sa.text("UPDATE specialty SET sensitive = :yes WHERE slug IN ('psychology', 'psychologist')").bindparams(
            yes=True
        )
    )


def downgrade():
    for table, column in COLUMNS:
        if op.get_bind().dialect.name == 'sqlite':
            op.execute(f'ALTER TABLE {table} DROP COLUMN {column}')
        else:
            op.drop_column(table, column)
