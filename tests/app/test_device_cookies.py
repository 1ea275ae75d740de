"""Issue 18 item 4: anyone who knows a login name must not keep its owner out.

Ten wrong passwords for a login name (from anywhere, in any case or width) refuse its
password step for every client, the owner's right password included. Each test here
performs that attack and then signs the owner in at once from a browser or client that
had signed in to the account before (its device cookie or device token, OWASP's "device
cookies"), while an unknown client with the right password is still refused.

This module is also the URLconf of its tests: the API, the default admin (the opted-in OTP
site), a second OTP admin site and the session pages.
"""

import itertools
import sys

import pytest
from django.contrib import admin
from django.contrib.auth.signals import user_login_failed
from django.test import Client
from django.urls import include, path
from django.views.debug import ExceptionReporter
from django.views.decorators.debug import sensitive_variables
from rest_framework.test import APIClient

from django_totp_native import checks
from django_totp_native.admin import OTPAdminSite
from django_totp_native.conf import conf
from django_totp_native.services import challenges, throttling
from django_totp_native.services.sessions import PENDING_LOGIN_KEY

from .conftest import enroll

pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]

otp_site = OTPAdminSite(name="device_cookie_otp_admin")

urlpatterns = [
    path("admin/", admin.site.urls),
    path("otp-admin/", otp_site.urls),
    path("api/", include("django_totp_native.urls")),
    path("api/", include("django_totp_native.urls.recovery")),
    path("api/", include("django_totp_native.urls.jwt")),
    path("account/2fa/", include("django_totp_native.urls.session")),
]

PASSWORD = "correct horse battery"
JWT_CREATE, JWT_VERIFY = "/api/jwt/create/", "/api/jwt/totp/verify/"
SESSION_LOGIN, SESSION_VERIFY = "/account/2fa/login/", "/account/2fa/verify/"


def spellings(login_name) -> list[str]:
    """The login name as an attacker types it: case, width ("ａｌｉｃｅ") and whitespace
    variants, which all feed the owner's one counter."""
    fullwidth = "".join(chr(ord(c) + 0xFEE0) for c in login_name)
    return [login_name, login_name.upper(), fullwidth, f" {login_name.capitalize()} "]


def spelling(login_name, i) -> str:
    return spellings(login_name)[i % 4]


_counter = itertools.count(1)


def new_address() -> dict:
    """A new REMOTE_ADDR and X-Forwarded-For: a botnet, one request per machine."""
    n = next(_counter)
    return {"HTTP_X_FORWARDED_FOR": f"203.0.{n // 250}.{n % 250 + 1}", "REMOTE_ADDR": f"198.51.{n // 250}.{n % 250 + 1}"}


@pytest.fixture
def limit(settings):
    settings.TOTP_LOGIN_FAILURES_PER_ACCOUNT = 4
    return 4


@pytest.fixture
def password_checks():
    """Login names whose password Django's authenticate() rejected."""
    failures = []

    def record(sender, credentials=None, **kwargs):
        failures.append(credentials.get("username"))

    user_login_failed.connect(record)
    yield failures
    user_login_failed.disconnect(record)


def is_signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def device_cookies(client) -> dict:
    return {name: morsel for name, morsel in client.cookies.items() if name.startswith(throttling.DEVICE_COOKIE_PREFIX)}


def forget_session(client) -> None:
    """The browser signs out (its session ends) but keeps its other cookies."""
    client.cookies.pop("sessionid", None)


# JWT login ----------------------------------------------------------------------------------


def jwt_login(username="alice", password=PASSWORD, device_token=None):
    body = {"username": username, "password": password}
    if device_token is not None:
        body["device_token"] = device_token
    return APIClient().post(JWT_CREATE, body, format="json", **new_address())


def exhaust_jwt(limit, username="alice"):
    """The attack: wrong passwords for the login name in all its spellings, each from a new
    address, until the account's limit refuses even the right password."""
    for i in range(limit):
        assert jwt_login(spelling(username, i), f"guess{i}").status_code == 401
    refused = jwt_login(username)
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    return refused


