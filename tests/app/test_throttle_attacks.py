"""Attacks on the throttles, through the test client: a new X-Forwarded-For (and for the
per-account limits a new REMOTE_ADDR) on every request.

This module is also the URLconf of its tests: the API, the default admin (the opted-in OTP
site), a second OTP admin site and the session pages.
"""

import base64
import itertools
import re
import threading

import pytest
from django.contrib import admin
from django.contrib.auth.signals import user_login_failed
from django.core import mail
from django.db import connection
from django.test import Client, RequestFactory
from django.urls import include, path
from rest_framework.authentication import BasicAuthentication, SessionAuthentication
from rest_framework.test import APIClient

from django_totp_native import checks
from django_totp_native.admin import OTPAdminSite
from django_totp_native.conf import conf
from django_totp_native.services.sessions import PENDING_LOGIN_KEY
from django_totp_native.services import throttling
from django_totp_native.views import TotpRecoveryViewSet

from .conftest import enroll

pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]

otp_site = OTPAdminSite(name="throttle_otp_admin")

urlpatterns = [
    path("admin/", admin.site.urls),
    path("otp-admin/", otp_site.urls),
    path("api/", include("django_totp_native.urls")),
    path("api/", include("django_totp_native.urls.recovery")),
    path("api/", include("django_totp_native.urls.jwt")),
    path("account/2fa/", include("django_totp_native.urls.session")),
]

PASSWORD = "correct horse battery"
JWT_CREATE = "/api/jwt/create/"
SESSION_LOGIN = "/account/2fa/login/"
API_RECOVERY = "/api/totp/recovery/"
SESSION_RECOVERY = "/account/2fa/recovery/"
PROXY = "10.0.0.1"

_counter = itertools.count(1)


def forged_xff() -> dict:
    """A new client-chosen X-Forwarded-For, from the same REMOTE_ADDR."""
    n = next(_counter)
    return {"HTTP_X_FORWARDED_FOR": f"203.0.{n // 250}.{n % 250 + 1}", "REMOTE_ADDR": "192.0.2.10"}


def new_address() -> dict:
    """A new REMOTE_ADDR and a new X-Forwarded-For: a botnet, one request per machine."""
    n = next(_counter)
    return {"HTTP_X_FORWARDED_FOR": f"203.0.{n // 250}.{n % 250 + 1}", "REMOTE_ADDR": f"198.51.{n // 250}.{n % 250 + 1}"}


@pytest.fixture
def password_checks():
    """How many times Django's authenticate() rejected a password."""
    failures = []

    def record(sender, credentials=None, **kwargs):
        failures.append(credentials)

    user_login_failed.connect(record)
    yield failures
    user_login_failed.disconnect(record)


@pytest.fixture
def limit(settings):
    settings.TOTP_LOGIN_FAILURES_PER_ACCOUNT = 3
    return 3


# Client address ---------------------------------------------------------------------------


def _request(**meta):
    return RequestFactory().get("/", **meta)


