"""Issue 18 item 1: an enrollment token outlives nothing it was issued for.

The attack: someone who learnt the password gets an enrollment token for a user whose
administrator requires 2FA, and keeps it. The token must stop working once the owner
changes the password, once an administrator resets the user's 2FA after the owner
enrolled, once the requirement is lifted (or lifted and imposed again), and once a
confirm has used it (one token, one enrollment).
"""

import pytest
from rest_framework.test import APIClient

from django_totp_native.models import Totp
from django_totp_native.services import management

from .conftest import code_at

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery"


def enrollment_token(user, password=PASSWORD) -> str:
    body = APIClient().post("/api/jwt/create/", {"username": user.username, "password": password}, format="json").json()
    return body["totp_enrollment_token"]


def with_token(token) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"TOTP-Enrollment {token}")
    return client


def enroll_with(token) -> dict:
    client = with_token(token)
    secret = client.post("/api/totp/create/").json()["secret"]
    confirmed = client.post("/api/totp/confirm/", {"input_code": code_at(secret, -1)}, format="json")
    assert confirmed.status_code == 200
    return confirmed.json()


@pytest.fixture
def required(user):
    management.require(user)
    return user


def test_a_password_change_voids_the_token(required):
    stolen = enrollment_token(required)
    assert with_token(stolen).post("/api/totp/create/").status_code == 201  # works until then
    required.set_password("a new password entirely")
    required.save()
    refused = with_token(stolen).post("/api/totp/create/")
    assert refused.status_code == 401
    # The owner, with the new password, gets a token that works.
    assert with_token(enrollment_token(required, "a new password entirely")).post("/api/totp/create/").status_code == 201


def test_a_reset_after_the_owner_enrolled_voids_the_token(required):
    stolen = enrollment_token(required)
    enroll_with(enrollment_token(required))  # the owner enrolls
    management.reset(required)  # lost device: the administrator resets, the requirement stays
    assert not Totp.objects.filter(user=required).exists()
    assert with_token(stolen).post("/api/totp/create/").status_code == 401
    assert not Totp.objects.filter(user=required).exists()


def test_lifting_the_requirement_voids_the_token_and_imposing_it_again_does_not_revive_it(required):
    stolen = enrollment_token(required)
    management.unrequire(required)
    assert with_token(stolen).post("/api/totp/create/").status_code == 401
    management.require(required)
    assert with_token(stolen).post("/api/totp/create/").status_code == 401


def test_a_confirm_spends_the_token(required):
    token = enrollment_token(required)
    enroll_with(token)
    again = with_token(token)
    # Now a password-only credential of a user with 2FA: it neither enrolls nor manages.
    assert again.post("/api/totp/create/").status_code in (401, 403)
    assert again.post("/api/totp/confirm/", {"input_code": "123456"}, format="json").status_code in (401, 403)
    assert Totp.objects.get(user=required).confirmed_at is not None
