"""Russian and English: complete catalogs, language choice, and the header switcher."""

import pytest
import sqlalchemy as sa
from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po

from app.models import Role, User
from tests import factories

LANGUAGES = ("ru", "en")


@pytest.fixture(scope="module")
def extracted(project_root, tmp_path_factory):
    """Every message the code and templates mark for translation, extracted afresh."""
    pot = tmp_path_factory.mktemp("i18n") / "messages.pot"
    # The same options as `make messages`.
    options = ["--ignore-dirs=.* node_modules", "-F", str(project_root / "babel.cfg"), "-k", "_l", "-k", "lazy_gettext"]
    CommandLineInterface().run(["pybabel", "-q", "extract", *options, "-o", str(pot), str(project_root)])
    with pot.open("rb") as fh:
        catalog = read_po(fh)
    ids = {m.id for m in catalog if m.id}
    assert len(ids) > 50  # the extraction itself worked
    return ids


@pytest.mark.parametrize("language", LANGUAGES)
def test_catalog_is_complete(project_root, extracted, language):
    """Every extracted message has a non-fuzzy translation whose placeholders match."""
    path = project_root / "app" / "translations" / language / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as fh:
        catalog = read_po(fh)
    translated = {}
    for message in catalog:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        assert all(strings), f"{language}: untranslated {message.id!r}"
        assert "fuzzy" not in message.flags, f"{language}: fuzzy {message.id!r}"
        assert not list(message.check(catalog)), f"{language}: {message.id!r} {list(message.check(catalog))}"
        translated[message.id if isinstance(message.id, str) else message.id[0]] = strings
    missing = {m if isinstance(m, str) else m[0] for m in extracted} - set(translated)
    assert not missing, f"{language}: not in the catalog (run `make messages`): {sorted(missing)[:10]}"


def test_russian_from_accept_language(client):
    """A browser asking for Russian gets Russian pages."""
    page = client.get("/auth/login", headers={"Accept-Language": "ru-RU,ru;q=0.9,en;q=0.5"}).get_data(as_text=True)
    assert 'lang="ru"' in page and "Войти" in page


def test_english_by_default(client):
    """A browser asking for neither language gets the default, English."""
    page = client.get("/auth/login", headers={"Accept-Language": "de-DE"}).get_data(as_text=True)
    assert 'lang="en"' in page and "Sign in" in page


def test_switcher_for_anonymous_visitors(client):
    """The header switcher changes the language for the rest of the visit and returns to the page."""
    response = client.submit("/locale", {"language": "ru", "next": "/specialists"})
    assert response.headers["Location"] == "/specialists"
    assert 'lang="ru"' in client.get("/specialists", headers={"Accept-Language": "en"}).get_data(as_text=True)


def test_switcher_refuses_foreign_redirects(client):
    """The switcher's return address must be on this site."""
    response = client.submit("/locale", {"language": "ru", "next": "https://evil.example/"})
    assert response.headers["Location"] == "/"


def test_users_setting_wins_and_is_remembered(client, db):
    """A signed-in user's choice is stored on the account and outranks the browser on the next visit."""
    user = factories.user(Role.DOCTOR)
    client.sign_in(user.email)
    client.submit("/locale", {"language": "ru", "next": "/doctor/"})
    assert db.session.scalar(sa.select(User.locale).filter_by(id=user.id)) == "ru"
    client.submit("/auth/logout")
    fresh = client.application.test_client()
    fresh.sign_in(user.email)
    page = fresh.get("/doctor/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert 'lang="ru"' in page


def test_unknown_language_is_ignored(client):
    """A forged language code changes nothing."""
    client.submit("/locale", {"language": "xx"})
    assert 'lang="en"' in client.get("/").get_data(as_text=True)
