"""Input that cannot be a code is refused without counting an attempt, on every path.

"Cannot be a code": wrong length or alphabet for a TOTP code (TOTP_DIGITS ASCII digits
after NFKC and dropping spaces), and for every backup-code format a device can hold
(``devices.could_be_backup_code``). Each path is checked against the user's whole 2FA
state (``two_factor_state``: counters, backoff, last step, codes, confirmation, burned
challenges) before and after; and each path also gets a well-formed wrong code, which
must count exactly one attempt, so a path that never reaches verification cannot pass.

Paths: the JWT second step, the API step-up (disable, rotate), the API enrollment
confirmation, the session code page (pending login and step-up pages), the session
enrollment confirmation, and the admin's code step.
"""

import pytest
from django.test import Client
from django.urls import include, path, reverse
from rest_framework.test import APIClient

from django_totp_native.services import challenges, devices

from .conftest import code_at, enroll, two_factor_state, with_failures_added
from .test_session_hostile_input import BODIES as HOSTILE_BODIES
from .urls import urlpatterns as api_and_admin_urlpatterns

pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]

urlpatterns = [*api_and_admin_urlpatterns, path("account/2fa/", include("django_totp_native.urls.session"))]

PASSWORD = "correct horse battery"
#: Not TOTP_DIGITS (6) ASCII digits, whatever the spacing or width.
NOT_A_TOTP_CODE = ["12345", "1234567", "abcdef", "12a456", "A", "\uff11\uff12\uff13\uff14\uff15", "123 45"]
#: Too short or outside the alphabet for every backup-code format a device can hold.
NOT_A_BACKUP_CODE = ["A", "ABC", "1", "12345", "abc"]
#: What a single "code" field (session pages, admin) must refuse unread.
NOT_ANY_CODE = sorted(set(NOT_A_BACKUP_CODE) | {"12a456", "\uff11\uff12\uff13\uff14\uff15"})
#: Well-formed and wrong: the control that must count.
WRONG_BACKUP_CODE = "ZZZZ-ZZZZ-ZZZZ"


def wrong_totp_code(secret: str) -> str:
    valid = {code_at(secret, offset) for offset in range(-3, 4)}
    return next(c for c in (f"{n:06d}" for n in range(123456, 999999, 7919)) if c not in valid)


@pytest.fixture(autouse=True)
def _settings(settings):
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, "django_totp_native.session.middleware.OTPMiddleware"]
    settings.LOGIN_URL = "django_totp_native:login"
    settings.LOGIN_REDIRECT_URL = "/"
    settings.TOTP_REQUIRE_CODE_FOR_CHANGES = True
    settings.TOTP_BACKOFF_AFTER = 100  # a counted control never starts backoff


def assert_not_counted(user, before):
    assert two_factor_state(user) == before, "input that cannot be a code changed the 2FA state"


def assert_counted_once(user, before):
    assert two_factor_state(user) == with_failures_added(before, 1)


# JWT second step ----------------------------------------------------------------------


def second_step(token, field, value):
    return APIClient().post("/api/jwt/totp/verify/", {"totp_challenge_token": token, field: value}, format="json")


@pytest.mark.parametrize("value", NOT_A_TOTP_CODE)
def test_jwt_second_step_otp_code(enrolled, value):
    token = challenges.issue(enrolled.user)  # the password step's own change comes first
    before = two_factor_state(enrolled.user)
    assert second_step(token, "otp_code", value).status_code == 400
    assert_not_counted(enrolled.user, before)


@pytest.mark.parametrize("value", NOT_A_BACKUP_CODE)
def test_jwt_second_step_backup_code(enrolled, value):
    token = challenges.issue(enrolled.user)
    before = two_factor_state(enrolled.user)
    assert second_step(token, "backup_code", value).status_code == 400
    assert_not_counted(enrolled.user, before)


@pytest.mark.parametrize("field", ["otp_code", "backup_code"])
def test_jwt_second_step_counts_a_wrong_code(enrolled, field):
    token = challenges.issue(enrolled.user)
    before = two_factor_state(enrolled.user)
    value = wrong_totp_code(enrolled.secret) if field == "otp_code" else WRONG_BACKUP_CODE
    assert second_step(token, field, value).status_code == 400
    assert_counted_once(enrolled.user, before)


