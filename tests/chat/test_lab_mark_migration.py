"""Migration 0010 on a database holding chat files: the messages keep their files both ways, and nothing is marked."""

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from tests.chat.conftest import send, upload

# SQLite rebuilds stored_file in batch mode, which is where the messages' links could be lost.
pytestmark = pytest.mark.both_engines


def test_messages_keep_their_files_and_old_files_stay_unmarked(connect, pair, db):
    """Down to 0009 and up again with a sent file and a sent lab result: both messages still carry their files,
    and after the upgrade no file is marked (no silent backfill)."""
    _doctor, patient_user, appointment = pair
    patient_sock = connect(patient_user)
    send(patient_sock, appointment, "plain", file=upload(patient_sock.http, appointment).json["id"])
    send(patient_sock, appointment, "marked", file=upload(patient_sock.http, appointment).json["id"], lab_result=True)
    # The migration needs the tables to itself (PostgreSQL's ALTER waits for every open transaction).
    db.session.remove()

    downgrade(revision="0009")
    with db.engine.connect() as connection:
        linked = connection.execute(sa.text("SELECT count(*) FROM chat_message WHERE file_id IS NOT NULL")).scalar()
    assert linked == 2
    upgrade()

    with db.engine.connect() as connection:
        rows = connection.execute(
            sa.text(
                "SELECT m.text, f.lab_result_marked_at FROM chat_message m JOIN stored_file f ON f.id = m.file_id"
                " ORDER BY m.id"
            )
        ).all()
    assert [tuple(row) for row in rows] == [("plain", None), ("marked", None)]
