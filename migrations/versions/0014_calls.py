"""video calls: one row per call attempt, at most one live call per appointment

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

# Both engines support partial indexes; the unique one is what refuses a second live call of an appointment.
LIVE = "state IN ('ringing', 'accepted', 'connected')"
STATES = ("ringing", "accepted", "connected", "ended", "declined", "missed", "cancelled", "failed")


def upgrade():
    op.create_table(
        "video_call",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("public_id", sa.Uuid(), nullable=False),
        sa.Column("appointment_id", sa.Integer(), nullable=False),
        sa.Column("caller_id", sa.Integer(), nullable=False),
        sa.Column(
            "state",
            sa.Enum(*STATES, name="call_state", native_enum=False, create_constraint=True, length=20),
            nullable=False,
        ),
        sa.Column("reason", sa.String(length=32), server_default="", nullable=False),
        sa.Column("ended_by_id", sa.Integer(), nullable=True),
        sa.Column("answered_by_id", sa.Integer(), nullable=True),
        sa.Column("answered_connection", sa.String(length=64), nullable=True),
        sa.Column("caller_connection", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ring_until", sa.DateTime(timezone=True), nullable=False),
        sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("connected_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("caller_left_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("answerer_left_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["answered_by_id"], ["user.id"], name=op.f("fk_video_call_answered_by_id_user"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["appointment_id"],
            ["appointment.id"],
            name=op.f("fk_video_call_appointment_id_appointment"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["caller_id"], ["user.id"], name=op.f("fk_video_call_caller_id_user"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["ended_by_id"], ["user.id"], name=op.f("fk_video_call_ended_by_id_user"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_video_call")),
        sa.UniqueConstraint("public_id", name=op.f("uq_video_call_public_id")),
    )
    with op.batch_alter_table("video_call", schema=None) as batch_op:
        batch_op.create_index(
            "uq_video_call_live_appointment",
            ["appointment_id"],
            unique=True,
            postgresql_where=sa.text(LIVE),
            sqlite_where=sa.text(LIVE),
        )
        batch_op.create_index("ix_video_call_appointment_created", ["appointment_id", "created_at"], unique=False)
        batch_op.create_index(
            "ix_video_call_live_state",
            ["state", "ring_until"],
            unique=False,
            postgresql_where=sa.text(LIVE),
            sqlite_where=sa.text(LIVE),
        )


def downgrade():
    with op.batch_alter_table("video_call", schema=None) as batch_op:
        batch_op.drop_index("ix_video_call_live_state")
        batch_op.drop_index("ix_video_call_appointment_created")
        batch_op.drop_index("uq_video_call_live_appointment")
    op.drop_table("video_call")
