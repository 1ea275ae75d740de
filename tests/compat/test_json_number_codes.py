"""Codes sent as JSON numbers work as in django-totp; floats, booleans, lists and objects do not."""

import pytest
from rest_framework.test import APIClient

from django_totp_native.models import SecondFactorState, Totp
from django_totp_native.services import challenges, devices

from .conftest import two_factor_state

pytestmark = pytest.mark.django_db


def code_without_leading_zero(secret, monkeypatch) -> str:
    """A code that can travel as a JSON number: the clock is moved (for this test only) to
    the first coming time step whose code does not start with 0."""
    import time

    import pyotp

    now = time.time() + 30
    while pyotp.TOTP(secret).at(now).startswith("0"):
        now += 30
    monkeypatch.setattr(time, "time", lambda: now)
    return pyotp.TOTP(secret).at(now)


def test_confirm_accepts_an_integer_code(user, monkeypatch):
    enrollment = devices.start_enrollment(user)
    code = code_without_leading_zero(enrollment.secret, monkeypatch)
    client = APIClient()
    client.force_authenticate(user)
    response = client.post("/api/totp/confirm/", {"input_code": int(code)}, format="json")
    assert response.status_code == 200 and len(response.json()["backup_codes"]) == 10


def test_second_step_accepts_an_integer_code(enrolled, monkeypatch):
    token = challenges.issue(enrolled.user)
    code = code_without_leading_zero(enrolled.secret, monkeypatch)
    response = APIClient().post(
        "/api/jwt/totp/verify/", {"totp_challenge_token": token, "otp_code": int(code)}, format="json"
    )
    assert response.status_code == 200 and response.json()["access"]


def test_a_shorter_number_is_simply_no_match(enrolled):
    token = challenges.issue(enrolled.user)
    before = two_factor_state(enrolled.user)
    response = APIClient().post(
        "/api/jwt/totp/verify/", {"totp_challenge_token": token, "otp_code": 12345}, format="json"
    )
    assert response.status_code == 400 and response.json()["detail"] == "Invalid 2FA code."
    assert two_factor_state(enrolled.user) == before


@pytest.mark.parametrize("value", [True, False, 123456.0, 1.5e5, [123456], {"code": 123456}, -123456, 10**40])
def test_other_json_types_are_refused_before_any_check(enrolled, value):
    token = challenges.issue(enrolled.user)
    before = two_factor_state(enrolled.user)
    response = APIClient().post(
        "/api/jwt/totp/verify/", {"totp_challenge_token": token, "otp_code": value}, format="json"
    )
    assert response.status_code == 400
    assert two_factor_state(enrolled.user) == before
    assert SecondFactorState.objects.get(user=enrolled.user).failed_attempts == 0
