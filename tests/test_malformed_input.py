"""Generated malformed input for every route and every /chat and /call event: nothing answers 5xx or server_error.

The routes come from `app.url_map`, so a new route is covered the day it is added. Each is called as every role
that may reach it (its cabinet's role, or anonymous and each role for the shared blueprints), with a valid CSRF
token, real ids where the route names an appointment, a patient or a doctor (so the request gets past the lookup
to its parameters), and bad ids in every path segment. The inputs are sampled, not exhaustive: each list below
holds one value per kind of mistake (the calendar's limits and beyond, garbage, 100k characters, wrong types,
numbers out of range), and each request carries one such value in every parameter at once.
"""

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from werkzeug.datastructures import MultiDict

from app.extensions import socketio
from app.models import Role
from tests import factories

HUGE = "x" * 100_000

# Values for the fields that hold days or instants: the calendar's limits, just beyond them, far beyond, overflows.
DAYS = [
    "0001-01-01",
    "9999-12-31",
    "1900-01-01",  # the calendar's first day
    "2200-12-31",  # its last day
    "1899-12-31",  # just before the calendar
    "2201-01-01",  # just after it
    "9999-12-31T23:59:59-12:00",  # an instant whose conversion to UTC overflows
    "0001-01-01T00:00:00+14:00",
    "31.02.1980",
    "2026-13-45",
]
# Values for every other field: numbers out of range, digits int() refuses, garbage, an empty value.
OTHERS = ["-1", "99999999999999999999999", "²", "not-a-uuid", "99999999999999999999.1.1", "", "0", "<script>"]
# In this order, over the four requests `date` gets 0001-01-01, 9999-12-31 and the calendar's first and last day.
DAY_FIELDS = ["date", "day", "at", "date_of_birth", "starts_at", "until", "first_day", "last_day", "starts", "ends"]
# Every other parameter name the routes read from the query string or a form.
FIELDS = [
    "page", "q", "when", "service", "doctor", "for", "kind", "patient", "appointment", "next",
    "download", "sort", "specialty", "language", "email", "password", "confirm", "current_password",
    "new_password", "last_name", "first_name", "middle_name", "phone", "sex", "reason",
    "complaints", "medication", "remote_consent", "action", "minutes", "weekday",
    "note", "legal_basis", "role", "specialties", "restricted", "timezone",
]  # fmt: skip
# Path segments: not ids at all, a well-formed id of nothing, numbers out of range, a huge one.
BAD_SEGMENTS = ["not-a-uuid", str(uuid.uuid4()), "99999999999999999999", "x" * 5_000]

CABINETS = {"patient": Role.PATIENT, "doctor": Role.DOCTOR, "reception": Role.RECEPTION}
CABINETS.update({"methodologist": Role.METHODOLOGIST, "admin": Role.ADMIN})


@pytest.fixture
def app_config(app_config):
    """Chat sends far below any limit: the walk sends many."""
    return {**app_config, "CHAT_SEND_LIMIT": "100000 per minute", "LOGIN_LIMIT_PER_IP": "100000 per minute"}


@pytest.fixture
def world(app):
    """One person of each role; a doctor with working hours and a patient whose appointment's chat is open."""
    doctor, service = factories.offering_doctor()
    patient_user = factories.user(Role.PATIENT)
    appointment = factories.appointment(
        patient_user.patient_profile, doctor, datetime.now(UTC) + timedelta(hours=1), of_service=service
    )
    people = {role: factories.user(role) for role in Role if role not in (Role.PATIENT, Role.DOCTOR)}
    people[Role.PATIENT], people[Role.DOCTOR] = patient_user, doctor
    real_ids = {
        "appointment_id": str(appointment.public_id),
        "patient_id": str(patient_user.patient_profile.public_id),
        "doctor_id": str(doctor.public_id),
        "specialist_id": str(doctor.specialist_profile.public_id),
    }
    return people, real_ids, appointment


class Visitor:
    """A browser of one role (None: anonymous) that signs in again whenever a request ended its session."""

    def __init__(self, app, user):
        self.client = app.test_client()
        self.user = user
        self.token = ""
        self.sign_in()

    def sign_in(self) -> None:
        """Sign in (if a user) and read the session's CSRF token."""
        if self.user is not None:
            assert self.client.sign_in(self.user.email).status_code == 302
        self.token = self.client.csrf_token()

    def call(self, method: str, url: str, query=None, form=None, json=None):
        """One request; a session ended by it (sign-out, password change) is started again for the next."""
        headers = {"X-CSRFToken": self.token}
        if method == "GET":
            response = self.client.get(url, query_string=query, headers=headers)
        elif json is not None:
            response = self.client.post(url, query_string=query, json=json, headers=headers)
        else:
            data = MultiDict(form or {})
            data["csrf_token"] = self.token
            response = self.client.post(url, query_string=query, data=data, headers=headers)
        ended = url.endswith("/logout") or "/auth/login" in response.headers.get("Location", "")
        if self.user is not None and ended:
            self.sign_in()
        return response


