"""Translations: the shipped catalogs match the code, and a user's language reaches pages and API errors.

This module is also the URLconf of its tests: the session pages and the JWT login API.
"""

import ast
import gettext
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import include, path
from django.utils import translation

import django_totp_native
from django_totp_native.services.errors import LockedOut

pytestmark = pytest.mark.urls(__name__)

urlpatterns = [
    path("account/2fa/", include("django_totp_native.urls.session")),
    path("api/", include("django_totp_native.urls.jwt")),
    path("api/", include("django_totp_native.urls.recovery")),
]

LANGUAGES = ("de", "fr", "es")
PACKAGE = Path(django_totp_native.__file__).resolve().parent


def catalog_path(root: Path, language: str, suffix: str) -> Path:
    return root / "locale" / language / "LC_MESSAGES" / f"django.{suffix}"


def _unquote(line: str) -> str:
    # A .po string is a C-style quoted string; Python's literal rules read it the same way.
    return ast.literal_eval(line)


def read_po(path: Path) -> list[dict]:
    """The live entries of a .po file (obsolete ``#~`` ones left out), header excluded:
    each a dict with msgid, msgid_plural, msgstr ({plural form index: text}) and flags."""
    entries, entry, field = [], None, None
    for raw in path.read_text(encoding="utf-8").splitlines() + [""]:
        line = raw.strip()
        if not line:
            if entry is not None:
                entries.append(entry)
            entry, field = None, None
            continue
        if entry is None:
            entry = {"msgid": "", "msgid_plural": None, "msgstr": {}, "flags": set()}
        if line.startswith("#,"):
            entry["flags"].update(flag.strip() for flag in line[2:].split(","))
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            if isinstance(field, tuple):
                entry["msgstr"][field[1]] += _unquote(line)
            else:
                entry[field] += _unquote(line)
        else:
            keyword, _, value = line.partition(" ")
            match = re.fullmatch(r"msgstr\[(\d+)\]", keyword)
            if match:
                field = ("msgstr", int(match.group(1)))
                entry["msgstr"][field[1]] = _unquote(value)
            elif keyword == "msgstr":
                field = ("msgstr", 0)
                entry["msgstr"][0] = _unquote(value)
            else:
                field = keyword
                entry[field] = _unquote(value)
    return [e for e in entries if e["msgid"]]


def message_keys(entries) -> set:
    return {(e["msgid"], e["msgid_plural"]) for e in entries}


@pytest.fixture(autouse=True)
def _language_restored():
    # LocaleMiddleware activates the request's language for the thread and leaves it active;
    # the other tests compare English messages.
    with translation.override(translation.get_language()):
        yield


@pytest.fixture
def localized(settings):
    """The project has LocaleMiddleware, as a multilingual site does."""
    middleware = list(settings.MIDDLEWARE)
    middleware.insert(middleware.index("django.contrib.sessions.middleware.SessionMiddleware") + 1,
                      "django.middleware.locale.LocaleMiddleware")
    settings.MIDDLEWARE = middleware
    return settings


# The shipped catalogs ---------------------------------------------------------------------


@pytest.mark.oracle("xgettext", "msgfmt")
def test_po_files_hold_every_message_of_the_code_and_no_other(tmp_path, monkeypatch):
    """Fails when a message was added, changed or removed in the code or templates without
    `django-admin makemessages -l de -l fr -l es` (run inside django_totp_native/) and new
    translations: the catalogs are regenerated from a copy of the package and compared."""
    copy = tmp_path / "django_totp_native"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__", "*.so", "*.mo"))
    monkeypatch.chdir(copy)
    call_command("makemessages", locale=list(LANGUAGES), verbosity=0)
    for language in LANGUAGES:
        shipped = message_keys(read_po(catalog_path(PACKAGE, language, "po")))
        current = message_keys(read_po(catalog_path(copy, language, "po")))
        missing, stale = sorted(current - shipped), sorted(shipped - current)
        assert not missing and not stale, (
            f"locale/{language}/LC_MESSAGES/django.po is out of date: "
            f"not yet in it {missing[:5]}, no longer in the code {stale[:5]}. Run makemessages, translate, compilemessages."
        )


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_is_translated(language):
    entries = read_po(catalog_path(PACKAGE, language, "po"))
    assert len(entries) > 200
    untranslated = [e["msgid"] for e in entries if not all(e["msgstr"].values()) or "fuzzy" in e["flags"]]
    assert not untranslated, f"{language}: untranslated or fuzzy: {untranslated[:5]}"
    plurals = [e for e in entries if e["msgid_plural"]]
    assert plurals and all(sorted(e["msgstr"]) == [0, 1] for e in plurals), "two plural forms each"


