"""Hostile bodies on every endpoint: always a 4xx with a "detail" string, never a 500, and
the database (and outbox) exactly as before."""

import json
import time

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from rest_framework.test import APIClient

from django_totp_native import core
from django_totp_native.models import BackupCode, Totp
from django_totp_native.services import challenges, devices, keys

from .conftest import enroll

pytestmark = pytest.mark.django_db

HUGE = "7" * 200_000
ARABIC_INDIC_DIGITS = "\u0661\u0662\u0663\u0664\u0665\u0666"


class Ctx:
    """What a body may refer to: a valid challenge for the enrolled user, and bad ones."""

    def __init__(self, enrolled):
        self.enrolled = enrolled
        self.token = challenges.issue(enrolled.user)
        key = keys.challenge_key()
        pk = str(enrolled.user.pk)
        self.tampered = self.token[:-3] + ("xyz" if not self.token.endswith("xyz") else "abc")
        self.expired = core.sign_challenge(key, pk, challenges.PURPOSE, int(time.time()) - 3600)
        self.future = core.sign_challenge(key, pk, challenges.PURPOSE, int(time.time()) + 3600)
        self.other_purpose = core.sign_challenge(key, pk, "email_change")
        self.unknown_user = core.sign_challenge(key, "987654321", challenges.PURPOSE)
        self.non_numeric_user = core.sign_challenge(key, "not-a-pk", challenges.PURPOSE)
        self.other_key = core.sign_challenge(b"k" * 32, pk, challenges.PURPOSE)


def raw(content, content_type="application/json"):
    return {"data": content, "content_type": content_type}


def body(value):
    return {"data": json.dumps(value), "content_type": "application/json"}


GENERIC = {
    "not-json": lambda c, f: raw("{not json"),
    "truncated-json": lambda c, f: raw('{"%s": "12' % f),
    "text-plain": lambda c, f: raw("hello", "text/plain"),
    "json-list": lambda c, f: body([f]),
    "json-string": lambda c, f: body("123456"),
    "json-null": lambda c, f: body(None),
    "empty-object": lambda c, f: body({}),
    # A JSON integer is a code, as in django-totp (tests/compat); a float never is.
    "float": lambda c, f: body({f: 123456.0}),
    "bool": lambda c, f: body({f: True}),
    "null": lambda c, f: body({f: None}),
    "list": lambda c, f: body({f: ["123456"]}),
    "object": lambda c, f: body({f: {"a": 1}}),
    "empty-string": lambda c, f: body({f: ""}),
    "huge": lambda c, f: body({f: HUGE}),
    "nul-byte": lambda c, f: body({f: "123\x00456"}),
    "unicode-digits": lambda c, f: body({f: ARABIC_INDIC_DIGITS}),
    "emoji": lambda c, f: body({f: "\U0001f600" * 6}),
    "lone-surrogate": lambda c, f: raw('{"%s": "\\ud800\\ud800"}' % f),
}

VERIFY = {
    "neither-code": lambda c, f: body({"totp_challenge_token": c.token}),
    "both-codes": lambda c, f: body({"totp_challenge_token": c.token, "otp_code": c.enrolled.code(), "backup_code": c.enrolled.backup_codes[0]}),
    "blank-codes": lambda c, f: body({"totp_challenge_token": c.token, "otp_code": "  ", "backup_code": ""}),
    "no-token": lambda c, f: body({"otp_code": c.enrolled.code()}),
    "tampered-token": lambda c, f: body({"totp_challenge_token": c.tampered, "otp_code": c.enrolled.code()}),
    "expired-token": lambda c, f: body({"totp_challenge_token": c.expired, "otp_code": c.enrolled.code()}),
    "future-token": lambda c, f: body({"totp_challenge_token": c.future, "otp_code": c.enrolled.code()}),
    "other-purpose-token": lambda c, f: body({"totp_challenge_token": c.other_purpose, "otp_code": c.enrolled.code()}),
    "other-key-token": lambda c, f: body({"totp_challenge_token": c.other_key, "otp_code": c.enrolled.code()}),
    "unknown-user-token": lambda c, f: body({"totp_challenge_token": c.unknown_user, "otp_code": c.enrolled.code()}),
    "non-numeric-user-token": lambda c, f: body({"totp_challenge_token": c.non_numeric_user, "otp_code": c.enrolled.code()}),
    "huge-token": lambda c, f: body({"totp_challenge_token": HUGE, "otp_code": c.enrolled.code()}),
    "nul-token": lambda c, f: body({"totp_challenge_token": c.token + "\x00", "otp_code": c.enrolled.code()}),
    "int-token": lambda c, f: body({"totp_challenge_token": 1, "otp_code": c.enrolled.code()}),
    "unicode-digit-code": lambda c, f: body({"totp_challenge_token": c.token, "otp_code": ARABIC_INDIC_DIGITS}),
    "short-code": lambda c, f: body({"totp_challenge_token": c.token, "otp_code": "123"}),
    "letters-code": lambda c, f: body({"totp_challenge_token": c.token, "otp_code": "abcdef"}),
    "float-code": lambda c, f: body({"totp_challenge_token": c.token, "otp_code": 123456.0}),
    "nul-backup": lambda c, f: body({"totp_challenge_token": c.token, "backup_code": "ABCD\x00EFGH"}),
    "punct-backup": lambda c, f: body({"totp_challenge_token": c.token, "backup_code": "!!!!-????"}),
    "huge-backup": lambda c, f: body({"totp_challenge_token": c.token, "backup_code": HUGE}),
}

