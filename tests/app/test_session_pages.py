"""Session pages with Django's test Client: enrollment, backup codes, two-step login, guards.

This module is also the URLconf of its tests (``pytest.mark.urls(__name__)``): the session
pages under /account/2fa/ and a few protected views, without touching tests/app/urls.py.
"""

import re
import time
from urllib.parse import unquote
from html import unescape

import pytest
from django.contrib.auth.views import LogoutView
from django.http import HttpResponse
from django.test import Client
from django.urls import include, path, reverse
from django.views import View

from django_totp_native import core
from django_totp_native.services import devices, management
from django_totp_native.session.decorators import otp_required
from django_totp_native.session.mixins import OTPRequiredMixin

from .conftest import attempt_state, enroll

pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]

PASSWORD = "correct horse battery"


@otp_required
def secret_view(request):
    return HttpResponse(f"secret page, verified={request.user.is_verified()}")


@otp_required(if_configured=True)
def optional_view(request):
    return HttpResponse("optional page")


class SecretClassView(OTPRequiredMixin, View):
    def get(self, request):
        return HttpResponse("secret class page")


def plain_view(request):
    verified = request.user.is_verified() if hasattr(request.user, "is_verified") else "n/a"
    return HttpResponse(f"plain page, verified={verified}")


urlpatterns = [
    path("account/2fa/", include("django_totp_native.urls.session")),
    path("logout/", LogoutView.as_view(next_page="/plain/"), name="logout"),
    path("secret/", secret_view),
    path("optional/", optional_view),
    path("secret-class/", SecretClassView.as_view()),
    path("plain/", plain_view),
]


@pytest.fixture(autouse=True)
def _session_settings(settings):
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, "django_totp_native.session.middleware.OTPMiddleware"]
    settings.LOGIN_URL = "django_totp_native:login"
    settings.LOGIN_REDIRECT_URL = "/plain/"


def url(name, **kwargs):
    return reverse(f"django_totp_native:{name}", kwargs=kwargs)


def current_code(secret, offset_steps=0):
    """The code an authenticator app shows, computed by the native core."""
    return core.totp(core.b32decode(secret), time.time() + 30 * offset_steps)


def secret_from_page(html: str) -> str:
    match = re.search(r'<code id="totp-secret">([A-Z2-7 ]+)</code>', html)
    assert match, "the enrollment page shows the key for manual entry"
    return match.group(1).replace(" ", "")


def codes_from_page(html: str) -> list[str]:
    return re.findall(r"<li><code>([0-9A-Z-]+)</code></li>", html)


def login_with_password(client, username, next_url=None):
    target = url("login") + (f"?next={next_url}" if next_url else "")
    data = {"username": username, "password": PASSWORD}
    if next_url:
        data["next"] = next_url
    return client.post(target, data)


def enroll_through_pages(client):
    page = client.get(url("enroll"))
    assert page.status_code == 200
    html = page.content.decode()
    secret = secret_from_page(html)
    response = client.post(url("confirm"), {"code": current_code(secret, -1)})
    assert response.status_code == 200 and len(codes_from_page(response.content.decode())) == 10
    return secret


def test_enroll_confirm_backup_codes_once_download_logout_and_two_step_login(make_user):
    user = make_user("carol")
    client = Client()
    client.force_login(user)

    page = client.get(url("enroll")).content.decode()
    assert "<svg" in page and url("enroll_qr_png") in page
    secret = secret_from_page(page)
    # Reloading the page shows the same key (the user may already have scanned it).
    assert secret_from_page(client.get(url("enroll")).content.decode()) == secret
    png = client.get(url("enroll_qr_png"))
    assert png.status_code == 200 and png["Content-Type"] == "image/png"
    assert png.content.startswith(b"\x89PNG\r\n\x1a\n")
    assert "no-store" in png["Cache-Control"]

    wrong = client.post(url("confirm"), {"code": "000000" if current_code(secret) != "000000" else "111111"})
    assert wrong.status_code == 200 and "not valid" in wrong.content.decode()
    assert not devices.is_enabled(user)

    response = client.post(url("confirm"), {"code": current_code(secret, -1)})
    assert response.status_code == 200
    assert devices.is_enabled(user)

    # The codes are in the answer that made them, with a download link carrying them in
    # the page itself; they are never kept in the session.
    shown = response.content.decode()
    codes = codes_from_page(shown)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert "no-store" in response["Cache-Control"]
    href = unquote(re.search(r'href="data:text/plain;charset=utf-8,([^"]*)" download=', shown).group(1))
    assert all(code in href for code in codes)
    stored = str(dict(client.session.items()))
    assert not any(code in stored for code in codes)

    again = client.get(url("backup_codes")).content.decode()
    assert codes_from_page(again) == []
    assert not any(code in again for code in codes)

    # The session that enrolled passed the code: protected pages open.
    assert client.get("/secret/").status_code == 200

    client.post("/logout/")
    assert client.get("/secret/").status_code == 302

    response = login_with_password(client, "carol", next_url="/secret/?x=1")
    assert response.status_code == 302 and response["Location"] == url("verify")
    # Password alone does not sign in.
    assert "_auth_user_id" not in client.session
    assert client.get("/secret/")["Location"].startswith(url("login"))

    page = client.get(url("verify"))
    assert page.status_code == 200 and 'autocomplete="one-time-code"' in page.content.decode()
    response = client.post(url("verify"), {"code": current_code(secret)})
    assert response.status_code == 302 and response["Location"] == "/secret/?x=1"
    assert client.get("/secret/").content == b"secret page, verified=True"


