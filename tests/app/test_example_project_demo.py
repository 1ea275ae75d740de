"""The example project as a visitor meets it: links in e-mails name the address the demo is
served on (DEMO_ADDR), and a sign-up page leads an ordinary user into enrollment."""

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLE = Path(__file__).resolve().parents[2] / "example_project"


def _load_settings(tmp_path, monkeypatch, **env):
    monkeypatch.setenv("DEMO_STATE_DIR", str(tmp_path))
    for name in ("DATABASE_URL", "REDIS_URL", "DEMO_ADDR", "DEMO_DOMAIN", "DJANGO_ALLOWED_HOSTS"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    spec = importlib.util.spec_from_file_location("example_demo_settings_addr", EXAMPLE / "demo_site" / "settings.py")
    settings = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(settings)
    return settings


@pytest.mark.parametrize(
    "addr, domain",
    [
        (None, "127.0.0.1:8000"),
        ("127.0.0.1:9000", "127.0.0.1:9000"),
        ("9001", "127.0.0.1:9001"),
        ("0.0.0.0:8080", "127.0.0.1:8080"),
        ("[::]:8081", "127.0.0.1:8081"),
        ("[::1]:8082", "[::1]:8082"),
        ("localhost:8083", "localhost:8083"),
    ],
)
def test_email_links_name_the_address_the_demo_is_served_on(tmp_path, monkeypatch, addr, domain):
    settings = _load_settings(tmp_path, monkeypatch, **({"DEMO_ADDR": addr} if addr else {}))
    assert settings.DOMAIN == domain
    assert domain.rpartition(":")[0] in settings.ALLOWED_HOSTS


def test_demo_domain_overrides_the_address(tmp_path, monkeypatch):
    settings = _load_settings(tmp_path, monkeypatch, DEMO_ADDR="127.0.0.1:9000", DEMO_DOMAIN="demo.example.org")
    assert settings.DOMAIN == "demo.example.org"


def test_demo_script_passes_its_address_to_the_settings():
    script = (EXAMPLE.parent / "tools" / "demo.sh").read_text()
    assert 'export DEMO_ADDR="$ADDR"' in script
    assert "8000" not in script.split('ADDR="${DEMO_ADDR:-127.0.0.1:8000}"')[1]


# A visitor's walk, in the example project's own settings (a subprocess: its settings are
# not the test suite's). It prints what it saw as JSON.
WALK = r"""
import json, re, time
import pyotp
from django.core import mail
from django.test import Client
from django.test.utils import setup_test_environment
from django.contrib.auth import get_user_model

setup_test_environment()  # the locmem e-mail outbox; "testserver" allowed
seen = {}
client = Client()
home = client.get("/").content.decode()
seen["home_links_signup"] = 'href="/accounts/signup/"' in home
page = client.get("/accounts/signup/")
seen["signup_status"] = page.status_code
seen["signup_fields"] = sorted(set(re.findall(r'name="(username|email|password1|password2)"', page.content.decode())))

mismatch = client.post("/accounts/signup/", {"username": "visitor", "email": "visitor@example.com",
                                            "password1": "a quite long passphrase", "password2": "another one"})
seen["mismatch_status"] = mismatch.status_code
seen["user_after_mismatch"] = get_user_model().objects.filter(username="visitor").exists()

done = client.post("/accounts/signup/", {"username": "visitor", "email": "visitor@example.com",
                                        "password1": "a quite long passphrase", "password2": "a quite long passphrase"})
seen["signup_redirect"] = done.status_code, done.get("Location")
user = get_user_model().objects.get(username="visitor")
seen["staff"] = user.is_staff or user.is_superuser
enroll = client.get("/account/2fa/enroll/")
html = enroll.content.decode()
seen["enroll_status"] = enroll.status_code
seen["enroll_shows_qr"] = "<svg" in html

other = Client().post("/accounts/signup/", {"username": "copycat", "email": "VISITOR@example.com",
                                            "password1": "a quite long passphrase", "password2": "a quite long passphrase"})
seen["duplicate_email_refused"] = other.status_code == 200 and "exists already" in other.content.decode()

# Every page has a home link, and a sign-out button while signed in (the example fills
# the app's base template's nav_home / nav_sign_out blocks).
def nav(html):
    found = re.search(r"<nav[^>]*>(.*?)</nav>", html, re.S)
    return found.group(1) if found else ""
signed_in_pages = ["/", "/account/2fa/", "/account/2fa/enroll/", "/account/2fa/backup-codes/"]
seen["signed_in_nav"] = {
    page: ['href="/"' in nav(html), 'action="/accounts/logout/"' in nav(html)]
    for page in signed_in_pages
    for html in [client.get(page).content.decode()]
}
anonymous = Client()
seen["anonymous_nav"] = {
    page: ['href="/"' in nav(html), 'action="/accounts/logout/"' in nav(html)]
    for page in ["/accounts/login/", "/accounts/signup/", "/account/2fa/recovery/"]
    for html in [anonymous.get(page).content.decode()]
}
# The pages in the browser's language (LocaleMiddleware, the app's compiled catalogs).
for language in ("de", "fr"):
    login_page = Client().get("/accounts/login/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
    manage_page = client.get("/account/2fa/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
    seen["lang_" + language] = {
        "html_lang": re.search(r'<html lang="([^"]+)"', login_page).group(1),
        "login_h1": re.search(r"<h1>([^<]+)</h1>", login_page).group(1),
        "manage_state": re.search(r'<p class="state">([^<]+)</p>', manage_page).group(1),
        "nav_home": re.search(r'<a href="/">([^<]+)</a>', nav(manage_page)).group(1),
    }
seen["lang_default"] = re.search(r"<h1>([^<]+)</h1>", Client().get("/accounts/login/").content.decode()).group(1)

from django_totp_native.services import devices
enrollment = devices.start_enrollment(user)
devices.confirm_enrollment(user, pyotp.TOTP(enrollment.secret).at(time.time() - 30))
Client().post("/account/2fa/recovery/", {"email": "visitor@example.com"})
seen["recovery_links"] = re.findall(r"https?://[^/\s]+/account/2fa/recovery/", mail.outbox[0].body) if mail.outbox else []
print("WALK=" + json.dumps(seen))
"""


def test_a_visitor_signs_up_enrolls_and_gets_recovery_links_for_the_demo_address(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE", "DATABASE_URL", "REDIS_URL")}
    env.update(DEMO_STATE_DIR=str(tmp_path), DEMO_ADDR="127.0.0.1:8765")
    manage = [sys.executable, str(EXAMPLE / "manage.py")]
    subprocess.run([*manage, "migrate", "--noinput", "-v", "0"], env=env, check=True, timeout=300)
    result = subprocess.run(
        [*manage, "shell", "-c", WALK], env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stdout + result.stderr
    seen = json.loads(result.stdout.split("WALK=", 1)[1])
    assert seen["home_links_signup"]
    assert seen["signup_status"] == 200
    assert seen["signup_fields"] == ["email", "password1", "password2", "username"]
    assert seen["mismatch_status"] == 200 and not seen["user_after_mismatch"]
    assert seen["signup_redirect"] == [302, "/account/2fa/enroll/"]
    assert seen["staff"] is False
    assert seen["enroll_status"] == 200 and seen["enroll_shows_qr"]
    assert seen["duplicate_email_refused"]
    assert seen["recovery_links"] == ["http://127.0.0.1:8765/account/2fa/recovery/"]
    assert seen["signed_in_nav"] == {page: [True, True] for page in seen["signed_in_nav"]}
    assert seen["anonymous_nav"] == {page: [True, False] for page in seen["anonymous_nav"]}
    assert seen["lang_de"] == {
        "html_lang": "de", "login_h1": "Anmelden",
        "manage_state": "Zwei-Faktor-Authentifizierung ist deaktiviert.", "nav_home": "Start",
    }
    assert seen["lang_fr"] == {
        "html_lang": "fr", "login_h1": "Se connecter",
        "manage_state": "L’authentification à deux facteurs est désactivée.", "nav_home": "Accueil",
    }
    assert seen["lang_default"] == "Sign in"