def _roles_for(rule) -> list[Role | None]:
    """Who may reach a route: its cabinet's role, or anyone outside the cabinets."""
    cabinet = rule.rule.strip("/").split("/")[0]
    if cabinet in CABINETS:
        return [CABINETS[cabinet]]
    # Outside the cabinets the roles differ only in who they are: anonymous, a patient and a member of staff.
    return [None, Role.PATIENT, Role.DOCTOR]


def _paths(rule, real_ids: dict) -> list[str]:
    """The route with real ids (where it names a known kind of id), then with each bad segment in every slot."""
    args = sorted(rule.arguments)
    paths = []
    if all(arg in real_ids for arg in args):
        paths.append(_build(rule, {arg: real_ids[arg] for arg in args}))
    paths += [_build(rule, dict.fromkeys(args, bad)) for bad in BAD_SEGMENTS] if args else []
    return paths or [rule.rule]


def _build(rule, values: dict) -> str:
    """The rule's path with its arguments filled in as given (not URL-escaped beyond what werkzeug does)."""
    path = rule.rule
    for name, value in values.items():
        path = path.replace(f"<{name}>", value).replace(f"<path:{name}>", value)
    return path


def _inputs():
    """(query, form, json) triples: the day values and the other values spread over every field; huge values;
    every field missing; NUL characters; wrong types (repeated fields, JSON that is no object or holds lists)."""
    # Four requests carry every value: in turn, each field gets the next one, so no two fields agree.
    for n in range(4):
        days = {name: DAYS[(n + j * 4) % len(DAYS)] for j, name in enumerate(DAY_FIELDS)}
        others = {name: OTHERS[(n + j) % len(OTHERS)] for j, name in enumerate(FIELDS)}
        values = {**days, **others}
        yield values, values, None
    # Sent everywhere, huge values would be slow: in the query, the fields that are parsed; in forms, all.
    huge_query = dict.fromkeys(["date", "day", "page", "q", "at", "for", "doctor"], HUGE)
    yield huge_query, dict.fromkeys(DAY_FIELDS + FIELDS, HUGE), None
    yield {}, {}, None  # every required field missing
    yield {}, MultiDict([(name, "1") for name in FIELDS] + [(name, "x") for name in FIELDS]), None
    yield {"q": "\x00"}, {"reason": "\x00"}, None
    yield {}, None, [1, "two", None]
    yield {}, None, {"reason": ["a", {"b": 1}], "minutes": 5}


def test_no_route_answers_5xx_to_malformed_input(app, world):
    """Every route, as every role that may reach it, answers each malformed input with less than 500."""
    people, real_ids, _appointment = world
    visitors = {None: Visitor(app, None), **{role: Visitor(app, user) for role, user in people.items()}}
    inputs = list(_inputs())
    failures = []
    calls = 0
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        methods = sorted(rule.methods & {"GET", "POST"})
        for role in _roles_for(rule):
            visitor = visitors[role]
            for path_number, path in enumerate(_paths(rule, real_ids)):
                # Bad path segments are tried with one plain request each; the real path with every input.
                for query, form, json in inputs if path_number == 0 else [({}, {}, None)]:
                    for method in methods:
                        calls += 1
                        try:
                            status = visitor.call(method, path, query, form, json).status_code
                        except Exception as error:  # noqa: BLE001 - TESTING propagates what would be a 500
                            status = f"{type(error).__name__}: {error}"[:300]
                        if not isinstance(status, int) or status >= 500:
                            failures.append((method, path[:80], role, str(query)[:80], status))
    assert calls > 1000
    assert not failures, "\n".join(map(str, failures[:40]))


# --- /chat ---

EVENT_PAYLOADS = {
    "join": {},
    "history": {"before": str(uuid.uuid4())},
    "catch_up": {"after": ""},
    "send": {"client_id": None, "text": "hello"},  # a fresh client id each time: a repeated one is a re-send
    "read": {"up_to": str(uuid.uuid4())},
    "typing": {},
    "extend": {"minutes": 60},
}
WRONG_PAYLOADS = [None, [], ["appointment"], "text", 0, 1.5, True, {}, HUGE]
WRONG_FIELDS = [None, "", -1, 10**30, 1.5, True, [], {}, "not-a-uuid", "\x00", HUGE, "x" * 65, {"$ne": 1}]


def _filled(payload: dict, tried: str = "") -> dict:
    """The payload with a fresh client id where it needs one and the field under test does not replace it."""
    if "client_id" in payload and tried != "client_id":
        payload["client_id"] = str(uuid.uuid4())
    return payload


