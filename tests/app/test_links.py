"""Templates' url_for (app/ui/links.py) writes exactly what Flask's url_for writes, for every shape of link."""

import uuid

import pytest
from flask import render_template_string, url_for

CASES = [
    ("doctor.appointment", {"appointment_id": uuid.UUID("12345678-1234-5678-1234-567812345678")}),
    ("doctor.appointment", {"appointment_id": "not a uuid/ü?&#%"}),
    ("doctor.patients", {"page": 2, "q": "смир ova&x=1#y", "service": "CONS-1"}),
    ("doctor.patients", {"q": "a+b c/d?e"}),
    ("doctor.patients", {}),
    ("reception.dashboard", {"date": "2026-12-03"}),
    ("static", {"filename": "js/chat/mount.js"}),
    ("feeds.feed", {"token": "abc-DEF_123"}),
    ("doctor.patients", {"page": None, "q": "x"}),  # None is left out by Flask: the fallback path
    ("doctor.appointment", {"appointment_id": "x", "_anchor": "files"}),  # special arguments: the fallback path
]


@pytest.mark.parametrize(("endpoint", "values"), CASES)
def test_templates_write_the_links_flask_writes(app, endpoint, values):
    """Rendered twice in one template (the second from the cached pattern), each link equals Flask's own."""
    with app.test_request_context("/"):
        expected = url_for(endpoint, **values)
        page = render_template_string(
            "{{ url_for(endpoint, **values) }}|{{ url_for(endpoint, **values) }}", endpoint=endpoint, values=values
        )
    assert page.split("|") == [str(render_template_string("{{ e }}", e=expected))] * 2


def test_other_values_after_the_first_fill_the_same_pattern(app):
    """A list of rows: each row's link carries its own value, quoted as Flask quotes it."""
    ids = ["a b", "ü", "x/y", "1", "%41"]
    with app.test_request_context("/"):
        expected = [url_for("doctor.patients", q=value, page=3) for value in ids]
        page = render_template_string(
            "{% for v in ids %}{{ url_for('doctor.patients', q=v, page=3) }}\n{% endfor %}", ids=ids
        )
    assert page.splitlines() == [str(render_template_string("{{ e }}", e=e)) for e in expected]


def test_a_mount_point_gets_its_own_links(app):
    """The app served under /clinic links under /clinic, after links were made for the root."""
    with app.test_request_context("/"):
        at_root = render_template_string("{{ url_for('doctor.patients', q='x') }}")
    with app.test_request_context("/", base_url="http://localhost/clinic"):
        mounted = render_template_string("{{ url_for('doctor.patients', q='x') }}")
        expected = url_for("doctor.patients", q="x")
    assert at_root == "/doctor/patients?q=x"
    assert mounted == expected == "/clinic/doctor/patients?q=x"