def test_unsafe_next_is_ignored(enrolled):
    client = Client()
    response = login_with_password(client, "alice", next_url="https://evil.example/")
    assert response["Location"] == url("verify")
    response = client.post(url("verify"), {"code": enrolled.code()})
    assert response.status_code == 302
    assert response["Location"] == "/plain/"

    # Also on the code page of an already signed-in session.
    client = Client()
    client.force_login(enrolled.user)
    response = client.post(url("verify") + "?next=https://evil.example/", {"code": enrolled.code(1)})
    assert response["Location"] == "/plain/"


def test_replayed_code_is_refused(enrolled):
    code = enrolled.code()
    first = Client()
    login_with_password(first, "alice")
    assert first.post(url("verify"), {"code": code}).status_code == 302

    second = Client()
    login_with_password(second, "alice")
    response = second.post(url("verify"), {"code": code})
    assert response.status_code == 200
    # Refused and counted like a wrong code, with the hint that fits it.
    assert "That code was just used; wait for the next one." in response.content.decode()
    assert "_auth_user_id" not in second.session
    assert attempt_state(enrolled.user).failed_attempts == 1


def test_a_wrong_code_gets_no_replay_hint(enrolled):
    client = Client()
    login_with_password(client, "alice")
    assert client.post(url("verify"), {"code": enrolled.code()}).status_code == 302
    other = Client()
    login_with_password(other, "alice")
    wrong = str((int(enrolled.code()) + 1) % 1_000_000).zfill(6)
    page = other.post(url("verify"), {"code": wrong}).content.decode()
    assert "That code is not valid." in page and "just used" not in page


def test_a_replayed_step_up_code_gets_the_hint(enrolled, settings):
    settings.TOTP_REQUIRE_CODE_FOR_CHANGES = True
    client = Client()
    login_with_password(client, "alice")
    code = enrolled.code()
    assert client.post(url("verify"), {"code": code}).status_code == 302
    page = client.post(url("regenerate"), {"code": code}).content.decode()
    assert "That code was just used; wait for the next one." in page


def test_backup_code_works_once(enrolled):
    backup = enrolled.backup_codes[0]
    client = Client()
    login_with_password(client, "alice", next_url="/secret/")
    response = client.post(url("verify"), {"code": backup.lower()})
    assert response.status_code == 302 and response["Location"] == "/secret/"
    assert client.get("/secret/").status_code == 200

    again = Client()
    login_with_password(again, "alice")
    response = again.post(url("verify"), {"code": backup})
    assert response.status_code == 200 and "_auth_user_id" not in again.session


def test_user_without_2fa_logs_in_with_password_only(make_user):
    make_user("dave")
    client = Client()
    response = login_with_password(client, "dave", next_url="/optional/")
    assert response.status_code == 302 and response["Location"] == "/optional/"
    assert client.get("/optional/").status_code == 200
    # A page that needs 2FA sends a user without it to enrollment, and back afterwards.
    response = client.get("/secret/")
    assert response.status_code == 302
    assert response["Location"] == url("enroll") + "?next=%2Fsecret%2F"


@pytest.mark.parametrize("path", ["/secret/", "/secret-class/"])
def test_decorator_and_mixin_redirect_unverified_users(enrolled, path):
    anonymous = Client().get(path)
    assert anonymous.status_code == 302 and anonymous["Location"].startswith(url("login") + "?next=")

    client = Client()
    client.force_login(enrolled.user)  # signed in with a password only (e.g. Django's LoginView)
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"] == url("verify") + "?next=" + path.replace("/", "%2F")
    assert client.get("/plain/").content == b"plain page, verified=False"

    response = client.post(response["Location"], {"code": enrolled.code()})
    assert response["Location"] == path
    assert client.get(path).status_code == 200
    assert client.get("/plain/").content == b"plain page, verified=True"