def test_jwt_owner_with_a_device_token_signs_in_while_an_attacker_holds_the_account_limit(make_user, limit):
    make_user("alice", is_staff=True, is_superuser=True)
    earlier = jwt_login()
    assert earlier.status_code == 200 and earlier.json()["device_token"]
    token = earlier.json()["device_token"]

    exhaust_jwt(limit)

    owner = jwt_login(device_token=token)
    assert owner.status_code == 200 and owner.json()["access"] and owner.json()["refresh"]
    assert owner.json()["device_token"] != token  # each login hands out a fresh one
    for variant in spellings("alice")[1:]:  # the token is for the account however its name is
        # typed: the password is checked (and fails: these spellings are not the user's)
        assert jwt_login(variant, device_token=token).status_code == 401
    stranger = jwt_login()
    assert stranger.status_code == 429 and int(stranger["Retry-After"]) > 0
    assert "access" not in stranger.json()


def test_jwt_with_2fa_the_device_token_comes_with_the_whole_login(enrolled, limit, settings):
    settings.TOTP_BACKOFF_AFTER = 100
    first = jwt_login()
    assert first.status_code == 200 and "totp_challenge_token" in first.json()
    assert "device_token" not in first.json()  # the password alone earns none
    second = APIClient().post(
        JWT_VERIFY, {"totp_challenge_token": first.json()["totp_challenge_token"], "otp_code": enrolled.code()},
        format="json",
    )
    assert second.status_code == 200
    token = second.json()["device_token"]

    exhaust_jwt(limit)

    owner = jwt_login(device_token=token)
    assert owner.status_code == 200 and "totp_challenge_token" in owner.json()
    assert jwt_login().status_code == 429


def test_jwt_enrollment_required_login_also_gets_a_device_token(user, limit):
    from django_totp_native.services import management

    management.require(user)
    answer = jwt_login()
    assert answer.status_code == 200 and answer.json()["totp_enrollment_required"] is True
    token = answer.json()["device_token"]
    exhaust_jwt(limit)
    assert jwt_login(device_token=token).json()["totp_enrollment_required"] is True


def test_a_device_token_opens_only_its_own_account_and_only_while_genuine(make_user, limit, monkeypatch):
    clock = [2_000_000.0]
    monkeypatch.setattr(throttling, "_now", lambda: clock[0])
    make_user("alice")
    make_user("bob")
    alices = jwt_login("alice").json()["device_token"]
    bobs = jwt_login("bob").json()["device_token"]
    exhaust_jwt(limit, "bob")

    altered = bobs[:-2] + ("AA" if bobs[-2:] != "AA" else "BB")
    a_challenge = challenges.issue(make_user("carol"))  # signed with the same key, other purpose
    for presented in (alices, altered, a_challenge, "", None, "x" * 1024):
        refused = jwt_login("bob", device_token=presented)
        assert refused.status_code == 429 and "access" not in refused.json()
    assert jwt_login("bob", device_token="x" * 1025).status_code == 400  # a field error, as any overlong field
    assert jwt_login("bob", device_token=bobs).status_code == 200

    clock[0] += conf.DEVICE_COOKIE_MAX_AGE + 1  # the token has expired, the account is locked again
    exhaust_jwt(limit, "bob")
    assert jwt_login("bob", device_token=bobs).status_code == 429


def test_a_device_token_has_its_own_limit_and_too_many_failures_spend_it(user, limit, password_checks, monkeypatch):
    clock = [3_000_000.0]
    monkeypatch.setattr(throttling, "_now", lambda: clock[0])
    token = jwt_login().json()["device_token"]
    # Someone who took the token guesses with it: it has the same limit as the account…
    for i in range(limit):
        assert jwt_login(password=f"guess{i}", device_token=token).status_code == 401
    # …and those failures are not the account's: an unknown client still signs in.
    fresh = jwt_login()
    assert fresh.status_code == 200
    # Over its own limit the token is spent: it meets the account's limit from now on…
    exhaust_jwt(limit)
    assert jwt_login(device_token=token).status_code == 429
    assert jwt_login(device_token=fresh.json()["device_token"]).status_code == 200
    assert len(password_checks) == 2 * limit  # the thief's and the attack's; no refused one checked
    # …also once its failures are long out of the window: spent for good, not for a while.
    clock[0] += 3 * conf.LOGIN_FAILURE_WINDOW
    exhaust_jwt(limit)
    assert jwt_login(device_token=token).status_code == 429
    assert jwt_login(device_token=fresh.json()["device_token"]).status_code == 200