def test_forwarded_for_is_ignored_without_trusted_proxies(settings):
    request = _request(REMOTE_ADDR="192.0.2.10", HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert throttling.client_address(request) == "192.0.2.10"


@pytest.mark.parametrize(
    "proxies,forwarded,expected",
    [
        (1, "203.0.113.9", "203.0.113.9"),
        (1, "6.6.6.6, 203.0.113.9", "203.0.113.9"),  # the client's own entry is ignored
        (2, "6.6.6.6, 203.0.113.9, 10.0.0.2", "203.0.113.9"),
        (2, "203.0.113.9", PROXY),  # fewer hops than proxies: not believed
        (1, "", PROXY),
        (1, "not-an-address", PROXY),
        (1, "203.0.113.9:5678", "203.0.113.9"),
        (1, "[2001:db8::1]:443", "2001:db8::1"),
    ],
)
def test_trusted_proxies_name_the_client(settings, proxies, forwarded, expected):
    settings.TOTP_NUM_PROXIES = proxies
    request = _request(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=forwarded)
    assert throttling.client_address(request) == expected


def test_drf_num_proxies_is_honoured_only_when_set(settings):
    request = _request(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.9")
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": None}
    assert throttling.client_address(request) == PROXY
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    assert throttling.client_address(request) == "203.0.113.9"
    settings.TOTP_NUM_PROXIES = 0  # ours wins when set
    assert throttling.client_address(request) == PROXY


def test_ipv6_clients_are_limited_per_64():
    one = _request(REMOTE_ADDR="2001:db8:1:2::1")
    other = _request(REMOTE_ADDR="2001:db8:1:2:ffff::9")
    assert throttling.client_ident(one) == throttling.client_ident(other) == "2001:db8:1:2::/64"
    assert throttling.client_ident(_request(REMOTE_ADDR="::ffff:192.0.2.7")) == "192.0.2.7"


# Per-address throttles with a forged X-Forwarded-For ------------------------------------


def test_jwt_create_throttle_holds_with_rotating_forwarded_for(api, user, settings):
    settings.TOTP_THROTTLE_RATE = "3/minute"
    answers = [
        api.post(JWT_CREATE, {"username": f"guess{i}", "password": "x"}, format="json", **forged_xff()).status_code
        for i in range(5)
    ]
    assert answers == [401, 401, 401, 429, 429]


def test_recovery_throttle_holds_with_rotating_forwarded_for(api, settings):
    settings.TOTP_THROTTLE_RATE = "2/minute"
    answers = [
        api.post(API_RECOVERY, {"email": f"x{i}@example.com"}, format="json", **forged_xff()).status_code
        for i in range(4)
    ]
    assert answers == [200, 200, 429, 429]


def test_admin_login_throttle_holds_with_rotating_forwarded_for(make_user, settings):
    settings.TOTP_THROTTLE_RATE = "3/minute"
    make_user("staffer", is_staff=True)
    client = Client()
    answers = [
        client.post("/admin/login/", {"username": "staffer", "password": f"wrong{i}"}, **forged_xff()).status_code
        for i in range(5)
    ]
    assert answers == [200, 200, 200, 429, 429]


def test_session_login_is_throttled_per_address_with_rotating_forwarded_for(make_user, settings):
    settings.TOTP_THROTTLE_RATE = "3/minute"
    client = Client()
    answers = [
        client.post(SESSION_LOGIN, {"username": f"guess{i}", "password": "x"}, **forged_xff()).status_code
        for i in range(5)
    ]
    assert answers == [200, 200, 200, 429, 429]


def test_with_one_trusted_proxy_the_address_it_saw_is_the_client(api, user, settings):
    settings.TOTP_NUM_PROXIES = 1
    settings.TOTP_THROTTLE_RATE = "2/minute"

    def attempt(client_chosen, proxy_saw):
        forwarded = f"{client_chosen}, {proxy_saw}"
        body = {"username": "alice", "password": "wrong"}
        return api.post(JWT_CREATE, body, format="json", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=forwarded).status_code

    assert [attempt(f"6.6.6.{i}", "203.0.113.9") for i in range(3)] == [401, 401, 429]
    assert attempt("6.6.6.6", "203.0.113.10") == 401  # another client behind the same proxy


# Per-account limit on the password step --------------------------------------------------


def test_jwt_guessing_stops_at_the_account_limit_from_new_addresses(api, user, limit, password_checks):
    wrong = [
        api.post(JWT_CREATE, {"username": "alice", "password": f"guess{i}"}, format="json", **new_address())
        for i in range(limit)
    ]
    assert [r.status_code for r in wrong] == [401] * limit
    # Over the limit even the right password is refused, and no password is checked.
    for username in ("alice", "ALICE", " alice "):
        refused = api.post(JWT_CREATE, {"username": username, "password": PASSWORD}, format="json", **new_address())
        assert refused.status_code == 429
        assert int(refused["Retry-After"]) > 0
        assert "access" not in refused.json() and "detail" in refused.json()
    assert len(password_checks) == limit


def test_the_refusal_is_the_same_for_an_unknown_account(api, user, limit):
    def refusal(username):
        for i in range(limit):
            api.post(JWT_CREATE, {"username": username, "password": f"guess{i}"}, format="json", **new_address())
        response = api.post(JWT_CREATE, {"username": username, "password": "x"}, format="json", **new_address())
        # The wait in the message counts down between the two calls: compare its shape.
        return response.status_code, re.sub(r"\d+", "N", response.json()["detail"]), sorted(response.json())

    assert refusal("alice") == refusal("nobody-by-that-name")
    assert refusal("alice")[0] == 429


def test_a_right_password_does_not_count_and_the_limit_ends_with_its_window(api, user, limit, monkeypatch):
    clock = [1_000_000.0]
    monkeypatch.setattr(throttling, "_now", lambda: clock[0])

    def login(password):
        return api.post(JWT_CREATE, {"username": "alice", "password": password}, format="json", **new_address())

    assert [login(p).status_code for p in ("bad", "bad", PASSWORD, PASSWORD, "bad")] == [401, 401, 200, 200, 401]
    refused = login(PASSWORD)
    assert refused.status_code == 429
    wait = int(refused["Retry-After"])
    assert 0 < wait <= 2 * conf.LOGIN_FAILURE_WINDOW + 1
    clock[0] += wait - 3
    assert login(PASSWORD).status_code == 429
    clock[0] += 3
    assert login(PASSWORD).status_code == 200


def test_session_login_guessing_stops_at_the_account_limit(user, limit, password_checks):
    for i in range(limit):
        response = Client().post(SESSION_LOGIN, {"username": "alice", "password": f"guess{i}"}, **new_address())
        assert response.status_code == 200 and b"Please enter a correct" in response.content
    client = Client()
    refused = client.post(SESSION_LOGIN, {"username": "alice", "password": PASSWORD}, **new_address())
    assert refused.status_code == 429 and refused.has_header("Retry-After")
    assert b"Too many failed attempts" in refused.content
    assert "_auth_user_id" not in client.session and PENDING_LOGIN_KEY not in client.session
    assert len(password_checks) == limit


def test_session_login_with_2fa_counts_only_wrong_passwords(user, limit):
    enroll(user)
    for _ in range(limit + 1):  # the password was right: on to the code step, not counted
        client = Client()
        response = client.post(SESSION_LOGIN, {"username": "alice", "password": PASSWORD}, **new_address())
        assert response.status_code == 302 and PENDING_LOGIN_KEY in client.session
    for i in range(limit):
        Client().post(SESSION_LOGIN, {"username": "alice", "password": f"guess{i}"}, **new_address())
    client = Client()
    assert client.post(SESSION_LOGIN, {"username": "alice", "password": PASSWORD}, **new_address()).status_code == 429
    assert PENDING_LOGIN_KEY not in client.session


#: The OTP admin's login, as the project's default site (OTPAdminConfig, tests/settings.py)
#: and as a second site.
OTP_ADMIN_LOGINS = pytest.mark.parametrize(
    "login_url", ["/admin/login/", "/otp-admin/login/"], ids=["default-otp-admin", "otp-admin-site"]
)


@OTP_ADMIN_LOGINS
def test_admin_guessing_stops_at_the_account_limit(make_user, limit, password_checks, login_url):
    make_user("staffer", is_staff=True)
    for i in range(limit):
        response = Client().post(login_url, {"username": "staffer", "password": f"guess{i}"}, **new_address())
        assert response.status_code == 200
    client = Client()
    refused = client.post(login_url, {"username": "staffer", "password": PASSWORD, "next": "/admin/"}, **new_address())
    assert refused.status_code == 429 and refused.has_header("Retry-After")
    assert b"Too many" in refused.content
    assert "_auth_user_id" not in client.session and PENDING_LOGIN_KEY not in client.session
    assert len(password_checks) == limit


@OTP_ADMIN_LOGINS
def test_a_signed_in_user_guessing_a_staff_password_meets_the_same_limit(make_user, limit, password_checks, login_url):
    """A signed-in user without staff rights (any customer account) posts the admin's login
    form with a staff member's name: each wrong password counts as it does for an anonymous
    client, and past the limit not even the right one is checked."""
    make_user("staffer", is_staff=True)
    insider = make_user("mallory")
    client = Client()
    client.force_login(insider)
    for i in range(limit):
        response = client.post(login_url, {"username": "staffer", "password": f"guess{i}"}, **new_address())
        assert response.status_code == 200
    refused = client.post(login_url, {"username": "staffer", "password": PASSWORD, "next": "/admin/"}, **new_address())
    assert refused.status_code == 429 and refused.has_header("Retry-After")
    assert b"Too many" in refused.content
    assert client.session["_auth_user_id"] == str(insider.pk) and PENDING_LOGIN_KEY not in client.session
    assert len(password_checks) == limit


def test_default_admin_login_counts_only_wrong_passwords(make_user, limit):
    make_user("staffer", is_staff=True)
    for _ in range(limit + 1):
        client = Client()
        response = client.post("/admin/login/", {"username": "staffer", "password": PASSWORD, "next": "/admin/"})
        assert response.status_code == 302 and "_auth_user_id" in client.session
    for i in range(limit):
        Client().post("/admin/login/", {"username": "staffer", "password": f"guess{i}"}, **new_address())
    client = Client()
    assert client.post("/admin/login/", {"username": "staffer", "password": PASSWORD}).status_code == 429
    assert "_auth_user_id" not in client.session


# HTTP Basic on this app's API (issue 18 item 8) -------------------------------------------

TOTP_CREATE = "/api/totp/create/"


def basic(username, password) -> dict:
    """An Authorization: Basic header, from a new address."""
    credentials = base64.b64encode(f"{username}:{password}".encode()).decode()
    return {"HTTP_AUTHORIZATION": f"Basic {credentials}", **new_address()}


@pytest.fixture
def basic_enabled(settings):
    """A site that also enables HTTP Basic for its API."""
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_AUTHENTICATION_CLASSES": (
            "rest_framework_simplejwt.authentication.JWTAuthentication",
            "rest_framework.authentication.BasicAuthentication",
            "rest_framework.authentication.SessionAuthentication",
        ),
    }