def test_wrong_code_on_login_keeps_the_user_out(enrolled):
    client = Client()
    login_with_password(client, "alice")
    bad = "000000" if enrolled.code() != "000000" else "111111"
    response = client.post(url("verify"), {"code": bad})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'aria-invalid="true"' in html and 'role="alert"' in html
    assert bad not in html  # the rejected code is not echoed back
    assert "_auth_user_id" not in client.session


def _verified_client(enrolled, *, enforce_csrf=False):
    """A client signed in through the login pages (password, then code)."""
    client = Client(enforce_csrf_checks=enforce_csrf)
    token = _csrf_token(client, url("login"))
    client.post(url("login"), {"username": "alice", "password": PASSWORD, "csrfmiddlewaretoken": token})
    token = _csrf_token(client, url("verify"))
    response = client.post(url("verify"), {"code": enrolled.code(), "csrfmiddlewaretoken": token})
    assert response.status_code == 302
    return client


def _csrf_token(client, page_url):
    page = client.get(page_url)
    assert page.status_code == 200
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode()).group(1)


def test_regenerate_needs_post_and_csrf(enrolled):
    client = _verified_client(enrolled, enforce_csrf=True)
    old = enrolled.backup_codes

    page = client.get(url("regenerate"))
    assert page.status_code == 200 and 'method="post"' in page.content.decode()
    assert client.post(url("regenerate")).status_code == 403  # no CSRF token

    token = _csrf_token(client, url("regenerate"))
    response = client.post(url("regenerate"), {"csrfmiddlewaretoken": token})
    assert response.status_code == 200
    new = codes_from_page(response.content.decode())
    assert len(new) == 10 and not set(new) & set(old)
    assert not devices.verify_backup(enrolled.user, old[1])
    assert devices.verify_backup(enrolled.user, new[0])


def test_disable_needs_post_and_csrf(enrolled):
    client = _verified_client(enrolled, enforce_csrf=True)
    assert client.get(url("disable")).status_code == 200
    assert devices.is_enabled(enrolled.user)
    assert client.post(url("disable")).status_code == 403
    assert devices.is_enabled(enrolled.user)

    token = _csrf_token(client, url("disable"))
    response = client.post(url("disable"), {"csrfmiddlewaretoken": token})
    assert response.status_code == 302 and response["Location"] == url("manage")
    assert not devices.is_enabled(enrolled.user)
    assert "off" in client.get(url("manage")).content.decode()


def test_changes_need_a_verified_session(enrolled):
    client = Client()
    client.force_login(enrolled.user)
    for name in ("regenerate", "disable"):
        response = client.post(url(name))
        assert response.status_code == 302 and response["Location"].startswith(url("verify"))
    assert devices.is_enabled(enrolled.user)


def test_step_up_code_required_for_changes(enrolled, settings):
    settings.TOTP_REQUIRE_CODE_FOR_CHANGES = True
    client = _verified_client(enrolled)
    response = client.post(url("disable"))
    assert response.status_code == 200 and devices.is_enabled(enrolled.user)
    response = client.post(url("disable"), {"code": enrolled.code(1)})
    assert response.status_code == 302 and not devices.is_enabled(enrolled.user)


def test_required_user_is_sent_to_enrollment(make_user):
    user = make_user("erin")
    management.require(user)
    client = Client()
    response = login_with_password(client, "erin", next_url="/optional/")
    assert response.status_code == 302
    assert response["Location"] == url("enroll") + "?next=%2Foptional%2F"
    # The middleware keeps the user on the 2FA pages until enrolled.
    assert client.get("/plain/")["Location"] == url("enroll") + "?next=%2Fplain%2F"
    assert client.get("/optional/")["Location"].startswith(url("enroll"))
    assert client.get(url("manage")).status_code == 200

    secret = secret_from_page(client.get(url("enroll") + "?next=/optional/").content.decode())
    response = client.post(url("confirm"), {"code": current_code(secret), "next": "/optional/"})
    assert response.status_code == 200 and 'name="next" value="/optional/"' in response.content.decode()
    assert client.get("/plain/").status_code == 200
    # A required user cannot turn 2FA off.
    assert client.post(url("disable"))["Location"] == url("manage")
    assert devices.is_enabled(user)


