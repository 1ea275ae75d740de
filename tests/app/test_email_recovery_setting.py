"""TOTP_EMAIL_RECOVERY: recovery by e-mail can be turned off (issue 18 item 11).

E-mail recovery turns 2FA off with a link from the mailbox and the password, no code.
It stays on by default, as in django-totp; a site that turns it off must find no trace of
it: no link on the code page, 404 from the session pages and from both API endpoints,
no e-mail sent, and a link e-mailed while it was on no longer turns 2FA off.

This module is also the URLconf of its tests: the session pages and the API, as a site
mounts them.
"""

import re

import pytest
from django.test import Client
from django.urls import include, path, reverse
from rest_framework.test import APIClient

from django_totp_native import checks
from django_totp_native.models import SecondFactorState
from django_totp_native.services import devices, recovery

from .conftest import enroll

pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]

urlpatterns = [
    path("account/2fa/", include("django_totp_native.urls.session")),
    path("api/", include("django_totp_native.urls")),
    path("api/", include("django_totp_native.urls.recovery")),
    path("api/", include("django_totp_native.urls.jwt")),
]

PASSWORD = "correct horse battery"  # make_user's default
RECOVERY_PAGE = "/account/2fa/recovery/"


@pytest.fixture(autouse=True)
def _session_pages(settings):
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, "django_totp_native.session.middleware.OTPMiddleware"]
    settings.LOGIN_URL = "django_totp_native:login"
    settings.TOTP_RECOVERY_CONFIRM_URL = "/account/2fa/recovery/{uid}/{token}/"


@pytest.fixture
def recovery_off(settings):
    settings.TOTP_EMAIL_RECOVERY = False
    return settings


@pytest.fixture
def bob(make_user):
    return enroll(make_user("bob"))


def emailed_link(mailoutbox) -> str:
    """Ask for a recovery e-mail through the API, as the user would; the link in it."""
    mailoutbox.clear()
    answer = APIClient().post("/api/totp/recovery/", {"email": "bob@example.com"}, format="json")
    assert answer.status_code == 200 and len(mailoutbox) == 1
    return re.search(r"(/account/2fa/recovery/([^/\s]+)/([^/\s]+)/)", mailoutbox[0].body).group(1)


def link_parts(link: str) -> dict:
    _, uid, token = link.strip("/").rsplit("/", 2)
    return {"uid": uid, "token": token}


def code_page(user) -> str:
    """The code page of a login that passed the password step."""
    client = Client()
    client.post(reverse("django_totp_native:login"), {"username": user.get_username(), "password": PASSWORD})
    page = client.get(reverse("django_totp_native:verify"))
    assert page.status_code == 200
    return page.content.decode()


def locked(user):
    SecondFactorState.objects.filter(user=user).update(failed_attempts=10)


# On (the default): everything as in django-totp ---------------------------------------


def test_recovery_is_on_when_the_setting_is_absent(settings, bob, mailoutbox):
    del settings.TOTP_EMAIL_RECOVERY  # unset in tests.settings too; be sure
    assert f'href="{RECOVERY_PAGE}"' in code_page(bob.user)
    assert Client().get(RECOVERY_PAGE).status_code == 200
    link = emailed_link(mailoutbox)
    assert Client().get(link).status_code == 200
    done = APIClient().post("/api/totp/recovery_confirm/", {**link_parts(link), "password": PASSWORD}, format="json")
    assert done.status_code == 204 and not devices.is_enabled(bob.user)


# Off: no link, no page, no endpoint, no way through an old link ------------------------


def test_the_code_page_does_not_offer_recovery(recovery_off, bob):
    page = code_page(bob.user)
    assert RECOVERY_PAGE not in page and "by e-mail" not in page
    assert "Ask an administrator to reset your two-factor authentication" in page