RECOVERY_CONFIRM = {
    "bad-uid": lambda c, f: body({"uid": "!!!", "token": "x", "password": "p"}),
    "unknown-uid": lambda c, f: body({"uid": "OTg3NjU0MzIx", "token": "abc-def", "password": "p"}),
    "non-numeric-uid": lambda c, f: body({"uid": "bm90LWEtcGs", "token": "abc-def", "password": "p"}),
    "bad-token": lambda c, f: body({"uid": "MQ", "token": "abc-def", "password": "correct horse battery"}),
    "int-fields": lambda c, f: body({"uid": 1, "token": 2, "password": 3}),
    "huge-fields": lambda c, f: body({"uid": HUGE, "token": HUGE, "password": HUGE}),
}

LOGIN = {
    "wrong-password": lambda c, f: body({"username": "alice", "password": "wrong"}),
    "unknown-user": lambda c, f: body({"username": "nobody", "password": "x"}),
    "nul-username": lambda c, f: body({"username": "ali\x00ce", "password": "x"}),
    "huge-password": lambda c, f: body({"username": "alice", "password": HUGE}),
}

RECOVERY = {
    "not-an-email": lambda c, f: body({"email": "not-an-email"}),
    "huge-email": lambda c, f: body({"email": "a" * 5000 + "@example.com"}),
}

# endpoint -> (path, field the generic bodies fill, who calls, extra cases)
ENDPOINTS = {
    "confirm": ("/api/totp/confirm/", "input_code", "pending", {}),
    "disable": ("/api/totp/disable/", "otp_code", "enrolled", {}),
    "rotate": ("/api/totp/rotate_backup_codes/", "otp_code", "enrolled", {}),
    "jwt-create": ("/api/jwt/create/", "username", "anon", LOGIN),
    "jwt-verify": ("/api/jwt/totp/verify/", "otp_code", "anon", VERIFY),
    "jwt-refresh": ("/api/jwt/refresh/", "refresh", "anon", {}),
    "jwt-token-verify": ("/api/jwt/verify/", "token", "anon", {}),
    "recovery": ("/api/totp/recovery/", "email", "anon", RECOVERY),
    "recovery-confirm": ("/api/totp/recovery_confirm/", "uid", "anon", RECOVERY_CONFIRM),
}

CASES = [
    pytest.param(endpoint, name, case, id=f"{endpoint}-{name}")
    for endpoint, (_, _, _, extra) in ENDPOINTS.items()
    for name, case in {**GENERIC, **extra}.items()
]


def snapshot():
    User = get_user_model()
    return {
        "users": list(User.objects.order_by("pk").values()),
        "devices": list(Totp.objects.order_by("pk").values()),
        "codes": list(BackupCode.objects.order_by("pk").values()),
        "mail": len(mail.outbox),
    }


@pytest.fixture
def ctx(make_user, settings):
    settings.TOTP_REQUIRE_CODE_FOR_CHANGES = True  # so disable/rotate read their body
    enrolled = enroll(make_user("alice"))
    pending = make_user("bob")
    devices.start_enrollment(pending)
    return Ctx(enrolled), pending


@pytest.mark.parametrize("endpoint,name,case", CASES)
def test_hostile_body(ctx, endpoint, name, case):
    context, pending = ctx
    path, field, caller, _ = ENDPOINTS[endpoint]
    client = APIClient(raise_request_exception=False)
    if caller == "pending":
        client.force_authenticate(pending)
    elif caller == "enrolled":
        client.force_authenticate(context.enrolled.user)
    before = snapshot()
    response = client.post(path, **case(context, field))
    assert 400 <= response.status_code < 500, (response.status_code, response.content[:300])
    payload = response.json()
    assert isinstance(payload.get("detail"), str) and payload["detail"]
    # No secret, code or token is echoed back.
    text = response.content.decode("utf-8", "replace")
    assert context.token not in text and context.enrolled.secret not in text
    assert snapshot() == before


@pytest.mark.parametrize("path", ["/api/jwt/totp/verify/", "/api/totp/recovery/"])
def test_body_over_the_upload_limit(ctx, path, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    before = snapshot()
    response = APIClient(raise_request_exception=False).post(
        path, data=json.dumps({"otp_code": "1" * 5000}), content_type="application/json"
    )
    assert 400 <= response.status_code < 500
    assert snapshot() == before