def test_pending_login_cannot_be_used_without_password(enrolled):
    # The code page alone (no password step) signs nobody in.
    client = Client()
    response = client.post(url("verify"), {"code": enrolled.code()})
    assert response.status_code == 302 and response["Location"].startswith(url("login"))
    assert "_auth_user_id" not in client.session


def test_invalid_or_expired_challenge_sends_back_to_password(enrolled, settings):
    client = Client()
    login_with_password(client, "alice", next_url="/secret/")
    session = client.session
    pending = session["_totp_pending_login"]
    session["_totp_pending_login"] = {**pending, "token": pending["token"][:-2] + ("BB" if pending["token"].endswith("AA") else "AA")}
    session.save()
    response = client.post(url("verify"), {"code": enrolled.code()})
    assert response.status_code == 302
    assert response["Location"] == url("login") + "?next=%2Fsecret%2F"
    assert "_auth_user_id" not in client.session
    assert "_totp_pending_login" not in client.session


def test_recovery_pages_disable_2fa_with_the_emailed_link(enrolled, mailoutbox, settings):
    settings.TOTP_RECOVERY_CONFIRM_URL = "/account/2fa/recovery/{uid}/{token}/"
    client = Client()
    response = client.post(url("recovery"), {"email": "nobody@example.com"})
    assert response.status_code == 200 and len(mailoutbox) == 0
    same = client.post(url("recovery"), {"email": "alice@example.com"})
    assert same.status_code == 200 and len(mailoutbox) == 1
    assert "we have sent it a link" in same.content.decode()
    link = re.search(r"(/account/2fa/recovery/[^/\s]+/[^/\s]+/)", mailoutbox[0].body).group(1)
    assert client.get(link).status_code == 200
    wrong = client.post(link, {"password": "wrong"})
    assert wrong.status_code == 200 and devices.is_enabled(enrolled.user)
    done = client.post(link, {"password": PASSWORD})
    assert done.status_code == 200 and not devices.is_enabled(enrolled.user)


def test_restart_enrollment_gives_a_new_key(user):
    client = Client()
    client.force_login(user)
    first = secret_from_page(client.get(url("enroll")).content.decode())
    assert client.get(url("enroll_restart")).status_code == 405
    client.post(url("enroll_restart"))
    second = secret_from_page(client.get(url("enroll")).content.decode())
    assert first != second


def test_enrolled_user_is_not_shown_the_key_again(enrolled):
    client = _verified_client(enrolled)
    response = client.get(url("enroll"))
    assert response.status_code == 302 and response["Location"] == url("manage")
    assert client.get(url("enroll_qr_png")).status_code == 404


EXTERNAL = re.compile(r"""(?:src|href|action)\s*=\s*["']?\s*(?:https?:)?//""", re.IGNORECASE)


def test_pages_render_without_external_assets(make_user, mailoutbox):
    user = make_user("frank")
    client = Client()
    pages = {}
    pages["login"] = client.get(url("login")).content.decode()
    pages["recovery"] = client.get(url("recovery")).content.decode()
    client.force_login(user)
    pages["manage_off"] = client.get(url("manage")).content.decode()
    pages["enroll"] = client.get(url("enroll")).content.decode()
    secret = secret_from_page(pages["enroll"])
    client.post(url("confirm"), {"code": current_code(secret)})
    pages["backup_codes"] = client.get(url("backup_codes")).content.decode()
    pages["backup_codes_again"] = client.get(url("backup_codes")).content.decode()
    pages["manage_on"] = client.get(url("manage")).content.decode()
    pages["regenerate"] = client.get(url("regenerate")).content.decode()
    pages["disable"] = client.get(url("disable")).content.decode()
    other = Client()
    login_with_password(other, "frank")
    pages["verify"] = other.get(url("verify")).content.decode()
    for name, html in pages.items():
        assert html.lstrip().lower().startswith("<!doctype html>"), name
        assert '<html lang="' in html, name
        assert not EXTERNAL.search(html), f"{name} refers to another host"
        assert "<link " not in html and "<script src" not in html, name
        for form in re.findall(r"<form[^>]*>.*?</form>", html, re.S):
            if 'method="post"' in form:
                assert "csrfmiddlewaretoken" in form, name
        for input_id in re.findall(r'<input[^>]+type="(?:text|password|email)"[^>]*id="([^"]+)"', html):
            assert f'for="{input_id}"' in html, f"{name}: input {input_id} has no label"
    assert unescape(pages["enroll"]).count(secret) >= 1
