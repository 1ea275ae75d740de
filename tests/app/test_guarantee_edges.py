"""Edges of the guarantees that mutation testing (``make mutate``) found untested: the
backoff schedule, how long a burned challenge is remembered, and what rotation reports
and rewrites when devices change or are half-rotated."""

from datetime import timedelta

import pytest
from cryptography.fernet import Fernet as OracleFernet
from django.utils import timezone

from django_totp_native import core
from django_totp_native.models import Totp, UsedChallenge
from django_totp_native.services import challenges, devices, keys, rotation

from .conftest import enroll

pytestmark = pytest.mark.django_db


def wrong_code(enrolled) -> str:
    valid = {enrolled.code(offset) for offset in range(-3, 4)}
    return next(c for c in (f"{n:06d}" for n in range(100000, 999999, 7919)) if c not in valid)


def test_backoff_doubles_with_every_failure_after_the_threshold(make_user, settings):
    settings.TOTP_BACKOFF_AFTER = 3
    settings.TOTP_BACKOFF_BASE = 1
    settings.TOTP_BACKOFF_MAX = 10**6
    settings.TOTP_MAX_FAILURES = 100
    enrolled = enroll(make_user("alice"))
    device = Totp.objects.get(user=enrolled.user)
    delays = []
    for _ in range(6):
        started = timezone.now()
        assert not devices.verify_totp(enrolled.user, wrong_code(enrolled))
        row = Totp.objects.get(pk=device.pk)
        delays.append(None if row.next_attempt_at is None else (row.next_attempt_at - started).total_seconds())
        Totp.objects.filter(pk=device.pk).update(next_attempt_at=None)  # try again at once
    assert delays[:2] == [None, None]
    for measured, expected in zip(delays[2:], [1, 2, 4, 8]):
        assert expected - 0.5 < measured < expected + 1.5, delays


def test_backoff_stops_at_its_maximum(make_user, settings):
    settings.TOTP_BACKOFF_AFTER = 1
    settings.TOTP_BACKOFF_BASE = 1
    settings.TOTP_BACKOFF_MAX = 5
    settings.TOTP_MAX_FAILURES = 100
    enrolled = enroll(make_user("alice"))
    Totp.objects.filter(user=enrolled.user).update(failed_attempts=40)
    started = timezone.now()
    assert not devices.verify_totp(enrolled.user, wrong_code(enrolled))
    wait = (Totp.objects.get(user=enrolled.user).next_attempt_at - started).total_seconds()
    assert 4.5 < wait < 6.5


def test_a_burned_challenge_is_remembered_while_the_token_still_verifies(make_user, settings):
    settings.TOTP_TOKEN_MAX_AGE = 120
    enrolled = enroll(make_user("alice"))
    token = challenges.issue(enrolled.user)
    issued_at = challenges.read(token).issued_at
    challenges.complete_login(token, otp_code=enrolled.code())
    kept_until = UsedChallenge.objects.get().expires_at
    # The token verifies until issued_at + TOTP_TOKEN_MAX_AGE; its nonce must outlive that,
    # or the purge of expired nonces would make the token usable again.
    assert kept_until.timestamp() >= issued_at + settings.TOTP_TOKEN_MAX_AGE
    # ... and the purge that another login's burn runs keeps it.
    other = enroll(make_user("bob"))
    challenges.complete_login(challenges.issue(other.user), otp_code=other.code())
    with pytest.raises(challenges.InvalidChallenge):
        challenges.complete_login(token, backup_code=enrolled.backup_codes[0])


def test_expired_burned_challenges_are_purged(make_user):
    enrolled = enroll(make_user("alice"))
    UsedChallenge.objects.create(
        nonce="0" * 32, user=enrolled.user, expires_at=timezone.now() - timedelta(seconds=1)
    )
    challenges.complete_login(challenges.issue(enrolled.user), otp_code=enrolled.code())
    assert not UsedChallenge.objects.filter(nonce="0" * 32).exists()
    assert UsedChallenge.objects.count() == 1


def test_rotation_does_not_count_a_device_deleted_while_it_runs(make_user, settings, monkeypatch):
    old_key = settings.TOTP_ENCRYPTION_KEY
    alice, bob = enroll(make_user("alice")), enroll(make_user("bob"))
    settings.TOTP_ENCRYPTION_KEY = [OracleFernet.generate_key().decode(), old_key]
    real_sealed_by = rotation._sealed_by

    def sealed_by_while_bob_turns_2fa_off(fernet, token):
        if Totp.objects.filter(user=bob.user).exists():
            devices.disable(bob.user)
        return real_sealed_by(fernet, token)

    monkeypatch.setattr(rotation, "_sealed_by", sealed_by_while_bob_turns_2fa_off)
    report = rotation.reseal_all()
    assert (report.total, report.resealed, report.already_current, report.failed) == (1, 1, 0, [])
    assert report.complete
    assert Totp.objects.filter(user=alice.user).exists()


def test_rotation_rewrites_only_what_is_under_an_old_key(make_user, settings):
    old_key = settings.TOTP_ENCRYPTION_KEY
    new_key = OracleFernet.generate_key().decode()
    alice = enroll(make_user("alice"))
    # Half-rotated: the secret is already under the new key, the backup key is not.
    settings.TOTP_ENCRYPTION_KEY = [new_key, old_key]
    sealed_secret = keys.as_text(keys.fernet().rotate(Totp.objects.get(user=alice.user).secret_key.encode()))
    Totp.objects.filter(user=alice.user).update(secret_key=sealed_secret)
    report = rotation.reseal_all()
    device = Totp.objects.get(user=alice.user)
    assert report.resealed == 1
    assert device.secret_key == sealed_secret, "the part already under the first key is left as it was"
    assert core.Fernet(new_key).decrypt(device.backup_key.encode())
