"""Every endpoint of every cabinet (and of the call pages patients and doctors share) refuses anonymous users and
every other role (found from the URL map)."""

import uuid

import pytest

from app.models import Role
from tests import factories

CABINETS = {
    "patient": Role.PATIENT,
    "doctor": Role.DOCTOR,
    "methodologist": Role.METHODOLOGIST,
    "reception": Role.RECEPTION,
    "admin": Role.ADMIN,
}
# Blueprints more than one role may use, with the roles each admits (video: the call pages, /call).
SHARED = {"video": {Role.PATIENT, Role.DOCTOR}}
ADMITTED = {**{blueprint: {role} for blueprint, role in CABINETS.items()}, **SHARED}


def cabinet_routes(app):
    """(blueprint, method, url) for every rule of every cabinet, with placeholder values for its arguments."""
    routes = []
    for rule in app.url_map.iter_rules():
        blueprint = rule.endpoint.split(".")[0]
        if blueprint not in ADMITTED:
            continue
        values = {arg: str(uuid.uuid4()) for arg in rule.arguments}
        url = rule.build(values)[1]
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            routes.append((blueprint, method, url))
    return routes


def test_every_cabinet_has_routes(app):
    """The walk below sees all five cabinets and the shared call pages (it would prove nothing if the map were empty)."""
    assert {blueprint for blueprint, _, _ in cabinet_routes(app)} == set(ADMITTED)


def test_anonymous_users_are_sent_to_sign_in(app, client):
    """No cabinet page shows anything without signing in."""
    for _blueprint, method, url in cabinet_routes(app):
        response = client.open(url, method=method, data={"csrf_token": client.csrf_token()})
        assert response.status_code == 302, (method, url)
        assert response.headers["Location"].startswith("/auth/login?next="), (method, url)


@pytest.mark.parametrize("role", list(Role))
def test_other_roles_get_403_and_own_role_passes_the_gate(app, client, login_as, role):
    """A signed-in user gets 403 in every cabinet but their own (and the shared pages admitting their role), where
    the gate lets them through."""
    login_as(role)
    token = client.csrf_token()
    for blueprint, method, url in cabinet_routes(app):
        response = client.open(url, method=method, data={"csrf_token": token})
        if role in ADMITTED[blueprint]:
            # Placeholder ids may not exist (404) but the role gate itself must not refuse.
            assert response.status_code not in (302, 403), (role, method, url, response.status_code)
        else:
            assert response.status_code == 403, (role, method, url, response.status_code)


def test_deactivated_account_loses_access(app, client, login_as, db):
    """Deactivating a staff account ends what its session can see."""
    doctor = login_as(Role.DOCTOR)
    assert client.get("/doctor/").status_code == 200
    doctor.active = False
    db.session.commit()
    response = client.get("/doctor/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/auth/login")


def test_each_role_lands_in_its_own_cabinet(app, client):
    """After sign-in each role is redirected to its own dashboard."""
    for role, prefix in [(Role(v), f"/{k}/") for k, v in CABINETS.items()]:
        user = factories.user(role)
        response = client.sign_in(user.email)
        assert response.status_code == 302
        assert response.headers["Location"] == prefix
        assert client.get(prefix).status_code == 200
        client.submit("/auth/logout")