def test_with_device_tokens_off_the_owner_meets_the_account_limit(user, limit, settings):
    settings.TOTP_DEVICE_COOKIE_MAX_AGE = None
    earlier = jwt_login()
    assert earlier.status_code == 200 and "device_token" not in earlier.json()
    session_browser = Client()
    session_browser.post(SESSION_LOGIN, {"username": "alice", "password": PASSWORD})
    assert is_signed_in(session_browser) and device_cookies(session_browser) == {}
    exhaust_jwt(limit)
    forged = throttling.core.sign_challenge(  # even a genuine token of an earlier setting
        throttling.keys.challenge_key(), throttling._device_subject("alice"), throttling.DEVICE_TOKEN_PURPOSE
    )
    assert jwt_login(device_token=forged).status_code == 429


# Session login ------------------------------------------------------------------------------


def session_login(client, username="alice", password=PASSWORD, **extra):
    return client.post(SESSION_LOGIN, {"username": username, "password": password}, **new_address(), **extra)


def exhaust_session(limit, username="alice"):
    for i in range(limit):
        response = session_login(Client(), spelling(username, i), f"guess{i}")
        assert response.status_code == 200 and b"Please enter a correct" in response.content
    stranger = Client()
    refused = session_login(stranger)
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert not is_signed_in(stranger) and PENDING_LOGIN_KEY not in stranger.session


def test_session_owner_with_a_device_cookie_signs_in_while_an_attacker_holds_the_account_limit(user, limit):
    browser = Client()
    assert session_login(browser).status_code == 302 and is_signed_in(browser)
    assert len(device_cookies(browser)) == 1
    forget_session(browser)
    assert not is_signed_in(browser)

    exhaust_session(limit)

    answer = session_login(browser)
    assert answer.status_code == 302 and is_signed_in(browser)
    stranger = Client()
    assert session_login(stranger).status_code == 429 and not is_signed_in(stranger)


def test_the_device_cookie_is_http_only_same_site_lax_long_lived_and_secure_over_https(user, settings):
    plain, secure = Client(), Client()
    session_login(plain)
    session_login(secure, secure=True)
    (cookie,) = device_cookies(plain).values()
    assert cookie["httponly"] and cookie["samesite"] == "Lax" and cookie["path"] == "/"
    assert int(cookie["max-age"]) == 180 * 24 * 3600 == conf.DEVICE_COOKIE_MAX_AGE
    assert not cookie["secure"]
    (cookie,) = device_cookies(secure).values()
    assert cookie["secure"]
    settings.TOTP_DEVICE_COOKIE_MAX_AGE = 3600
    shorter = Client()
    session_login(shorter)
    assert int(next(iter(device_cookies(shorter).values()))["max-age"]) == 3600


def test_session_with_2fa_the_cookie_comes_with_the_code_and_spares_the_owner(enrolled, limit, settings):
    settings.TOTP_BACKOFF_AFTER = 100
    browser = Client()
    assert session_login(browser)["Location"].startswith(SESSION_VERIFY)
    assert device_cookies(browser) == {}  # the password alone earns none
    assert browser.post(SESSION_VERIFY, {"code": enrolled.code()}).status_code == 302 and is_signed_in(browser)
    assert len(device_cookies(browser)) == 1
    forget_session(browser)

    exhaust_session(limit)

    answer = session_login(browser)
    assert answer.status_code == 302 and answer["Location"].startswith(SESSION_VERIFY)
    assert PENDING_LOGIN_KEY in browser.session


def test_a_browser_keeps_one_device_cookie_per_account(make_user, limit):
    make_user("alice")
    make_user("bob")
    browser = Client()
    session_login(browser, "alice")
    forget_session(browser)
    session_login(browser, "bob")
    forget_session(browser)
    assert len(device_cookies(browser)) == 2
    exhaust_session(limit, "alice")
    exhaust_session(limit, "bob")
    assert session_login(browser, "alice").status_code == 302
    forget_session(browser)
    assert session_login(browser, "bob").status_code == 302


# Admin login ---------------------------------------------------------------------------------

OTP_ADMIN_LOGINS = pytest.mark.parametrize(
    "site", ["/admin/", "/otp-admin/"], ids=["default-otp-admin", "otp-admin-site"]
)


def admin_login(client, site, username="root", password=PASSWORD):
    return client.post(f"{site}login/", {"username": username, "password": password, "next": site}, **new_address())


