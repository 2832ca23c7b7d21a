"""Migration 0008 on a database holding messages: those written before kinds existed get theirs from the file."""

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from tests.chat.conftest import send, upload

# Migrations differ per engine (batch mode on SQLite).
pytestmark = pytest.mark.both_engines


def test_existing_messages_become_file_or_text(connect, pair, db):
    """Back to 0007 (no kind column) and up again: a message with a file is `file`, the others `text`."""
    _doctor, patient_user, appointment = pair
    patient_sock = connect(patient_user)
    send(patient_sock, appointment, "words only")
    send(patient_sock, appointment, "with a file", file=upload(patient_sock.http, appointment).json["id"])
    # The migration needs the tables to itself (PostgreSQL's ALTER waits for every open transaction).
    db.session.remove()

    downgrade(revision="0007")
    upgrade()

    with db.engine.connect() as connection:
        rows = connection.execute(sa.text("SELECT text, kind FROM chat_message ORDER BY id")).all()
    assert [tuple(row) for row in rows] == [("words only", "text"), ("with a file", "file")]
