"""Files: can_view_file against visible_files, and the methodologist's queue against the download links."""

import pytest

from app.clock import utcnow
from app.models import FileKind, Role, StoredFile
from app.permissions import can_view_file, visible_files
from tests import factories
from tests.permissions.agreement import USERS, decisions
from tests.permissions.helpers import stored_file

OF_P = {"lab", "patients_chat_file", "doctors_chat_file", "colleagues_document", "restricted_chat_file"}
# What P sent in the psychologist's chat: one appointment P has not shared, one P has.
PSYCHOLOGY = {"sensitive_chat_file", "shared_sensitive_chat_file"}
EVERY_FILE = OF_P | PSYCHOLOGY | {"child_lab", "ex_child_lab", "strangers_lab", "avatar"}
SEES = {
    "patient": OF_P | PSYCHOLOGY | {"avatar"},
    "guardian": {"child_lab", "avatar"},
    "ex_guardian": {"avatar"},
    # Treating doctors see a sensitive specialty's files only once the patient has shared the appointment.
    "own_doctor": OF_P | {"shared_sensitive_chat_file", "child_lab", "ex_child_lab", "avatar"},
    "colleague": OF_P | {"shared_sensitive_chat_file", "avatar"},
    # Restricted specialists see only what belongs to their own appointments.
    "restricted_doctor": {"restricted_chat_file", "avatar"} | PSYCHOLOGY,
    "other_doctor": {"strangers_lab", "avatar"},
    "reception": {"avatar"},
    # The queue's files: lab results; an unmarked chat file (the patient's or the doctor's, a sensitive
    # appointment's too) is not one (tests/chat/test_sensitive.py sends marked ones).
    "methodologist": {"lab", "child_lab", "ex_child_lab", "strangers_lab", "avatar"},
    "admin": {"avatar"},
}


@pytest.mark.parametrize("who", USERS)
def test_can_view_file_agrees_with_visible_files(clinic, who):
    """For each kind of user, the download link's predicate and the twin admit the same files; never deleted ones."""
    user = clinic.users[who]
    by_predicate, by_twin = decisions(StoredFile, clinic.files, user, can_view_file, visible_files)
    assert by_predicate == by_twin == SEES[who]


def test_reception_opens_every_file_only_where_the_clinic_allows(app, clinic):
    """With RECEPTION_CAN_DOWNLOAD_FILES the predicate and the twin both open every file but deleted ones and those
    of a sensitive appointment the patient has not shared."""
    app.config["RECEPTION_CAN_DOWNLOAD_FILES"] = True
    by_predicate, by_twin = decisions(StoredFile, clinic.files, clinic.users["reception"], can_view_file, visible_files)
    assert by_predicate == by_twin == EVERY_FILE - {"sensitive_chat_file"}


def test_the_methodologist_opens_what_the_queue_lists_and_nothing_else(client, login_as, db):
    """A lab result and a chat file marked as one are listed and open; an unmarked chat file, the patient's or the
    doctor's, is neither: its link answers 404 as if it did not exist."""
    patient = factories.patient()
    doctor = factories.doctor()
    appointment = factories.appointment(patient, doctor)
    lab = stored_file(FileKind.LAB_RESULT, patient, patient.user)
    marked = stored_file(FileKind.CHAT_ATTACHMENT, patient, patient.user, appointment)
    marked.lab_result_marked_at, marked.lab_result_marked_by = utcnow(), patient.user
    unmarked = stored_file(FileKind.CHAT_ATTACHMENT, patient, patient.user, appointment)
    from_doctor = stored_file(FileKind.CHAT_ATTACHMENT, patient, doctor, appointment)
    unmarked.original_name, from_doctor.original_name = "selfie.pdf", "doctors-note.pdf"
    db.session.commit()
    login_as(Role.METHODOLOGIST)
    queue = client.get("/methodologist/").get_data(as_text=True)
    assert f"/files/{lab.public_id}" in queue and f"/files/{marked.public_id}" in queue
    for hidden in (unmarked, from_doctor):
        assert f"/files/{hidden.public_id}" not in queue and hidden.original_name not in queue
    assert client.get(f"/files/{lab.public_id}").status_code == 302
    assert client.get(f"/files/{marked.public_id}").status_code == 302
    assert client.get(f"/files/{unmarked.public_id}").status_code == 404
    assert client.get(f"/files/{from_doctor.public_id}").status_code == 404
