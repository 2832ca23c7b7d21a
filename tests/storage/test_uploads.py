"""Uploading through the app and downloading with a permission check, on both backends."""

import hashlib
import io
import os

import pytest
import sqlalchemy as sa

from app.models import AuditEvent, FileKind, Role, StoredFile
from tests import factories
from tests.storage.conftest import stored_keys
from tests.storage.helpers import fetch

PDF = b"%PDF-1.7\n" + os.urandom(50_000) + b"\n%%EOF"
PNG = b"\x89PNG\r\n\x1a\n" + os.urandom(2_000)


def _send(client, data: bytes, filename: str, content_type: str = "application/octet-stream", **query):
    """Upload as a browser form does."""
    query.setdefault("kind", "lab_result")
    return client.post(
        "/files",
        query_string=query,
        data={"csrf_token": client.csrf_token(), "file": (io.BytesIO(data), filename, content_type)},
        content_type="multipart/form-data",
        headers={"Accept": "application/json"},
    )


def test_patient_sends_a_lab_result(client, login_as, store, db):
    """The file is stored byte for byte, its type judged from the bytes, and listed for patient and methodologist."""
    me = login_as(Role.PATIENT)
    response = _send(client, PDF, "Анализ крови.pdf", "application/pdf")
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["sha256"] == hashlib.sha256(PDF).hexdigest() and body["size"] == len(PDF)
    row = db.session.scalars(sa.select(StoredFile)).one()
    assert (row.patient_id, row.kind, row.content_type) == (
        me.patient_profile.id,
        FileKind.LAB_RESULT,
        "application/pdf",
    )
    assert row.original_name == "Анализ крови.pdf" and "Анализ" not in row.object_key
    assert b"".join(store.open(row.object_key)) == PDF
    assert "Анализ крови.pdf" in client.get("/patient/files").get_data(as_text=True)
    client.submit("/auth/logout")
    login_as(Role.METHODOLOGIST)
    assert "Анализ крови.pdf" in client.get("/methodologist/").get_data(as_text=True)


def test_raw_body_upload_streams_the_request(client, login_as, store):
    """fetch() can send the file as the request body with its name in X-Filename."""
    login_as(Role.PATIENT)
    response = client.post(
        "/files?kind=lab_result",
        data=PNG,
        headers={
            "Content-Type": "image/png",
            "X-Filename": "%D1%84%D0%BE%D1%82%D0%BE.png",
            "X-CSRFToken": client.csrf_token(),
            "Accept": "application/json",
        },
    )
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["name"] == "фото.png"
    assert response.get_json()["content_type"] == "image/png"


def test_raw_body_larger_than_a_part_is_stored_intact(client, login_as, store, db):
    """A 12 MB file sent as the request body (its size announced) is stored byte for byte with its SHA-256."""
    login_as(Role.PATIENT)
    data = b"%PDF-1.7\n" + os.urandom(12 * 1024 * 1024)
    response = client.post(
        "/files?kind=lab_result",
        data=data,
        headers={"Content-Type": "application/pdf", "X-CSRFToken": client.csrf_token(), "Accept": "application/json"},
    )
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["sha256"] == hashlib.sha256(data).hexdigest()
    row = db.session.scalars(sa.select(StoredFile)).one()
    assert hashlib.sha256(b"".join(store.open(row.object_key))).hexdigest() == row.sha256


@pytest.mark.parametrize(
    ("data", "filename", "content_type", "reason"),
    [
        (
            b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
            "x.svg",
            "image/svg+xml",
            "not accepted",
        ),
        (b"<!doctype html><html><script>alert(1)</script>", "page.html", "text/html", "not accepted"),
        (b"PK\x03\x04" + b"\0" * 100, "results.zip", "application/zip", "not accepted"),
        (b"MZ\x90\x00" + b"\0" * 100, "results.pdf", "application/pdf", "not accepted"),
    ],
)
def test_refused_types_leave_nothing(client, login_as, store, db, data, filename, content_type, reason):
    """SVG, HTML, archives and executables are refused whatever their name says, and nothing is kept."""
    login_as(Role.PATIENT)
    before = stored_keys(store)
    response = _send(client, data, filename, content_type)
    assert response.status_code == 415
    assert reason in response.get_json()["error"]
    assert db.session.scalar(sa.select(sa.func.count(StoredFile.id))) == 0
    assert stored_keys(store) == before


@pytest.fixture
def small_limits(app_config):
    """A 1 MB limit for lab results, so the test sends little."""
    app_config["UPLOAD_LIMITS_MB"] = {**app_config.get("UPLOAD_LIMITS_MB", {}), "lab_result": 1}


def test_too_large_is_refused_as_it_arrives(small_limits, client, login_as, store, db):
    """Past the kind's limit the upload is answered 413 with the limit named, and nothing is kept."""
    login_as(Role.PATIENT)
    before = stored_keys(store)
    big = b"%PDF-1.7\n" + b"0" * (1024 * 1024 + 10)
    response = client.post(
        "/files?kind=lab_result",
        data=big,
        headers={"Content-Type": "application/pdf", "X-CSRFToken": client.csrf_token(), "Accept": "application/json"},
    )
    assert response.status_code == 413 and "1 MB" in response.get_json()["error"]
    form = _send(client, big, "big.pdf", "application/pdf")
    assert form.status_code == 413
    assert db.session.scalar(sa.select(sa.func.count(StoredFile.id))) == 0
    assert stored_keys(store) == before