def exhaust_admin(limit, site):
    for i in range(limit):
        assert admin_login(Client(), site, spelling("root", i), f"guess{i}").status_code == 200
    stranger = Client()
    refused = admin_login(stranger, site)
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0 and b"Too many" in refused.content
    assert not is_signed_in(stranger)


@OTP_ADMIN_LOGINS
def test_admin_superuser_with_a_device_cookie_signs_in_while_an_attacker_holds_the_account_limit(
    make_user, limit, site
):
    make_user("root", is_staff=True, is_superuser=True)
    browser = Client()
    assert admin_login(browser, site).status_code == 302 and len(device_cookies(browser)) == 1
    forget_session(browser)

    exhaust_admin(limit, site)

    answer = admin_login(browser, site)
    assert answer.status_code == 302 and answer["Location"] == site and is_signed_in(browser)
    assert browser.get(site).status_code == 200
    assert admin_login(Client(), site).status_code == 429


@OTP_ADMIN_LOGINS
def test_admin_with_2fa_the_cookie_comes_with_the_code_and_spares_the_owner(make_user, limit, settings, site):
    settings.TOTP_BACKOFF_AFTER = 100
    root = enroll(make_user("root", is_staff=True, is_superuser=True))
    browser = Client()
    assert admin_login(browser, site)["Location"] == f"{site}login/two-factor/"
    assert device_cookies(browser) == {}
    assert browser.post(f"{site}login/two-factor/", {"code": root.code()}).status_code == 302
    assert len(device_cookies(browser)) == 1
    forget_session(browser)

    exhaust_admin(limit, site)

    answer = admin_login(browser, site)
    assert answer.status_code == 302 and answer["Location"] == f"{site}login/two-factor/"
    assert PENDING_LOGIN_KEY in browser.session


def test_the_session_pages_and_the_admin_share_a_browser_s_device_cookie(make_user, limit):
    make_user("root", is_staff=True)
    browser = Client()
    session_login(browser, "root")
    forget_session(browser)
    exhaust_admin(limit, "/admin/")
    assert admin_login(browser, "/admin/").status_code == 302


# Settings and error reports -----------------------------------------------------------------


def test_the_device_cookie_lifetime_is_checked(settings):
    assert checks.check_throttling() == []
    for wrong in (0, -5, "half a year"):
        settings.TOTP_DEVICE_COOKIE_MAX_AGE = wrong
        assert [m.id for m in checks.check_throttling()] == ["django_totp_native.E004"]
    settings.TOTP_DEVICE_COOKIE_MAX_AGE = None
    assert checks.check_throttling() == []


@sensitive_variables()
def _forced_failure(*args, **kwargs):
    raise RuntimeError("forced failure")


def test_a_device_token_never_shows_in_an_error_report(user, monkeypatch):
    """A failure while the token is checked (JWT body) and Django's report of a request
    that carries the cookie: the token appears in neither."""
    token = jwt_login().json()["device_token"]
    monkeypatch.setattr(throttling.core, "verify_challenge", _forced_failure)
    with pytest.raises(RuntimeError) as failure:
        APIClient().post(JWT_CREATE, {"username": "alice", "password": PASSWORD, "device_token": token}, format="json")
    reporter = ExceptionReporter(None, failure.type, failure.value, failure.tb)
    frames = [f for f in reporter.get_traceback_frames() if "/django_totp_native/" in f["filename"].replace("\\", "/")]
    assert {f["function"] for f in frames} >= {"post", "password_attempt", "_device_token_ident"}
    shown = "\n".join(f"{name}={value}" for frame in frames for name, value in frame["vars"])
    assert token not in shown

    browser = Client()
    session_login(browser)
    (name, cookie), = device_cookies(browser).items()
    text, html = _report_of_a_failing_request(browser.get("/account/2fa/login/").wsgi_request)
    assert name in text and name in html  # the cookie is listed…
    assert cookie.value not in text and cookie.value not in html  # …its value is not


@sensitive_variables()  # this frame is in the report too: only the request may show the token
def _report_of_a_failing_request(request):
    try:
        raise RuntimeError("forced failure")
    except RuntimeError:
        report = ExceptionReporter(request, *sys.exc_info())
        return report.get_traceback_text(), report.get_traceback_html()