def test_basic_passwords_on_the_api_stop_at_the_account_limit(user, basic_enabled, password_checks):
    """The reviewer's attack, with the default limit: 12 wrong Basic passwords on
    totp/create/ from new addresses, then the right one."""
    answers = [APIClient().post(TOTP_CREATE, **basic("alice", f"guess{i}")).status_code for i in range(12)]
    assert answers == [401] * 10 + [429] * 2
    right = APIClient().post(TOTP_CREATE, **basic("alice", PASSWORD))
    assert right.status_code == 429 and int(right["Retry-After"]) > 0
    assert "Too many failed attempts" in right.json()["detail"]
    assert len(password_checks) == 10  # over the limit no password is checked
    # One counter with the logins: the account's JWT login is refused too.
    refused = APIClient().post(JWT_CREATE, {"username": "alice", "password": PASSWORD}, format="json")
    assert refused.status_code == 429


def test_a_right_basic_password_does_not_count(user, basic_enabled, limit):
    for _ in range(limit + 1):
        assert APIClient().post(TOTP_CREATE, **basic("alice", PASSWORD)).status_code == 201
    for i in range(limit):  # spelling variants share the counter, as at the logins
        assert APIClient().post(TOTP_CREATE, **basic(("Alice", "ALICE")[i % 2], f"guess{i}")).status_code == 401
    assert APIClient().post(TOTP_CREATE, **basic("alice", PASSWORD)).status_code == 429