def test_empty_file_is_refused(client, login_as, store):
    """An empty file gets a plain explanation."""
    login_as(Role.PATIENT)
    response = _send(client, b"", "empty.pdf", "application/pdf")
    assert response.status_code == 400 and "empty" in response.get_json()["error"]


def test_form_upload_redirects_back_with_a_message(client, login_as, store):
    """Without JavaScript the form comes back to the files page with the outcome shown."""
    login_as(Role.PATIENT)
    response = client.post(
        "/files?kind=lab_result&next=/patient/files",
        data={"csrf_token": client.csrf_token(), "file": (io.BytesIO(b"GIF89a"), "anim.gif", "image/gif")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 303 and response.headers["Location"] == "/patient/files"
    assert "This kind of file is not accepted here. Send PDF, JPEG, PNG, WEBP." in client.get(
        "/patient/files"
    ).get_data(as_text=True)


def test_upload_needs_csrf_and_a_right_to_the_patient(client, login_as, store):
    """No token, no upload; nobody adds files to a stranger's record."""
    login_as(Role.PATIENT)
    no_token = client.post(
        "/files", data={"file": (io.BytesIO(PDF), "a.pdf", "application/pdf")}, content_type="multipart/form-data"
    )
    assert no_token.status_code == 400
    stranger = factories.patient()
    assert _send(client, PDF, "a.pdf", "application/pdf", patient=str(stranger.public_id)).status_code == 404


def _uploaded_by_patient(client, login_as) -> tuple:
    """A patient uploads a lab result and signs out; returns the patient user and the file id."""
    owner = login_as(Role.PATIENT)
    file_id = _send(client, PDF, "result.pdf", "application/pdf").get_json()["id"]
    client.submit("/auth/logout")
    return owner, file_id


def test_owner_downloads_through_a_short_lived_link(client, login_as, store):
    """The owner is redirected to a link that serves the exact bytes as an attachment when asked."""
    _owner, file_id = _uploaded_by_patient(client, login_as)
    client.sign_in(_owner.email)
    response = client.get(f"/files/{file_id}?download=1")
    assert response.status_code == 302 and response.headers["Cache-Control"] == "no-store"
    fetched = fetch(client, response.headers["Location"])
    assert fetched.status == 200 and fetched.body == PDF
    assert fetched.headers["Content-Disposition"].startswith("attachment;")


def test_other_patient_gets_404_and_no_link(client, login_as, store):
    """Another patient's file does not exist for this user: 404, no URL handed out."""
    _owner, file_id = _uploaded_by_patient(client, login_as)
    login_as(Role.PATIENT)
    response = client.get(f"/files/{file_id}")
    assert response.status_code == 404 and "Location" not in response.headers


def test_guardian_downloads_dependants_file(client, login_as, store, db):
    """A guardian uploads for the dependant and downloads it again."""
    guardian = login_as(Role.PATIENT)
    child = factories.dependant(guardian)
    file_id = _send(client, PDF, "child.pdf", "application/pdf", patient=str(child.public_id)).get_json()["id"]
    assert db.session.scalar(sa.select(StoredFile.patient_id)) == child.id
    assert client.get(f"/files/{file_id}").status_code == 302


def test_staff_access_is_checked_and_audited(client, login_as, store, db):
    """Treating doctors and methodologists get the file (audited); restricted and unrelated doctors and reception don't."""
    owner, file_id = _uploaded_by_patient(client, login_as)
    treating = factories.doctor()
    factories.appointment(owner.patient_profile, treating)
    psychologist = factories.doctor(restricted=True)
    factories.appointment(owner.patient_profile, psychologist)
    expectations = [
        (treating, 302),
        (factories.user(Role.METHODOLOGIST), 302),
        (psychologist, 404),
        (factories.doctor(), 404),
        (factories.user(Role.RECEPTION), 404),
        (factories.user(Role.ADMIN), 404),
    ]
    for user, status in expectations:
        login_as(user.role, user)
        assert client.get(f"/files/{file_id}").status_code == status, user.role
        client.submit("/auth/logout")
    audited = db.session.scalars(sa.select(AuditEvent.actor_id).where(AuditEvent.action == "download_file")).all()
    assert sorted(audited) == sorted([expectations[0][0].id, expectations[1][0].id])


@pytest.fixture
def reception_allowed(app_config):
    """A clinic that lets reception open patients' files."""
    app_config["RECEPTION_CAN_DOWNLOAD_FILES"] = True


def test_reception_where_the_clinic_allows(reception_allowed, client, login_as, store):
    """With the clinic's permission reception may download."""
    _owner, file_id = _uploaded_by_patient(client, login_as)
    login_as(Role.RECEPTION)
    assert client.get(f"/files/{file_id}").status_code == 302


@pytest.mark.both_engines
def test_failed_commit_removes_the_stored_object(app, store, db):
    """When the row cannot be committed (the patient vanished meanwhile) the object is deleted again."""
    from app.files.services import store_upload

    uploader = factories.user(Role.METHODOLOGIST)
    patient = factories.patient()
    before = stored_keys(store)
    with db.engine.begin() as connection:  # another session removes the patient while the upload runs
        connection.execute(sa.text("DELETE FROM patient_profile WHERE id = :id"), {"id": patient.id})
        connection.execute(sa.text('DELETE FROM "user" WHERE id = :id'), {"id": patient.user_id})
    with pytest.raises(sa.exc.IntegrityError):
        store_upload(io.BytesIO(PDF), "late.pdf", FileKind.LAB_RESULT, patient, uploader)
    assert stored_keys(store) == before
    assert db.session.scalar(sa.select(sa.func.count(StoredFile.id))) == 0
