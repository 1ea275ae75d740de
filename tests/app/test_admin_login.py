"""OTP-protected admin login: password, then a TOTP or backup code, with the API's rules.

The test project opts in as a project does: ``admin_apps.OTPAdminConfig`` in INSTALLED_APPS
makes OTPAdminSite its default site at /admin/ (tests/settings.py).
"""

import re

import django
import pytest
from django.test import Client

from django_totp_native.services.sessions import PENDING_LOGIN_KEY
from django_totp_native import signals
from django_totp_native.models import SecondFactorState, Totp, TotpRequirement
from django_totp_native.services.sessions import SESSION_KEY as VERIFIED_KEY

from .conftest import enroll

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery"
LOGIN, OTP_STEP, INDEX = "/admin/login/", "/admin/login/two-factor/", "/admin/"


@pytest.fixture(autouse=True)
def _no_backoff(settings):
    settings.TOTP_BACKOFF_AFTER = 100  # lockout tests count failures without waiting


@pytest.fixture
def staff(make_user):
    return make_user("staffer", is_staff=True)


@pytest.fixture
def staff_2fa(staff):
    return enroll(staff)


def password_step(client, username="staffer", password=PASSWORD, next_url=INDEX, login_url=LOGIN):
    return client.post(login_url, {"username": username, "password": password, "next": next_url})


def is_logged_in(client) -> bool:
    return "_auth_user_id" in client.session


def can_open_admin(client, index=INDEX) -> bool:
    return client.get(index).status_code == 200


def test_staff_without_2fa_logs_in_with_password_as_before(client, staff):
    response = password_step(client)
    assert response.status_code == 302 and response["Location"] == INDEX
    assert can_open_admin(client)


def test_wrong_password_is_refused_as_before(client, staff_2fa):
    response = password_step(client, password="wrong")
    assert response.status_code == 200 and b"Please enter the correct" in response.content
    assert PENDING_LOGIN_KEY not in client.session


@pytest.mark.parametrize("value", [False, True])
def test_the_deprecated_setting_does_not_turn_the_code_step_off(client, staff_2fa, settings, value):
    """TOTP_ADMIN_REQUIRE_OTP used to switch the code step of a swapped-in default site; the
    site a project opted in to asks for the code whatever it says (checks E005/W007 report it)."""
    settings.TOTP_ADMIN_REQUIRE_OTP = value
    assert password_step(client)["Location"] == OTP_STEP
    assert not is_logged_in(client) and not can_open_admin(client)


def test_djangos_own_site_beside_it_still_asks_for_the_password_only(client, staff_2fa, settings):
    """A site of Django's own class (what a project that does not opt in has) is not changed
    by the app: the password signs a user with 2FA in, as before."""
    settings.ROOT_URLCONF = "tests.app.admin_urls"
    response = password_step(client, next_url="/stock-admin/", login_url="/stock-admin/login/")
    assert response["Location"] == "/stock-admin/"
    assert is_logged_in(client) and PENDING_LOGIN_KEY not in client.session
    assert can_open_admin(client, "/stock-admin/")


def test_2fa_user_is_asked_for_the_code_and_not_logged_in_before(client, staff_2fa):
    response = password_step(client)
    assert response.status_code == 302 and response["Location"] == OTP_STEP
    assert not is_logged_in(client)
    assert not can_open_admin(client)
    page = client.get(OTP_STEP)
    assert page.status_code == 200
    html = page.content.decode()
    assert "staffer" in html and 'name="code"' in html and "csrfmiddlewaretoken" in html
    assert client.session[PENDING_LOGIN_KEY]["token"] not in html


def test_wrong_code_refused_right_code_accepted(client, staff_2fa):
    password_step(client)
    wrong = str((int(staff_2fa.code()) + 1) % 1_000_000).zfill(6)
    response = client.post(OTP_STEP, {"code": wrong})
    assert response.status_code == 200 and b"That code is not valid." in response.content
    assert wrong.encode() not in response.content
    assert not is_logged_in(client)

    response = client.post(OTP_STEP, {"code": staff_2fa.code()})
    assert response.status_code == 302 and response["Location"] == INDEX
    assert is_logged_in(client) and VERIFIED_KEY in client.session
    assert PENDING_LOGIN_KEY not in client.session
    assert can_open_admin(client)


def test_the_same_code_cannot_be_replayed(client, staff_2fa):
    code = staff_2fa.code()
    password_step(client)
    assert client.post(OTP_STEP, {"code": code})["Location"] == INDEX

    other = Client()
    password_step(other)
    response = other.post(OTP_STEP, {"code": code})
    assert response.status_code == 200 and b"That code was just used; wait for the next one." in response.content
    assert not is_logged_in(other)


def test_backup_code_works_once(client, staff_2fa):
    backup = staff_2fa.backup_codes[0]
    password_step(client)
    assert client.post(OTP_STEP, {"code": backup.lower()})["Location"] == INDEX
    assert can_open_admin(client)

    other = Client()
    password_step(other)
    response = other.post(OTP_STEP, {"code": backup})
    assert response.status_code == 200 and b"That code is not valid." in response.content
    assert not is_logged_in(other)


