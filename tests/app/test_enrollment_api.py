"""Enrollment and management endpoints: paths, bodies, status codes and signals as in django-totp."""

import pytest
from django.dispatch import receiver  # noqa: F401

from django_totp_native import signals
from django_totp_native.auth import is_totp_enabled
from django_totp_native.models import BackupCode, Totp

from .conftest import code_at

pytestmark = pytest.mark.django_db


@pytest.fixture
def caught():
    """Records (signal name, kwargs) for every signal of the app."""
    seen = []
    names = [
        "totp_created",
        "totp_disabled",
        "backup_codes_rotated",
        "totp_login_succeeded",
        "non_totp_login_succeeded",
        "totp_recovery_succeeded",
        "totp_verification_failed",
    ]
    handlers = []
    for name in names:
        def handler(sender, _name=name, **kwargs):
            seen.append((_name, kwargs))
        getattr(signals, name).connect(handler, weak=False)
        handlers.append((name, handler))
    yield seen
    for name, handler in handlers:
        getattr(signals, name).disconnect(handler)


def test_create_returns_svg_uri_and_secret(user, user_api):
    response = user_api.post("/api/totp/create/")
    assert response.status_code == 201
    body = response.json()
    assert body["svg"].lstrip().startswith("<svg")
    assert body["otpauth_uri"].startswith("otpauth://totp/")
    assert f"secret={body['secret']}" in body["otpauth_uri"]
    assert "issuer=Test%20Suite" in body["otpauth_uri"] or "issuer=Test+Suite" in body["otpauth_uri"]
    # The secret is stored sealed, never as the plaintext.
    stored = Totp.objects.get(user=user).secret_key
    assert body["secret"] not in stored
    assert not is_totp_enabled(user)


def test_create_again_replaces_a_pending_device_but_not_a_confirmed_one(user_api):
    first = user_api.post("/api/totp/create/")
    assert first.status_code == 201
    second = user_api.post("/api/totp/create/")
    assert second.status_code == 201 and second.json()["secret"] != first.json()["secret"]
    # The first key is void: its codes no longer confirm anything.
    response = user_api.post("/api/totp/confirm/", {"input_code": code_at(first.json()["secret"])}, format="json")
    assert response.status_code == 400
    response = user_api.post("/api/totp/confirm/", {"input_code": code_at(second.json()["secret"])}, format="json")
    assert response.status_code == 200
    response = user_api.post("/api/totp/create/")
    assert response.status_code == 400
    assert response.json() == {"detail": "TOTP already exists for this user."}


def test_confirm_with_valid_code_returns_backup_codes_and_enables(user, user_api, caught, settings):
    settings.TOTP_MAX_BACKUP_CODES = 7
    secret = user_api.post("/api/totp/create/").json()["secret"]
    response = user_api.post("/api/totp/confirm/", {"input_code": code_at(secret)}, format="json")
    assert response.status_code == 200
    codes = response.json()["backup_codes"]
    assert len(codes) == 7 and len(set(codes)) == 7
    assert is_totp_enabled(user)
    # Only digests are stored.
    stored = list(BackupCode.objects.filter(totp__user=user).values_list("digest", flat=True))
    assert len(stored) == 7 and not set(codes) & set(stored)
    assert [name for name, _ in caught] == ["totp_created"]
    assert caught[0][1]["user"] == user and "request" in caught[0][1]


def test_confirm_with_wrong_code_is_400(user_api, caught):
    user_api.post("/api/totp/create/")
    response = user_api.post("/api/totp/confirm/", {"input_code": "000000"}, format="json")
    # One chance in a million that 000000 is right; the secret is random.
    assert response.status_code == 400
    assert response.json() == {"detail": "Invalid TOTP code."}
    assert [name for name, _ in caught] == ["totp_verification_failed"]


def test_confirm_without_enrollment_is_400(user_api):
    response = user_api.post("/api/totp/confirm/", {"input_code": "123456"}, format="json")
    assert response.status_code == 400
    assert response.json() == {"detail": "User does not have an associated TOTP secret."}


def test_confirm_code_cannot_be_replayed(user_api):
    secret = user_api.post("/api/totp/create/").json()["secret"]
    code = code_at(secret)
    assert user_api.post("/api/totp/confirm/", {"input_code": code}, format="json").status_code == 200
    user_api.post("/api/totp/disable/")
    # Re-enrolled with a new secret; the old code means nothing now.
    assert user_api.post("/api/totp/confirm/", {"input_code": code}, format="json").status_code == 400


def test_disable_deletes_device_and_codes(enrolled, enrolled_api, caught):
    response = enrolled_api.post("/api/totp/disable/")
    assert response.status_code == 204
    assert not Totp.objects.filter(user=enrolled.user).exists()
    assert not BackupCode.objects.exists()
    assert [name for name, _ in caught] == ["totp_disabled"]


def test_disable_without_totp_is_400(user_api):
    response = user_api.post("/api/totp/disable/")
    assert response.status_code == 400
    assert response.json() == {"detail": "User does not have an associated TOTP secret."}


def test_rotate_replaces_codes(enrolled, enrolled_api, caught):
    response = enrolled_api.post("/api/totp/rotate_backup_codes/")
    assert response.status_code == 200
    new_codes = response.json()["backup_codes"]
    assert len(new_codes) == 10 and not set(new_codes) & set(enrolled.backup_codes)
    assert BackupCode.objects.filter(totp__user=enrolled.user).count() == 10
    assert [name for name, _ in caught] == ["backup_codes_rotated"]


def test_rotate_without_totp_is_400(user_api):
    response = user_api.post("/api/totp/rotate_backup_codes/")
    assert response.status_code == 400
    assert "detail" in response.json()


@pytest.mark.parametrize(
    "path", ["/api/totp/create/", "/api/totp/confirm/", "/api/totp/disable/", "/api/totp/rotate_backup_codes/"]
)
def test_management_endpoints_need_a_user(api, path):
    response = api.post(path, {}, format="json")
    assert response.status_code in (401, 403)
    assert "detail" in response.json()
