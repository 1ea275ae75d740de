"""No cache keeps an answer of the API (issue 18 item 9).

The answers carry a TOTP secret and its QR code (totp/create), backup codes
(totp/confirm, rotate_backup_codes), JWTs (jwt/create, jwt/totp/verify, jwt/refresh,
totp/confirm), challenge and enrollment tokens (jwt/create). Without ``Cache-Control:
no-store`` a browser's disk cache or a shared proxy could keep them, for the next user of
the machine to read. Every endpoint is called as a client would, once answering its
success and once an error, and each answer must say ``no-store``.
"""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet

from django_totp_native.services import recovery

from .conftest import code_at, enroll

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery"  # make_user's default


def directives(response) -> set[str]:
    return {part.split("=", 1)[0].strip().lower() for part in response.get("Cache-Control", "").split(",")}


def post(api, path, body=None):
    return api.post(path, body or {}, format="json")


def jwt_login(api, user) -> dict:
    return post(api, "/api/jwt/create/", {"username": user.get_username(), "password": PASSWORD}).json()


def signed_in(api, user):
    api.force_authenticate(user)
    return api


def started(api, user) -> str:
    """The secret of a new enrollment of ``user``, signed in on ``api``."""
    return post(signed_in(api, user), "/api/totp/create/").json()["secret"]


def recovery_confirm(api, enrolled, password):
    uid = recovery.encode_uid(enrolled.user.pk)
    token = recovery.recovery_token_generator.make_token(enrolled.user)
    return post(api, "/api/totp/recovery_confirm/", {"uid": uid, "token": token, "password": password})


def second_step(api, enrolled, code):
    token = jwt_login(api, enrolled.user)["totp_challenge_token"]
    return post(api, "/api/jwt/totp/verify/", {"totp_challenge_token": token, "otp_code": code})


# (endpoint, outcome) -> (call, the status it must answer). Each call takes the client,
# a user without 2FA (alice) and an enrolled one (bob).
CALLS = {
    ("totp/create", "success"): (lambda api, user, enrolled: post(signed_in(api, user), "/api/totp/create/"), 201),
    ("totp/create", "error"): (lambda api, user, enrolled: post(api, "/api/totp/create/"), 401),
    ("totp/confirm", "success"): (
        lambda api, user, enrolled: post(api, "/api/totp/confirm/", {"input_code": code_at(started(api, user))}),
        200,
    ),
    ("totp/confirm", "error"): (
        lambda api, user, enrolled: started(api, user) and post(api, "/api/totp/confirm/", {"input_code": "000000"}),
        400,
    ),
    ("totp/disable", "success"): (lambda api, user, enrolled: post(signed_in(api, enrolled.user), "/api/totp/disable/"), 204),
    ("totp/disable", "error"): (lambda api, user, enrolled: post(signed_in(api, user), "/api/totp/disable/"), 400),
    ("totp/rotate_backup_codes", "success"): (
        lambda api, user, enrolled: post(signed_in(api, enrolled.user), "/api/totp/rotate_backup_codes/"),
        200,
    ),
    ("totp/rotate_backup_codes", "error"): (
        lambda api, user, enrolled: post(signed_in(api, user), "/api/totp/rotate_backup_codes/"),
        400,
    ),
    ("totp/recovery", "success"): (
        lambda api, user, enrolled: post(api, "/api/totp/recovery/", {"email": "bob@example.com"}),
        200,
    ),
    ("totp/recovery", "error"): (
        lambda api, user, enrolled: post(api, "/api/totp/recovery/", {"email": "not an address"}),
        400,
    ),
    ("totp/recovery_confirm", "success"): (lambda api, user, enrolled: recovery_confirm(api, enrolled, PASSWORD), 204),
    ("totp/recovery_confirm", "error"): (lambda api, user, enrolled: recovery_confirm(api, enrolled, "wrong"), 400),
    ("jwt/create", "success"): (
        lambda api, user, enrolled: post(api, "/api/jwt/create/", {"username": "alice", "password": PASSWORD}),
        200,
    ),
    ("jwt/create", "error"): (
        lambda api, user, enrolled: post(api, "/api/jwt/create/", {"username": "alice", "password": "wrong"}),
        401,
    ),
    ("jwt/totp/verify", "success"): (lambda api, user, enrolled: second_step(api, enrolled, enrolled.code()), 200),
    ("jwt/totp/verify", "error"): (lambda api, user, enrolled: second_step(api, enrolled, "000000"), 400),
    ("jwt/refresh", "success"): (
        lambda api, user, enrolled: post(api, "/api/jwt/refresh/", {"refresh": jwt_login(api, user)["refresh"]}),
        200,
    ),
    ("jwt/refresh", "error"): (lambda api, user, enrolled: post(api, "/api/jwt/refresh/", {"refresh": "not.a.token"}), 401),
    ("jwt/verify", "success"): (
        lambda api, user, enrolled: post(api, "/api/jwt/verify/", {"token": jwt_login(api, user)["access"]}),
        200,
    ),
    ("jwt/verify", "error"): (lambda api, user, enrolled: post(api, "/api/jwt/verify/", {"token": "not.a.token"}), 401),
}


@pytest.fixture
def people(make_user):
    return make_user("alice"), enroll(make_user("bob"))


@pytest.mark.parametrize("endpoint,outcome", sorted(CALLS))
def test_every_answer_is_no_store(api, people, endpoint, outcome):
    call, status = CALLS[endpoint, outcome]
    response = call(api, *people)
    assert response.status_code == status, response.content
    assert "no-store" in directives(response), response.get("Cache-Control")


def test_the_answers_that_carry_secrets_are_among_them(api, people):
    # What the review named, checked for what it carries, so that the calls above cannot
    # drift into answers that hold nothing secret.
    user, enrolled = people
    assert "secret" in CALLS["totp/create", "success"][0](api, user, enrolled).json()
    assert len(CALLS["totp/rotate_backup_codes", "success"][0](api, user, enrolled).json()["backup_codes"]) == 10
    assert {"access", "refresh"} <= set(CALLS["jwt/totp/verify", "success"][0](api, user, enrolled).json())
    assert {"access", "refresh"} <= set(CALLS["jwt/create", "success"][0](api, user, enrolled).json())


def test_a_throttled_answer_is_no_store(api, people, settings):
    settings.TOTP_THROTTLE_RATE = "1/minute"
    post(api, "/api/jwt/create/", {"username": "alice", "password": "wrong"})
    throttled = post(api, "/api/jwt/create/", {"username": "alice", "password": PASSWORD})
    assert throttled.status_code == 429 and "no-store" in directives(throttled)


def test_an_unavailable_answer_is_no_store(api, people, settings):
    # 503 totp_unavailable: the device's secret opens with none of the configured keys.
    _, enrolled = people
    token = jwt_login(api, enrolled.user)["totp_challenge_token"]
    settings.TOTP_ENCRYPTION_KEY = Fernet.generate_key().decode()
    answer = post(api, "/api/jwt/totp/verify/", {"totp_challenge_token": token, "otp_code": enrolled.code()})
    assert answer.status_code == 503 and "no-store" in directives(answer)