def test_lockout_applies(client, staff_2fa, settings):
    settings.TOTP_MAX_FAILURES = 3
    password_step(client)
    for _ in range(3):
        assert client.post(OTP_STEP, {"code": "000000"}).status_code == 200
    response = client.post(OTP_STEP, {"code": staff_2fa.code()})
    assert response.status_code == 429 and b"locked" in response.content
    assert not is_logged_in(client)
    assert SecondFactorState.objects.get(user=staff_2fa.user).failed_attempts == 3


def test_throttled_like_the_api(client, staff_2fa, settings):
    settings.TOTP_THROTTLE_RATE = "3/minute"
    password_step(client)  # the password step counts too, as /api/jwt/create/ does
    assert [client.post(OTP_STEP, {"code": "000000"}).status_code for _ in range(2)] == [200, 200]
    response = client.post(OTP_STEP, {"code": staff_2fa.code()})
    assert response.status_code == 429 and response.has_header("Retry-After")
    assert b"Too many attempts" in response.content
    assert not is_logged_in(client)


def test_success_and_failure_send_the_login_signals(client, staff_2fa):
    received = []

    def on_success(sender, user=None, **kwargs):
        received.append(("ok", user.pk))

    def on_failure(sender, reason=None, **kwargs):
        received.append(("failed", reason))

    signals.totp_login_succeeded.connect(on_success)
    signals.totp_verification_failed.connect(on_failure)
    try:
        password_step(client)
        client.post(OTP_STEP, {"code": "000000" if staff_2fa.code() != "000000" else "111111"})
        client.post(OTP_STEP, {"code": staff_2fa.code()})
    finally:
        signals.totp_login_succeeded.disconnect(on_success)
        signals.totp_verification_failed.disconnect(on_failure)
    assert received == [("failed", "login"), ("ok", staff_2fa.user.pk)]


def test_next_is_kept_when_safe_and_dropped_when_not(client, staff_2fa):
    password_step(client, next_url="/admin/auth/user/")
    assert client.post(OTP_STEP, {"code": staff_2fa.code()})["Location"] == "/admin/auth/user/"

    other = Client()
    password_step(other, next_url="https://evil.example/steal")
    assert other.post(OTP_STEP, {"code": staff_2fa.backup_codes[0]})["Location"] == INDEX


def test_code_step_needs_csrf(staff_2fa):
    client = Client(enforce_csrf_checks=True)
    page = client.get(LOGIN)
    token = page.cookies["csrftoken"].value
    client.post(LOGIN, {"username": "staffer", "password": PASSWORD, "next": INDEX, "csrfmiddlewaretoken": token})
    assert client.post(OTP_STEP, {"code": staff_2fa.code()}).status_code == 403
    assert not is_logged_in(client)


def test_code_step_without_password_step_goes_to_login(client, staff_2fa):
    assert client.get(OTP_STEP)["Location"] == LOGIN
    assert client.post(OTP_STEP, {"code": staff_2fa.code()})["Location"] == LOGIN


def test_tampered_pending_login_starts_over(client, staff_2fa):
    password_step(client)
    session = client.session
    session[PENDING_LOGIN_KEY] = {**session[PENDING_LOGIN_KEY], "token": "forged"}
    session.save()
    response = client.post(OTP_STEP, {"code": staff_2fa.code()})
    assert response["Location"] == LOGIN and not is_logged_in(client)


def test_cancel_forgets_the_pending_login(client, staff_2fa):
    password_step(client)
    assert client.post(OTP_STEP, {"cancel": "1"})["Location"] == LOGIN
    assert PENDING_LOGIN_KEY not in client.session


def test_user_logged_in_elsewhere_with_password_only_must_add_the_code(client, staff_2fa):
    client.force_login(staff_2fa.user)
    response = client.get(INDEX)
    assert response.status_code == 302 and response["Location"].startswith(LOGIN)
    assert client.get(response["Location"])["Location"] == OTP_STEP
    assert client.post(OTP_STEP, {"code": staff_2fa.code()})["Location"] == INDEX
    assert can_open_admin(client)


def test_a_password_change_ends_the_verified_state(client, staff_2fa):
    password_step(client)
    client.post(OTP_STEP, {"code": staff_2fa.code()})
    user = staff_2fa.user
    user.set_password("another long password")
    user.save()
    assert not can_open_admin(client)