def test_basic_passwords_on_recovery_count_too(user, limit, monkeypatch, password_checks):
    """Recovery allows anyone, but DRF authenticates its requests all the same."""
    monkeypatch.setattr(TotpRecoveryViewSet, "authentication_classes", [BasicAuthentication, SessionAuthentication])
    body = {"email": "alice@example.com"}
    answers = [
        APIClient().post(API_RECOVERY, body, format="json", **basic("alice", f"guess{i}")).status_code
        for i in range(limit + 2)
    ]
    assert answers == [401] * limit + [429] * 2
    assert APIClient().post(API_RECOVERY, body, format="json", **basic("alice", PASSWORD)).status_code == 429
    assert len(password_checks) == limit


# Recovery e-mails -------------------------------------------------------------------------


@pytest.mark.parametrize("page", ["api", "session"])
def test_recovery_emails_stop_at_the_account_limit_from_new_addresses(enrolled, settings, page):
    settings.TOTP_RECOVERY_EMAILS_PER_ACCOUNT = 2
    answers = set()
    for _ in range(5):
        if page == "api":
            response = APIClient().post(API_RECOVERY, {"email": "alice@example.com"}, format="json", **new_address())
            answers.add((response.status_code, response.json()["detail"]))
        else:
            response = Client().post(SESSION_RECOVERY, {"email": "alice@example.com"}, **new_address())
            answers.add((response.status_code, b"we have sent it a link" in response.content))
    assert len(mail.outbox) == 2
    assert len(answers) == 1 and next(iter(answers))[0] == 200  # the same "sent" answer every time


