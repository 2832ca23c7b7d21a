"""A process crashes (SIGKILL) in the middle of a stream of messages: none is lost, none is stored or shown twice."""

import threading
import time
import uuid

import pytest
import socketio

from tests.chat.test_processes import Participant, people, servers, shared_database  # noqa: F401 - fixtures

MESSAGES = 60
KILL_AFTER = 20  # acknowledged messages before the crash


@pytest.fixture
def server_env() -> dict:
    """A send limit the stream cannot reach: the test is about crashes, not throttling."""
    return {"CHAT_SEND_LIMIT": "1000 per 10 seconds"}


class Sender:
    """The doctor's client as the cabinet behaves: every message keeps its client_id until acknowledged; on a lost
    connection it moves to the other process and sends the unacknowledged ones again, in order."""

    def __init__(self, pair, email: str, appointment: str):
        self.servers, self.email, self.appointment = pair, email, appointment
        self.texts = {str(uuid.uuid4()): f"message {n}" for n in range(MESSAGES)}
        self.acked: dict[str, str] = {}  # client_id -> message id
        self.enough_acked = threading.Event()
        self.failed_over = False

    def run(self) -> None:
        """Send the whole stream, failing over once."""
        person = Participant(self.servers[0], self.email).connect()
        person.call("join", appointment=self.appointment)
        pending = list(self.texts)
        while pending:
            client_id = pending[0]
            try:
                ack = person.call("send", appointment=self.appointment, client_id=client_id, text=self.texts[client_id])
            except (socketio.exceptions.TimeoutError, socketio.exceptions.BadNamespaceError):
                if self.failed_over:
                    raise
                self.failed_over = True
                person.client.disconnect()
                person = Participant(self.servers[1], self.email).connect()
                assert person.call("join", appointment=self.appointment)["ok"]
                continue
            assert ack["ok"], ack
            self.acked[client_id] = ack["message"]["id"]
            pending.pop(0)
            if len(self.acked) >= KILL_AFTER:
                self.enough_acked.set()
            time.sleep(0.01)
        person.close()


def test_killing_the_senders_process_mid_stream_loses_and_doubles_nothing(servers, people):  # noqa: F811
    """Doctor on process A, patient on process B. A is killed with SIGKILL while the doctor streams messages; the
    doctor's client moves to B and re-sends what was not acknowledged. Every message is stored once, in order, and
    reaches the patient live; a re-delivered message carries the id the patient already has."""
    doctor_email, patient_email, appointment = people
    patient = Participant(servers[1], patient_email).connect()
    assert patient.call("join", appointment=appointment)["ok"]
    sender = Sender(servers, doctor_email, appointment)
    errors: list[BaseException] = []

    def stream() -> None:
        try:
            sender.run()
        except BaseException as exc:  # noqa: BLE001 - reported by the test below
            errors.append(exc)

    thread = threading.Thread(target=stream)
    thread.start()
    try:
        assert sender.enough_acked.wait(timeout=60)
        servers[0].kill()
        thread.join(timeout=120)
        assert not thread.is_alive() and errors == []
        assert sender.failed_over

        # Stored once each, in the order sent: the thread's whole history, read from the surviving process.
        history = patient.call("catch_up", appointment=appointment, after="")["messages"]
        assert [m["text"] for m in history] == [f"message {n}" for n in range(MESSAGES)]
        assert [m["id"] for m in history] == [sender.acked[client_id] for client_id in sender.texts]

        # Live: every message reached the patient, a re-delivery with the same id (clients keep one per id).
        time.sleep(1)
        live = []
        while not patient.messages.empty():
            live.append(patient.messages.get_nowait())
        assert {m["id"] for m in live} == set(sender.acked.values())
        assert all(m["text"] == sender.texts[m["client_id"]] for m in live)
    finally:
        patient.close()
        thread.join(timeout=30)