@pytest.mark.oracle("msgfmt")
@pytest.mark.parametrize("language", LANGUAGES)
def test_mo_files_are_compiled_from_the_po_files(language, tmp_path):
    """The .mo shipped in the wheel says what its .po says (recompiled and compared)."""
    fresh = tmp_path / "django.mo"
    subprocess.run(
        ["msgfmt", "--check", "-o", str(fresh), str(catalog_path(PACKAGE, language, "po"))], check=True
    )
    with open(fresh, "rb") as a, open(catalog_path(PACKAGE, language, "mo"), "rb") as b:
        expected, shipped = gettext.GNUTranslations(a), gettext.GNUTranslations(b)
    assert shipped._catalog == expected._catalog, f"locale/{language}: run compilemessages"


# What users see ---------------------------------------------------------------------------


def test_plural_forms_in_english():
    assert str(LockedOut(retry_after=0)) == "Too many failed attempts. Try again in 1 second."
    assert str(LockedOut(retry_after=4)) == "Too many failed attempts. Try again in 5 seconds."


@pytest.mark.django_db
def test_session_page_in_the_browser_language(localized):
    german = Client(HTTP_ACCEPT_LANGUAGE="de").get("/account/2fa/login/")
    assert german.status_code == 200
    html = german.content.decode()
    assert '<html lang="de"' in html
    assert "<h1>Anmelden</h1>" in html
    assert "werden Sie als Nächstes nach einem Code gefragt" in html

    english = Client().get("/account/2fa/login/").content.decode()
    assert "<h1>Sign in</h1>" in english and "Anmelden" not in english


@pytest.mark.django_db
@pytest.mark.parametrize(
    "language, detail",
    [
        ("de", "Ungültiges oder abgelaufenes Challenge-Token."),
        ("fr", "Jeton de défi non valide ou expiré."),
        ("es", "Token de desafío no válido o caducado."),
        ("en", "Invalid or expired challenge token."),
    ],
)
def test_api_error_in_the_clients_language(localized, enrolled, language, detail):
    response = Client(HTTP_ACCEPT_LANGUAGE=language).post(
        "/api/jwt/totp/verify/",
        {"totp_challenge_token": "not-a-challenge", "otp_code": "123456"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json() == {"detail": detail}
    assert response["Content-Language"] == language


@pytest.mark.django_db
def test_a_module_level_message_follows_each_requests_language(localized):
    """RECOVERY_SENT is defined at import; each answer is still in its client's language."""
    answers = {
        language: Client(HTTP_ACCEPT_LANGUAGE=language).post(
            "/api/totp/recovery/", {"email": "nobody@example.com"}, content_type="application/json"
        ).json()["detail"]
        for language in ("fr", "en")
    }
    assert answers == {
        "fr": "Si un compte avec cette adresse e-mail existe et a TOTP activé, un e-mail de récupération a été envoyé.",
        "en": "If an account with that email exists and has TOTP enabled, a recovery email has been sent.",
    }


@pytest.mark.django_db
def test_lockout_wait_and_admin_message_plurals_in_german():
    from django_totp_native.services.management import OPERATIONS

    with translation.override("de"):
        assert str(LockedOut(retry_after=0)).endswith("in 1 Sekunde erneut.")
        assert str(LockedOut(retry_after=63)).endswith("in 64 Sekunden erneut.")
        assert OPERATIONS["unlock"].unchanged % {"count": 1} == "1 Benutzer war nicht gesperrt."
        assert OPERATIONS["unlock"].unchanged % {"count": 2} == "2 Benutzer waren nicht gesperrt."