@pytest.mark.parametrize("page", ["api", "session"])
def test_recovery_emails_stop_at_the_address_limit_with_rotating_forwarded_for(make_user, settings, page):
    settings.TOTP_RECOVERY_EMAILS_PER_ADDRESS = 2
    emails = []
    for i in range(4):
        enroll(make_user(f"victim{i}"))
        emails.append(f"victim{i}@example.com")
    for email in emails:
        if page == "api":
            response = APIClient().post(API_RECOVERY, {"email": email}, format="json", **forged_xff())
        else:
            response = Client().post(SESSION_RECOVERY, {"email": email}, **forged_xff())
        assert response.status_code == 200
    assert len(mail.outbox) == 2
    # Another client still gets its e-mail.
    Client().post(SESSION_RECOVERY, {"email": emails[-1]}, REMOTE_ADDR="192.0.2.99")
    assert len(mail.outbox) == 3


# Concurrency and configuration ------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_concurrent_guesses_check_at_most_the_limit(user, limit, password_checks):
    """20 guesses at once, each from its own address: reserving before checking means no
    two requests can both take the last allowed attempt."""
    barrier = threading.Barrier(20)
    answers = []

    def guess(i):
        try:
            barrier.wait()
            body = {"username": "alice", "password": f"guess{i}"}
            answers.append(APIClient().post(JWT_CREATE, body, format="json", **new_address()).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=guess, args=(i,)) for i in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(answers) == [401] * limit + [429] * (20 - limit)
    assert len(password_checks) == limit


def test_throttling_settings_are_checked(settings):
    assert checks.check_throttling() == []
    settings.TOTP_NUM_PROXIES = -1
    settings.TOTP_LOGIN_FAILURES_PER_ACCOUNT = 0
    settings.TOTP_RECOVERY_EMAIL_WINDOW = "soon"
    assert [m.id for m in checks.check_throttling()] == ["django_totp_native.E004"] * 3
    settings.TOTP_NUM_PROXIES, settings.TOTP_LOGIN_FAILURES_PER_ACCOUNT = 1, None
    settings.TOTP_RECOVERY_EMAIL_WINDOW = 600
    assert checks.check_throttling() == []


def test_deploy_check_warns_about_a_per_process_cache(settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    assert [m.id for m in checks.check_throttle_cache()] == ["django_totp_native.W006"]
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://x"}}
    assert checks.check_throttle_cache() == []