# API step-up and enrollment confirmation ----------------------------------------------


def logged_in_with_2fa(enrolled) -> APIClient:
    """A client holding a JWT from the full two-step login (backup code), as a user has."""
    client = APIClient()
    first = client.post("/api/jwt/create/", {"username": enrolled.user.username, "password": PASSWORD}, format="json")
    token = first.json()["totp_challenge_token"]
    second = client.post(
        "/api/jwt/totp/verify/",
        {"totp_challenge_token": token, "backup_code": enrolled.backup_codes[-1]},
        format="json",
    )
    assert second.status_code == 200, second.content
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {second.json()['access']}")
    return client


STEP_UP = ["/api/totp/disable/", "/api/totp/rotate_backup_codes/"]
STEP_UP_JUNK = [("otp_code", v) for v in NOT_A_TOTP_CODE] + [("backup_code", v) for v in NOT_A_BACKUP_CODE]


@pytest.mark.parametrize("field, value", STEP_UP_JUNK)
@pytest.mark.parametrize("endpoint", STEP_UP)
def test_api_step_up(enrolled, endpoint, field, value):
    client = logged_in_with_2fa(enrolled)
    before = two_factor_state(enrolled.user)
    response = client.post(endpoint, {field: value}, format="json")
    assert response.status_code == 400, response.content
    assert_not_counted(enrolled.user, before)


@pytest.mark.parametrize("field", ["otp_code", "backup_code"])
@pytest.mark.parametrize("endpoint", STEP_UP)
def test_api_step_up_counts_a_wrong_code(enrolled, endpoint, field):
    client = logged_in_with_2fa(enrolled)
    before = two_factor_state(enrolled.user)
    value = wrong_totp_code(enrolled.secret) if field == "otp_code" else WRONG_BACKUP_CODE
    response = client.post(endpoint, {field: value}, format="json")
    assert response.status_code == 400, response.content
    assert_counted_once(enrolled.user, before)


@pytest.fixture
def pending_api(user):
    client = APIClient()
    client.force_authenticate(user)
    enrollment = client.post("/api/totp/create/")
    assert enrollment.status_code == 201, enrollment.content
    return client, enrollment.json()["secret"]


@pytest.mark.parametrize("value", NOT_A_TOTP_CODE)
def test_api_enrollment_confirmation(user, pending_api, value):
    client, _ = pending_api
    before = two_factor_state(user)
    assert client.post("/api/totp/confirm/", {"input_code": value}, format="json").status_code == 400
    assert_not_counted(user, before)


def test_api_enrollment_confirmation_counts_a_wrong_code(user, pending_api):
    client, secret = pending_api
    before = two_factor_state(user)
    wrong = wrong_totp_code(secret)
    assert client.post("/api/totp/confirm/", {"input_code": wrong}, format="json").status_code == 400
    assert_counted_once(user, before)


# Session pages ------------------------------------------------------------------------


def session_url(name):
    return reverse(f"django_totp_native:{name}")


def pending_login(enrolled) -> Client:
    client = Client()
    response = client.post(session_url("login"), {"username": enrolled.user.username, "password": PASSWORD})
    assert response.status_code == 302 and response["Location"].startswith(session_url("verify"))
    return client


def verified_session(enrolled) -> Client:
    """A session that passed the code page, as a user's does."""
    client = pending_login(enrolled)
    response = client.post(session_url("verify"), {"code": enrolled.backup_codes[-2]})
    assert response.status_code == 302, response.content[:500]
    assert "_auth_user_id" in client.session
    return client


@pytest.mark.parametrize("value", NOT_ANY_CODE)
def test_session_code_page_of_a_pending_login(enrolled, value):
    client = pending_login(enrolled)
    before = two_factor_state(enrolled.user)
    response = client.post(session_url("verify"), {"code": value})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert_not_counted(enrolled.user, before)


