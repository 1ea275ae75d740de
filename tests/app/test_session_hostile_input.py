"""Hostile form posts to every session page: each answer is a page or a redirect (never a
500), no code or input is echoed back, and the user's 2FA state is unchanged.

Forms arrive url-encoded, so "wrong types" here are repeated fields, missing fields,
fields with NUL bytes, huge values, unicode digits and non-UTF-8 bytes.

"Unchanged" is the whole 2FA state (tests/app/conftest.py ``two_factor_state``: device
row with its failure counter and backoff, every backup code, burned challenges). The few
bodies that are well-formed but wrong codes (``WRONG_CODES``) are real attempts: they
add exactly one failed attempt and change nothing else.
"""

from types import SimpleNamespace

import pytest
from django.test import Client

from django_totp_native.services import sessions

from .conftest import two_factor_state, with_failures_added
from .test_session_pages import PASSWORD, url, urlpatterns  # noqa: F401 (urlpatterns: this module's URLconf)

pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]

HUGE = "9" * 100_000
BODIES = {
    "empty": {},
    "blank": {"code": ""},
    "nul": {"code": "123\x00456"},
    "huge": {"code": HUGE},
    "unicode digits": {"code": "١٢٣٤٥٦"},
    "fullwidth": {"code": "１２３４５６"},
    "emoji": {"code": "🙂" * 10},
    "repeated": {"code": ["123456", "654321"]},
    "spaces": {"code": "   "},
    "backup shape": {"code": "ZZZZ-ZZZZ-ZZZZ"},
    "sql": {"code": "' OR 1=1 --"},
    "markup": {"code": "<script>alert(1)</script>"},
    "other fields": {"username": HUGE, "password": "\x00", "email": "\x00@x", "next": "//evil.example/"},
}
#: Pages that take a code (for the logged-in, verified user) and where they live.
CODE_PAGES = ["verify", "confirm", "regenerate", "disable"]
#: Bodies that are a well-formed code, just not a valid one: one counted attempt each.
#: "repeated" is read as its last value, "fullwidth" is NFKC-normalised to ASCII digits.
WRONG_CODES = {"fullwidth", "repeated", "backup shape"}
#: The same for the enrollment confirmation, which takes authenticator codes only.
WRONG_TOTP_CODES = {"fullwidth", "repeated"}


def expected_after(before, name, wrong=WRONG_CODES):
    return with_failures_added(before, 1) if name in wrong else before


@pytest.fixture(autouse=True)
def _session_settings(settings):
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, "django_totp_native.session.middleware.OTPMiddleware"]
    settings.LOGIN_URL = "django_totp_native:login"
    settings.LOGIN_REDIRECT_URL = "/plain/"
    settings.TOTP_REQUIRE_CODE_FOR_CHANGES = True


def assert_answered_safely(response, body):
    assert response.status_code in (200, 302, 400, 403, 404, 405), response.status_code
    if response.status_code == 200:
        # A submitted code is never rendered back (a username or e-mail may be, escaped).
        html = response.content.decode()
        value = body.get("code", [])
        for item in value if isinstance(value, list) else [value]:
            if len(item) > 6 and item.strip():
                assert item not in html, "code echoed back"


@pytest.mark.parametrize("name, body", BODIES.items(), ids=BODIES.keys())
@pytest.mark.parametrize("page", CODE_PAGES)
def test_code_pages_with_a_verified_session(enrolled, page, name, body):
    client = Client()
    client.force_login(enrolled.user)
    session = client.session
    sessions.mark_session_verified(SimpleNamespace(session=session), enrolled.user)  # as the code page does
    session.save()

    before = two_factor_state(enrolled.user)
    response = client.post(url(page), body)
    assert_answered_safely(response, body)
    # "confirm" of a confirmed device and "verify" of a verified session do not check codes.
    wrong = WRONG_CODES if page in ("regenerate", "disable") else set()
    assert two_factor_state(enrolled.user) == expected_after(before, name, wrong)


@pytest.mark.parametrize("name, body", BODIES.items(), ids=BODIES.keys())
def test_code_page_of_a_pending_login(enrolled, name, body):
    client = Client()
    response = client.post(url("login"), {"username": enrolled.user.username, "password": PASSWORD})
    assert response.status_code == 302 and response["Location"].startswith(url("verify"))
    before = two_factor_state(enrolled.user)
    response = client.post(url("verify"), body)
    assert_answered_safely(response, body)
    assert "_auth_user_id" not in client.session, "a hostile code must not sign the user in"
    assert two_factor_state(enrolled.user) == expected_after(before, name)


@pytest.mark.parametrize("name, body", BODIES.items(), ids=BODIES.keys())
def test_confirm_of_a_pending_enrollment(make_user, name, body):
    user = make_user("newcomer")
    client = Client()
    client.force_login(user)
    assert client.get(url("enroll")).status_code == 200
    before = two_factor_state(user)
    response = client.post(url("confirm"), body)
    assert_answered_safely(response, body)
    assert before["device"]["confirmed_at"] is None
    assert two_factor_state(user) == expected_after(before, name, WRONG_TOTP_CODES)


@pytest.mark.parametrize("body", BODIES.values(), ids=BODIES.keys())
@pytest.mark.parametrize("page", ["login", "recovery"])
def test_anonymous_pages(enrolled, page, body, mailoutbox):
    before = two_factor_state(enrolled.user)
    response = Client().post(url(page), body)
    assert_answered_safely(response, body)
    assert two_factor_state(enrolled.user) == before
    assert not mailoutbox


@pytest.mark.parametrize(
    "uid, token",
    [("x", "y"), ("MQ", "bad-token"), ("\u0661", "\u0662"), ("A" * 500, "B" * 500), ("MQ", "c0ffee-" + "f" * 40)],
    ids=["junk", "bad token", "unicode", "huge", "wrong signature"],
)
@pytest.mark.parametrize("password", ["", PASSWORD, "\x00", HUGE])
def test_recovery_link_with_hostile_parts(enrolled, uid, token, password):
    before = two_factor_state(enrolled.user)
    page = url("recovery_confirm", uid=uid, token=token)
    assert Client().get(page).status_code == 200
    response = Client().post(page, {"password": password})
    assert_answered_safely(response, {"password": password})
    assert two_factor_state(enrolled.user) == before


def test_non_utf8_body_is_refused_without_a_500(enrolled):
    client = Client()
    client.force_login(enrolled.user)
    for page in ["verify", "confirm", "regenerate", "disable", "recovery", "login"]:
        response = client.generic(
            "POST", url(page), b"code=%FF%FE%00", content_type="application/x-www-form-urlencoded"
        )
        assert response.status_code < 500, page