def test_the_overview_of_a_locked_user_does_not_offer_recovery(recovery_off, bob, settings):
    client = Client()
    client.post(reverse("django_totp_native:login"), {"username": "bob", "password": PASSWORD})
    client.post(reverse("django_totp_native:verify"), {"code": bob.code()})
    locked(bob.user)  # since signing in, e.g. someone else guessing codes
    page = client.get(reverse("django_totp_native:manage")).content.decode()
    assert "Code verification is locked" in page and "recovery by e-mail" not in page
    settings.TOTP_EMAIL_RECOVERY = True
    assert "recovery by e-mail" in client.get(reverse("django_totp_native:manage")).content.decode()


def test_a_locked_login_does_not_point_to_recovery(recovery_off, bob, settings):
    locked(bob.user)
    api = APIClient()
    token = api.post("/api/jwt/create/", {"username": "bob", "password": PASSWORD}, format="json").json()
    answer = api.post(
        "/api/jwt/totp/verify/", {"totp_challenge_token": token["totp_challenge_token"], "otp_code": bob.code()},
        format="json",
    )
    assert answer.status_code == 429 and "locked" in answer.json()["detail"]
    assert "recovery" not in answer.json()["detail"]
    settings.TOTP_EMAIL_RECOVERY = True
    token = api.post("/api/jwt/create/", {"username": "bob", "password": PASSWORD}, format="json").json()
    answer = api.post(
        "/api/jwt/totp/verify/", {"totp_challenge_token": token["totp_challenge_token"], "otp_code": bob.code()},
        format="json",
    )
    assert "account recovery" in answer.json()["detail"]


def test_the_recovery_pages_are_404_and_send_nothing(recovery_off, bob, mailoutbox):
    client = Client()
    assert client.get(RECOVERY_PAGE).status_code == 404
    assert client.post(RECOVERY_PAGE, {"email": "bob@example.com"}).status_code == 404
    assert mailoutbox == []


def test_the_recovery_endpoints_are_404_and_send_nothing(recovery_off, bob, mailoutbox):
    api = APIClient()
    asked = api.post("/api/totp/recovery/", {"email": "bob@example.com"}, format="json")
    assert asked.status_code == 404 and "turned off" in asked.json()["detail"]
    assert mailoutbox == []
    uid, token = recovery.encode_uid(bob.user.pk), recovery.recovery_token_generator.make_token(bob.user)
    used = api.post("/api/totp/recovery_confirm/", {"uid": uid, "token": token, "password": PASSWORD}, format="json")
    assert used.status_code == 404 and "turned off" in used.json()["detail"]
    assert devices.is_enabled(bob.user)


def test_a_link_emailed_before_recovery_was_turned_off_does_not_turn_2fa_off(settings, bob, mailoutbox):
    link = emailed_link(mailoutbox)  # recovery on: the e-mail goes out
    settings.TOTP_EMAIL_RECOVERY = False
    client = Client()
    assert client.get(link).status_code == 404
    assert client.post(link, {"password": PASSWORD}).status_code == 404
    api_answer = APIClient().post(
        "/api/totp/recovery_confirm/", {**link_parts(link), "password": PASSWORD}, format="json"
    )
    assert api_answer.status_code == 404
    assert devices.is_enabled(bob.user)
    assert len(mailoutbox) == 1  # no "2FA was turned off" e-mail either


def test_the_service_refuses_a_valid_link_while_off(recovery_off, bob):
    # For a project's own view that calls the service: the setting holds there too.
    uid, token = recovery.encode_uid(bob.user.pk), recovery.recovery_token_generator.make_token(bob.user)
    with pytest.raises(recovery.RecoveryDisabled):
        recovery.recover(uid, token, PASSWORD)
    assert devices.is_enabled(bob.user)


# The deploy check ------------------------------------------------------------------------


def test_deploy_check_states_the_trade_off_while_recovery_is_on(settings):
    settings.TOTP_EMAIL_RECOVERY = True
    (warning,) = checks.check_email_recovery()
    assert warning.id == "django_totp_native.W009"
    assert "e-mail" in warning.msg and "turn the user's 2FA off" in warning.msg
    settings.TOTP_EMAIL_RECOVERY = False
    assert checks.check_email_recovery() == []
