"""Stricter than django-totp: lockout with backoff, step-up, recovery links, throttles, atomic rotation."""

import re

import pytest
from django.core import mail
from django.db import DatabaseError

from django_totp_native import signals
from django_totp_native.models import BackupCode, SecondFactorState, Totp
from django_totp_native.services import devices

from .conftest import code_at

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery"


def wrong_code(enrolled):
    valid = {enrolled.code(d) for d in (-1, 0, 1)}
    return next(c for c in ("000000", "111111", "222222", "333333") if c not in valid)


def verify(api, enrolled, code):
    token = api.post("/api/jwt/create/", {"username": enrolled.user.username, "password": PASSWORD}, format="json").json()[
        "totp_challenge_token"
    ]
    return api.post("/api/jwt/totp/verify/", {"totp_challenge_token": token, "otp_code": code}, format="json")


# Lockout -------------------------------------------------------------------------------


def test_backoff_after_a_few_failures_then_success_clears(api, enrolled, settings):
    settings.TOTP_BACKOFF_AFTER = 2
    settings.TOTP_BACKOFF_BASE = 3600
    bad = wrong_code(enrolled)
    assert verify(api, enrolled, bad).status_code == 400
    assert verify(api, enrolled, bad).status_code == 400
    # Backoff now applies, even to a valid code.
    blocked = verify(api, enrolled, enrolled.code())
    assert blocked.status_code == 429
    assert "Try again in" in blocked.json()["detail"]
    assert 250 < int(blocked["Retry-After"]) <= 301  # capped by TOTP_BACKOFF_MAX (300)
    # Once the delay is over, a success resets the counter.
    SecondFactorState.objects.filter(user=enrolled.user).update(next_attempt_at=None)
    assert verify(api, enrolled, enrolled.code()).status_code == 200
    assert SecondFactorState.objects.get(user=enrolled.user).failed_attempts == 0


def test_hard_lock_after_max_failures_until_admin_clears(api, enrolled, settings):
    settings.TOTP_MAX_FAILURES = 3
    settings.TOTP_BACKOFF_AFTER = 100
    bad = wrong_code(enrolled)
    for _ in range(3):
        assert verify(api, enrolled, bad).status_code == 400
    locked = verify(api, enrolled, enrolled.code())
    assert locked.status_code == 429
    assert "administrator" in locked.json()["detail"]
    # Backup codes are locked too.
    token = api.post("/api/jwt/create/", {"username": "alice", "password": PASSWORD}, format="json").json()["totp_challenge_token"]
    r = api.post("/api/jwt/totp/verify/", {"totp_challenge_token": token, "backup_code": enrolled.backup_codes[0]}, format="json")
    assert r.status_code == 429
    assert devices.clear_lockout(enrolled.user)
    assert verify(api, enrolled, enrolled.code()).status_code == 200


def test_failures_are_counted_in_the_database(api, enrolled):
    verify(api, enrolled, wrong_code(enrolled))
    assert SecondFactorState.objects.get(user=enrolled.user).failed_attempts == 1


def test_admin_unlock_action(client, enrolled, django_user_model, settings):
    settings.TOTP_MAX_FAILURES = 1
    SecondFactorState.objects.filter(user=enrolled.user).update(failed_attempts=5)
    admin = django_user_model.objects.create_superuser("root", "root@example.com", "pw")
    client.force_login(admin)
    device = Totp.objects.get(user=enrolled.user)
    page = client.get(f"/admin/django_totp_native/totp/{device.pk}/change/")
    assert page.status_code == 200
    assert device.secret_key.encode() not in page.content
    response = client.post(
        "/admin/django_totp_native/totp/", {"action": "unlock", "_selected_action": [device.pk]}, follow=True
    )
    assert response.status_code == 200
    assert SecondFactorState.objects.get(user_id=device.user_id).failed_attempts == 0


# Step-up -------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/api/totp/disable/", "/api/totp/rotate_backup_codes/"])
def test_step_up_requires_a_fresh_code(enrolled, enrolled_api, settings, path):
    settings.TOTP_REQUIRE_CODE_FOR_CHANGES = True
    missing = enrolled_api.post(path, {}, format="json")
    assert missing.status_code == 400 and "otp_code" in missing.json()["detail"]
    wrong = enrolled_api.post(path, {"otp_code": wrong_code(enrolled)}, format="json")
    assert wrong.status_code == 400 and wrong.json()["detail"] == "Invalid 2FA code."
    assert Totp.objects.filter(user=enrolled.user).exists()
    ok = enrolled_api.post(path, {"otp_code": enrolled.code()}, format="json")
    assert ok.status_code in (200, 204)


def test_step_up_accepts_a_backup_code(enrolled, enrolled_api, settings):
    settings.TOTP_REQUIRE_CODE_FOR_CHANGES = True
    response = enrolled_api.post("/api/totp/disable/", {"backup_code": enrolled.backup_codes[3]}, format="json")
    assert response.status_code == 204


def test_without_step_up_body_is_ignored(enrolled_api):
    assert enrolled_api.post("/api/totp/disable/").status_code == 204