def _chat_client(app, user):
    """A signed-in /chat connection sharing its HTTP session."""
    http = app.test_client()
    assert http.sign_in(user.email).status_code == 302
    with app.app_context():
        sock = socketio.test_client(app, namespace="/chat", flask_test_client=http)
    assert sock.is_connected("/chat")
    return sock


def _emit(app, sock, event, *args):
    """Emit with an acknowledgement, in a fresh app context as in production."""
    with app.app_context():
        return sock.emit(event, *args, namespace="/chat", callback=True)


@pytest.mark.parametrize("role", [Role.DOCTOR, Role.PATIENT, Role.RECEPTION])
def test_no_chat_event_answers_server_error_to_malformed_payloads(app, world, role):
    """Missing payloads, wrong types, huge strings and bad ids get {ok: false} with a reason, never server_error;
    the connection stays open."""
    people, _real_ids, appointment = world
    sock = _chat_client(app, people[role])
    target = str(appointment.public_id)
    failures = []
    for event, base in EVENT_PAYLOADS.items():
        whole = [(), *[(payload,) for payload in WRONG_PAYLOADS], ({"appointment": target, **base}, "extra", 3)]
        whole[-1] = (_filled(whole[-1][0]), *whole[-1][1:])
        for args in whole[:-1]:
            ack = _emit(app, sock, event, *args)
            if ack != {"ok": False, "error": "bad_request"}:
                failures.append((event, repr(args)[:60], ack))
        for field in ["appointment", *base]:
            for wrong in WRONG_FIELDS:
                ack = _emit(app, sock, event, _filled({"appointment": target, **base, field: wrong}, field))
                # Absent optional fields are fine, and so is any short text without NUL.
                fine = wrong is None or wrong == "" or (field == "text" and wrong in ("not-a-uuid", "x" * 65))
                if not isinstance(ack, dict) or ack.get("error") == "server_error" or (ack["ok"] and not fine):
                    failures.append((event, field, repr(wrong)[:40], ack))
        # Extra arguments after a good payload are ignored, not an error.
        last = _emit(app, sock, event, *whole[-1])
        if not isinstance(last, dict) or last.get("error") == "server_error":
            failures.append((event, "extra arguments", last))
    assert sock.is_connected("/chat")
    assert not failures, "\n".join(map(str, failures[:40]))


# --- /call ---


def _call_payloads(appointment_id: str, call_id: str) -> dict[str, dict]:
    """A well-formed payload for every /call event."""
    description = {"type": "offer", "sdp": "v=0"}
    payloads = {event: {"call": call_id} for event in ("accept", "decline", "cancel", "hangup", "connected", "rejoin")}
    payloads["start"] = {"appointment": appointment_id}
    payloads["failed"] = {"call": call_id, "reason": "no_media"}
    payloads["signal"] = {"call": call_id, "connection": str(uuid.uuid4()), "description": description}
    return payloads


@pytest.mark.parametrize("role", [Role.DOCTOR, Role.PATIENT, Role.RECEPTION])
def test_no_call_event_answers_server_error_to_malformed_payloads(app, world, role):
    """Every /call event, given missing payloads, wrong types, huge strings and bad ids in each field, answers
    {ok: false} with a reason (bad_request for a wrong shape), never server_error; the connection stays open."""
    people, _real_ids, _appointment = world
    doctor, patient_user = people[Role.DOCTOR], people[Role.PATIENT]
    soon = factories.appointment(patient_user.patient_profile, doctor, datetime.now(UTC) + timedelta(minutes=5))
    http = app.test_client()
    assert http.sign_in(people[role].email).status_code == 302
    with app.app_context():
        sock = socketio.test_client(app, namespace="/call", flask_test_client=http)
    assert sock.is_connected("/call")
    from app.calls.states import start

    call, _ = start(soon, doctor, datetime.now(UTC))
    failures = []
    for event, base in _call_payloads(str(soon.public_id), str(call.public_id)).items():
        with app.app_context():
            for payload in WRONG_PAYLOADS:
                ack = sock.emit(event, payload, namespace="/call", callback=True)
                if ack != {"ok": False, "error": "bad_request"}:
                    failures.append((event, repr(payload)[:60], ack))
            for field in base:
                for wrong in WRONG_FIELDS:
                    ack = sock.emit(event, {**base, field: wrong}, namespace="/call", callback=True)
                    # Refused with a reason (bad_request for a wrong shape; the rules judge a short text).
                    if not isinstance(ack, dict) or ack.get("ok") is not False or ack.get("error") == "server_error":
                        failures.append((event, field, repr(wrong)[:40], ack))
    assert sock.is_connected("/call")
    assert not failures, "\n".join(map(str, failures[:40]))
