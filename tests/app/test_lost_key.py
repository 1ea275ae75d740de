"""Issue 18 item 10: a secret sealed under a key the server no longer has.

The user is told that verification is unavailable (a distinct 503 ``totp_unavailable`` on
the API, a page error elsewhere), never "invalid code"; the attempt is not counted (it is
no guess); the server log names the device; and ``totp_status --check-keys`` lists every
such device.
"""

import logging
from io import StringIO

import pytest
from cryptography.fernet import Fernet as OracleFernet
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from django_totp_native.models import SecondFactorState, Totp

from .conftest import enroll

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery"


@pytest.fixture
def lost_key(make_user, settings):
    """An enrolled user whose device was sealed under a key since removed from the settings."""
    enrolled = enroll(make_user("alice"))
    settings.TOTP_ENCRYPTION_KEY = OracleFernet.generate_key().decode()  # the old key is gone
    return enrolled


def _challenge(client):
    return client.post("/api/jwt/create/", {"username": "alice", "password": PASSWORD}, format="json").json()[
        "totp_challenge_token"
    ]


@pytest.mark.parametrize("kind", ["otp_code", "backup_code"])
def test_the_api_answers_unavailable_not_invalid_and_counts_nothing(lost_key, kind, caplog):
    client = APIClient()
    code = lost_key.code() if kind == "otp_code" else lost_key.backup_codes[0]
    with caplog.at_level(logging.ERROR, logger="django_totp_native"):
        response = client.post(
            "/api/jwt/totp/verify/", {"totp_challenge_token": _challenge(client), kind: code}, format="json"
        )
    assert response.status_code == 503
    assert response.json()["code"] == "totp_unavailable"
    assert "invalid" not in response.json()["detail"].lower()
    assert SecondFactorState.objects.get(user=lost_key.user).failed_attempts == 0
    device = Totp.objects.get(user=lost_key.user)
    assert f"device id {device.pk}" in caplog.text
    assert code not in caplog.text


def test_the_session_code_page_says_unavailable(lost_key, settings):
    from django.test import Client

    settings.ROOT_URLCONF = "tests.routed.urls"  # the test project's URLs plus the session pages
    settings.LOGIN_URL = "django_totp_native:login"
    client = Client()
    response = client.post("/account/2fa/login/", {"username": "alice", "password": PASSWORD})
    assert response.status_code == 302
    page = client.post("/account/2fa/verify/", {"code": lost_key.code()})
    assert page.status_code == 200
    assert "unavailable" in page.content.decode()
    assert "_auth_user_id" not in client.session


def test_check_keys_lists_the_devices_no_key_opens(lost_key, make_user, settings):
    with pytest.raises(CommandError, match="1 stored secret|2 stored secrets"):
        call_command("totp_status", "--check-keys", stdout=StringIO(), stderr=(err := StringIO()))
    device = Totp.objects.get(user=lost_key.user)
    assert f"TOTP device id {device.pk}" in err.getvalue()
    # With the key back (second: it decrypts, the first encrypts), everything opens again.
    settings.TOTP_ENCRYPTION_KEY = [settings.TOTP_ENCRYPTION_KEY, "qTXtBw2t6n1cRq7HnO6mVbJmUo8JZ3s0x4Pp1Z3vY2E="]
    out = StringIO()
    call_command("totp_status", "--check-keys", stdout=out)
    assert "Every stored secret opens" in out.getvalue()