# Recovery ------------------------------------------------------------------------------


def recovery_link(api, email="alice@example.com"):
    mail.outbox.clear()
    response = api.post("/api/totp/recovery/", {"email": email}, format="json")
    assert response.status_code == 200
    return response


def test_recovery_answers_the_same_for_unknown_accounts(api, enrolled, make_user):
    make_user("nototp", email="plain@example.com")
    known = recovery_link(api).json()
    assert len(mail.outbox) == 1
    for email in ("nobody@example.com", "plain@example.com"):
        assert recovery_link(api, email).json() == known
        assert mail.outbox == []


def test_recovery_flow_disables_totp_once(api, enrolled):
    seen = []

    def record(sender, **kw):
        seen.append(kw["user"])

    signals.totp_recovery_succeeded.connect(record)
    try:
        recovery_link(api, "ALICE@example.com")
        message = mail.outbox[0]
        assert message.to == ["alice@example.com"]
        uid, token = re.search(r"/totp-recovery/([^/\s]+)/([^/\s]+)", message.body).groups()
        bad = api.post("/api/totp/recovery_confirm/", {"uid": uid, "token": token, "password": "wrong"}, format="json")
        assert bad.status_code == 400 and bad.json()["detail"] == "The provided credentials is invalid."
        assert Totp.objects.filter(user=enrolled.user).exists()
        ok = api.post("/api/totp/recovery_confirm/", {"uid": uid, "token": token, "password": PASSWORD}, format="json")
        assert ok.status_code == 204
        assert not Totp.objects.filter(user=enrolled.user).exists()
        assert seen == [enrolled.user]
        assert "turned off" in mail.outbox[-1].subject
        # The link is bound to the device: it does not work a second time.
        again = api.post("/api/totp/recovery_confirm/", {"uid": uid, "token": token, "password": PASSWORD}, format="json")
        assert again.status_code == 400
        assert again.json()["detail"] == "The recovery link is invalid or has expired."
    finally:
        signals.totp_recovery_succeeded.disconnect(record)


# Throttles -------------------------------------------------------------------------------


def test_throttle_rate_is_read_at_request_time(api, user, settings):
    settings.TOTP_THROTTLE_RATE = "2/minute"
    body = {"username": "alice", "password": "nope"}
    assert api.post("/api/jwt/create/", body, format="json").status_code == 401
    assert api.post("/api/jwt/create/", body, format="json").status_code == 401
    throttled = api.post("/api/jwt/create/", body, format="json")
    assert throttled.status_code == 429 and "detail" in throttled.json()
    settings.TOTP_THROTTLE_RATE = "100/minute"
    assert api.post("/api/jwt/create/", body, format="json").status_code == 401


@pytest.mark.parametrize(
    "path,authenticated",
    [
        ("/api/totp/create/", True),
        ("/api/totp/confirm/", True),
        ("/api/totp/disable/", True),
        ("/api/totp/rotate_backup_codes/", True),
        ("/api/totp/recovery/", False),
        ("/api/totp/recovery_confirm/", False),
        ("/api/jwt/create/", False),
        ("/api/jwt/totp/verify/", False),
        ("/api/jwt/refresh/", False),
        ("/api/jwt/verify/", False),
    ],
)
def test_every_endpoint_is_throttled(api, user, settings, path, authenticated):
    settings.TOTP_THROTTLE_RATE = "1/minute"
    if authenticated:
        api.force_authenticate(user)
    api.post(path, {}, format="json")
    assert api.post(path, {}, format="json").status_code == 429


# Atomicity -----------------------------------------------------------------------------


def test_failed_rotation_keeps_the_old_codes(enrolled, enrolled_api, monkeypatch):
    before = sorted(BackupCode.objects.filter(totp__user=enrolled.user).values_list("digest", flat=True))

    def broken_bulk_create(*args, **kwargs):
        raise DatabaseError("disk full")

    monkeypatch.setattr(BackupCode.objects, "bulk_create", broken_bulk_create)
    with pytest.raises(DatabaseError):
        devices.rotate_codes(enrolled.user)
    monkeypatch.undo()
    after = sorted(BackupCode.objects.filter(totp__user=enrolled.user).values_list("digest", flat=True))
    assert after == before
    assert devices.verify_backup(enrolled.user, enrolled.backup_codes[0])


def test_failed_confirmation_store_leaves_enrollment_pending(user, monkeypatch):
    enrollment = devices.start_enrollment(user)

    def broken_bulk_create(*args, **kwargs):
        raise DatabaseError("disk full")

    monkeypatch.setattr(BackupCode.objects, "bulk_create", broken_bulk_create)
    with pytest.raises(DatabaseError):
        devices.confirm_enrollment(user, code_at(enrollment.secret))
    monkeypatch.undo()
    device = Totp.objects.get(user=user)
    assert device.confirmed_at is None and device.last_used_step == -1
    assert not BackupCode.objects.exists()
    # The same code still confirms afterwards: nothing was consumed.
    assert len(devices.confirm_enrollment(user, code_at(enrollment.secret))) == 10
