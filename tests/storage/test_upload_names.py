"""A stored file's name follows its bytes: a PDF is always stored and downloaded as .pdf, whatever it was called."""

import io
import os
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import pytest
import sqlalchemy as sa

from app.models import FileKind, Role, StoredFile
from tests import factories
from tests.storage.conftest import stored_keys
from tests.storage.helpers import fetch

PDF = b"%PDF-1.7\n" + os.urandom(20_000) + b"\n%%EOF"
PNG = b"\x89PNG\r\n\x1a\n" + os.urandom(2_000)


def _send(client, data: bytes, filename: str, content_type: str):
    """Upload as a browser form does, asking for JSON."""
    return client.post(
        "/files",
        query_string={"kind": "lab_result"},
        data={"csrf_token": client.csrf_token(), "file": (io.BytesIO(data), filename, content_type)},
        content_type="multipart/form-data",
        headers={"Accept": "application/json"},
    )


@pytest.mark.parametrize(
    ("data", "sent_as", "content_type", "stored_as", "stored_type"),
    [
        (PDF, "report.html", "application/pdf", "report.pdf", "application/pdf"),
        (PDF, "report.html", "text/html", "report.pdf", "application/pdf"),
        (PDF, "run.exe", "application/octet-stream", "run.pdf", "application/pdf"),
        (PDF, "анализ", "application/octet-stream", "анализ.pdf", "application/pdf"),
        (PNG, "scan.pdf", "application/pdf", "scan.png", "image/png"),
        (PDF, "Result.PDF", "application/pdf", "Result.PDF", "application/pdf"),
    ],
)
def test_the_name_takes_the_extension_of_the_bytes(
    client, login_as, store, db, data, sent_as, content_type, stored_as, stored_type
):
    """Whatever the name and Content-Type claim, the stored row, the answer and the download name follow the bytes."""
    login_as(Role.PATIENT)
    response = _send(client, data, sent_as, content_type)
    assert response.status_code == 201, response.get_json()
    assert (response.get_json()["name"], response.get_json()["content_type"]) == (stored_as, stored_type)
    row = db.session.scalars(sa.select(StoredFile)).one()
    assert (row.original_name, row.content_type) == (stored_as, stored_type)
    link = client.get(f"/files/{row.public_id}?download=1")
    fetched = fetch(client, link.headers["Location"])
    assert fetched.status == 200 and fetched.body == data
    disposition = fetched.headers["Content-Disposition"]
    assert disposition.startswith("attachment;") and disposition.endswith("''" + quote(stored_as, safe=""))


def test_a_file_stored_under_a_wrong_name_downloads_with_the_right_one(client, login_as, store, db):
    """A PDF recorded as "report.html" before names followed the bytes is still handed out as report.pdf."""
    owner = login_as(Role.PATIENT)
    _send(client, PDF, "report.pdf", "application/pdf")
    row = db.session.scalars(sa.select(StoredFile)).one()
    row.original_name = "report.html"  # as such a row was stored before
    db.session.commit()
    assert owner.patient_profile.id == row.patient_id
    fetched = fetch(client, client.get(f"/files/{row.public_id}").headers["Location"])
    assert fetched.body == PDF
    assert fetched.headers["Content-Disposition"] == "inline; filename=\"report.pdf\"; filename*=UTF-8''report.pdf"


@pytest.mark.parametrize(
    ("data", "sent_as"),
    [
        (b"<!doctype html><html><script>alert(1)</script></html>", "report.pdf"),
        (b"MZ\x90\x00" + b"\0" * 200, "run.pdf"),
        (b"GIF89a" + b"\0" * 200, "picture.png"),
    ],
)
def test_types_not_allowed_are_refused_with_the_reason(client, login_as, store, db, data, sent_as):
    """Bytes of a kind the clinic does not take are refused (415) with what it does take, and nothing is kept."""
    login_as(Role.PATIENT)
    before = stored_keys(store)
    response = _send(client, data, sent_as, "application/pdf")
    assert response.status_code == 415
    assert response.get_json()["code"] == "not_accepted"
    assert "Send PDF, JPEG, PNG, WEBP" in response.get_json()["error"]
    assert db.session.scalar(sa.select(sa.func.count(StoredFile.id))) == 0 and stored_keys(store) == before


def test_a_chat_file_named_for_another_type_arrives_as_what_it_is(client, store, db, app):
    """In the chat too: a PDF sent as "notes.html" is a .pdf file in the message."""
    doctor = factories.doctor()
    patient_user = factories.user(Role.PATIENT)
    appointment = factories.appointment(patient_user.patient_profile, doctor, datetime.now(UTC) + timedelta(hours=1))
    client.sign_in(patient_user.email)
    response = client.post(
        f"/files?kind=chat_attachment&appointment={appointment.public_id}",
        data=PDF,
        headers={
            "X-Filename": "notes.html",
            "Content-Type": "text/html",
            "X-CSRFToken": client.csrf_token(),
            "Accept": "application/json",
        },
    )
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["name"] == "notes.pdf"
    assert db.session.scalar(sa.select(StoredFile.kind)) == FileKind.CHAT_ATTACHMENT