def test_changing_the_password_in_the_verified_session_asks_for_the_code_again(client, staff_2fa):
    """The session that changes the password stays signed in (Django's
    update_session_auth_hash) but is no longer verified: whoever can change the password
    in a verified session must still show the code before managing the admin or 2FA."""
    password_step(client)
    client.post(OTP_STEP, {"code": staff_2fa.code()})
    assert can_open_admin(client)
    new_password = "another long password"
    changed = client.post(
        "/admin/password_change/",
        {"old_password": PASSWORD, "new_password1": new_password, "new_password2": new_password},
    )
    assert changed.status_code == 302
    staff_2fa.user.refresh_from_db()
    assert staff_2fa.user.check_password(new_password)
    assert is_logged_in(client)
    assert not can_open_admin(client)
    response = client.post("/api/totp/rotate_backup_codes/")
    assert response.status_code == 403 and response.json()["code"] == "totp_second_factor_required"
    assert client.get(LOGIN)["Location"] == OTP_STEP
    assert client.post(OTP_STEP, {"code": staff_2fa.code(1)})["Location"] == INDEX
    assert can_open_admin(client)


def test_required_staff_without_2fa_is_sent_to_enrollment(client, staff, settings):
    settings.ROOT_URLCONF = "tests.app.admin_urls"
    TotpRequirement.objects.create(user=staff)
    response = password_step(client)
    assert response.status_code == 302 and response["Location"] == "/account/2fa/enroll/?next=%2Fadmin%2F"
    assert is_logged_in(client)
    response = client.get(INDEX)
    assert response.status_code == 302 and response["Location"].startswith(LOGIN)
    assert client.get(response["Location"])["Location"].startswith("/account/2fa/enroll/")


def test_required_staff_with_2fa_just_gives_the_code(client, staff_2fa):
    TotpRequirement.objects.create(user=staff_2fa.user)
    password_step(client)
    assert client.post(OTP_STEP, {"code": staff_2fa.code()})["Location"] == INDEX
    assert can_open_admin(client)


def test_required_staff_without_enrollment_page_gets_a_clear_message(client, staff):
    TotpRequirement.objects.create(user=staff)
    response = password_step(client)
    assert response.status_code == 403
    assert b"must use two-factor authentication" in response.content
    assert not can_open_admin(client)


def test_otp_admin_site_as_a_second_site_requires_the_code(client, staff_2fa, settings):
    settings.ROOT_URLCONF = "tests.app.admin_urls"
    response = password_step(client, next_url="/otp-admin/", login_url="/otp-admin/login/")
    assert response["Location"] == "/otp-admin/login/two-factor/"
    response = client.post("/otp-admin/login/two-factor/", {"code": staff_2fa.code()})
    assert response["Location"] == "/otp-admin/"
    assert can_open_admin(client, "/otp-admin/")


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"code": ""},
        {"code": "123\x00456"},
        {"code": "9" * 100_000},
        {"code": "١٢٣٤٥٦"},
        {"code": ["123456", "654321"]},
        {"code": "<script>alert(1)</script>"},
        {"code": "ZZZZ-ZZZZ-ZZZZ", "next": "//evil.example/"},
    ],
    ids=["empty", "blank", "nul", "huge", "unicode digits", "repeated", "markup", "backup shape + bad next"],
)
def test_hostile_code_step_bodies_are_refused_without_change(client, staff_2fa, body):
    password_step(client)
    before = Totp.objects.filter(user=staff_2fa.user).values("last_used_step", "confirmed_at").get()
    response = client.post(OTP_STEP, body)
    assert response.status_code in (200, 302, 400), response.status_code
    assert not is_logged_in(client)
    assert Totp.objects.filter(user=staff_2fa.user).values("last_used_step", "confirmed_at").get() == before
    code = body.get("code")
    if isinstance(code, str) and len(code) > 6:
        assert code.encode() not in response.content


def test_the_code_step_does_not_claim_a_sign_in_and_renders_its_help_text(client, staff_2fa):
    password_step(client)
    html = client.get(OTP_STEP).content.decode()
    assert "Signed in as" not in html
    assert "The password for <strong>staffer</strong> was correct." in " ".join(html.split())
    described = re.search(r'<input[^>]*name="code"[^>]*aria-describedby="([^"]+)"', html)
    if django.VERSION >= (5, 0):  # Django 5.0 on links a field to its help text itself
        assert described and described.group(1) == "id_code_helptext"
    assert re.search(r'id="id_code_helptext">[^<]*backup codes', html)


def test_a_login_with_a_backup_code_says_how_many_are_left(client, staff_2fa):
    password_step(client)
    response = client.post(OTP_STEP, {"code": staff_2fa.backup_codes[0]}, follow=True)
    assert response.status_code == 200
    assert "You have 9 backup codes left." in response.content.decode()


def test_the_login_name_is_offered_again_after_the_code_step_expired(client, staff_2fa):
    password_step(client)
    session = client.session
    pending = session[PENDING_LOGIN_KEY]
    session[PENDING_LOGIN_KEY] = {**pending, "token": pending["token"][:-2] + ("BB" if pending["token"].endswith("AA") else "AA")}
    session.save()
    page = client.post(OTP_STEP, {"code": staff_2fa.code()}, follow=True).content.decode()
    assert "Your sign-in has expired" in page
    assert re.search(r'<input[^>]*name="username"[^>]*value="staffer"', page)