@pytest.mark.parametrize("value", NOT_ANY_CODE)
@pytest.mark.parametrize("page", ["regenerate", "disable"])
def test_session_step_up_pages(enrolled, page, value):
    client = verified_session(enrolled)
    before = two_factor_state(enrolled.user)
    response = client.post(session_url(page), {"code": value})
    assert response.status_code == 200
    assert_not_counted(enrolled.user, before)


@pytest.mark.parametrize("kind", ["totp", "backup"])
@pytest.mark.parametrize("page", ["verify", "regenerate", "disable"])
def test_session_pages_count_a_wrong_code(enrolled, page, kind):
    client = pending_login(enrolled) if page == "verify" else verified_session(enrolled)
    before = two_factor_state(enrolled.user)
    value = wrong_totp_code(enrolled.secret) if kind == "totp" else WRONG_BACKUP_CODE
    assert client.post(session_url(page), {"code": value}).status_code == 200
    assert_counted_once(enrolled.user, before)


@pytest.fixture
def pending_session(user):
    client = Client()
    client.force_login(user)
    assert client.get(session_url("enroll")).status_code == 200
    return client


@pytest.mark.parametrize("value", NOT_A_TOTP_CODE)
def test_session_enrollment_confirmation(user, pending_session, value):
    before = two_factor_state(user)
    assert pending_session.post(session_url("confirm"), {"code": value}).status_code == 200
    assert_not_counted(user, before)


# Admin code step ----------------------------------------------------------------------

ADMIN_LOGIN, ADMIN_CODE_STEP = "/admin/login/", "/admin/login/two-factor/"


@pytest.fixture
def staff_2fa(make_user):
    return enroll(make_user("staffer", is_staff=True))


#: Well-formed wrong codes among the hostile bodies, as the admin code step reads them
#: ("repeated" is its last value; full-width digits are not taken for a TOTP code there).
# Read as the session pages read them (NFKC, issue 17): full-width digits are a TOTP code.
ADMIN_WRONG_CODES = {"repeated", "backup shape", "fullwidth"}


def admin_code_step(enrolled, value_or_body):
    """Password step, then one post to the code step; returns the state before that post."""
    client = Client()
    response = client.post(ADMIN_LOGIN, {"username": "staffer", "password": PASSWORD, "next": "/admin/"})
    assert response.status_code == 302 and response["Location"] == ADMIN_CODE_STEP
    before = two_factor_state(enrolled.user)
    body = value_or_body if isinstance(value_or_body, dict) else {"code": value_or_body}
    response = client.post(ADMIN_CODE_STEP, body)
    assert response.status_code in (200, 302), response.status_code
    assert "_auth_user_id" not in client.session
    return before


@pytest.mark.parametrize("value", NOT_ANY_CODE)
def test_admin_code_step(staff_2fa, value):
    before = admin_code_step(staff_2fa, value)
    assert_not_counted(staff_2fa.user, before)


@pytest.mark.parametrize("kind", ["totp", "backup"])
def test_admin_code_step_counts_a_wrong_code(staff_2fa, kind):
    before = admin_code_step(staff_2fa, wrong_totp_code(staff_2fa.secret) if kind == "totp" else WRONG_BACKUP_CODE)
    assert_counted_once(staff_2fa.user, before)


# The predicate itself -----------------------------------------------------------------


@pytest.mark.parametrize("value", NOT_A_BACKUP_CODE)
def test_could_be_backup_code_refuses_the_impossible(value):
    assert not devices.could_be_backup_code(value)


def test_could_be_backup_code_accepts_issued_codes(enrolled):
    for code in enrolled.backup_codes:
        assert devices.could_be_backup_code(code)
        assert devices.could_be_backup_code(code.lower().replace("-", " "))


# The session pages' hostile bodies, on the admin code step, against the whole state.


@pytest.mark.parametrize("name, body", HOSTILE_BODIES.items(), ids=HOSTILE_BODIES.keys())
def test_admin_code_step_hostile_bodies(staff_2fa, name, body):
    before = admin_code_step(staff_2fa, body)
    expected = with_failures_added(before, 1) if name in ADMIN_WRONG_CODES else before
    assert two_factor_state(staff_2fa.user) == expected
