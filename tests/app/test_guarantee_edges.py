"""Edges of the guarantees that mutation testing (``make mutate``) found untested: the
backoff schedule, which challenges a login spends, and what rotation reports
and rewrites when devices change or are half-rotated."""

import pytest
from cryptography.fernet import Fernet as OracleFernet
from django.utils import timezone

from django_totp_native import core
from django_totp_native.models import BackupCode, Totp
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


def test_a_spent_challenge_stays_spent_and_spends_every_older_one(make_user):
    enrolled = enroll(make_user("alice"))
    older, used, newer = (challenges.issue(enrolled.user) for _ in range(3))
    challenges.complete_login(used, otp_code=enrolled.code())
    # Another user's login does not touch this user's sequence.
    other = enroll(make_user("bob"))
    challenges.complete_login(challenges.issue(other.user), otp_code=other.code())
    for token in (used, older):
        with pytest.raises(challenges.InvalidChallenge):
            challenges.complete_login(token, backup_code=enrolled.backup_codes[0])
    # A challenge issued after the spent one still works, once.
    assert challenges.complete_login(newer, backup_code=enrolled.backup_codes[0]) == enrolled.user
    with pytest.raises(challenges.InvalidChallenge):
        challenges.complete_login(newer, backup_code=enrolled.backup_codes[1])


def test_a_challenge_never_issued_is_refused(make_user):
    """A token signed for a sequence number the device never handed out (as after the device
    was reset and enrolled again: the sequence starts over) completes no login."""
    enrolled = enroll(make_user("alice"))
    forged_ahead = core.sign_challenge(keys.challenge_key(), f"5:{enrolled.user.pk}", challenges.PURPOSE)
    with pytest.raises(challenges.InvalidChallenge):
        challenges.complete_login(forged_ahead, otp_code=enrolled.code())
    assert Totp.objects.get(user=enrolled.user).failed_attempts == 0


def test_rotation_does_not_count_a_device_deleted_while_it_runs(make_user, settings, monkeypatch):
    old_key = settings.TOTP_ENCRYPTION_KEY
    alice, bob, carol = enroll(make_user("alice")), enroll(make_user("bob")), enroll(make_user("carol"))
    settings.TOTP_ENCRYPTION_KEY = [OracleFernet.generate_key().decode(), old_key]
    real_sealed_by = rotation._sealed_by

    def sealed_by_while_bob_turns_2fa_off(fernet, token):
        if Totp.objects.filter(user=bob.user).exists():
            devices.disable(bob.user)
        return real_sealed_by(fernet, token)

    monkeypatch.setattr(rotation, "_sealed_by", sealed_by_while_bob_turns_2fa_off)
    report = rotation.reseal_all()
    assert (report.total, report.resealed, report.already_current, report.failed) == (2, 2, 0, [])
    assert report.complete
    assert Totp.objects.filter(user__in=[alice.user, carol.user]).count() == 2


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


def test_a_backup_code_success_clears_failures_and_backoff_and_records_when(make_user, settings):
    settings.TOTP_BACKOFF_AFTER = 1
    enrolled = enroll(make_user("alice"))
    assert not devices.verify_totp(enrolled.user, wrong_code(enrolled))
    device = Totp.objects.get(user=enrolled.user)
    assert device.failed_attempts == 1 and device.next_attempt_at is not None
    Totp.objects.filter(pk=device.pk).update(next_attempt_at=timezone.now())  # the wait is over
    before = timezone.now()
    assert devices.verify_backup(enrolled.user, enrolled.backup_codes[4])
    device = Totp.objects.get(pk=device.pk)
    assert (device.failed_attempts, device.next_attempt_at) == (0, None)
    used = BackupCode.objects.get(totp=device, is_used=True)
    assert before <= used.used_at <= timezone.now()


def test_an_inactive_user_cannot_finish_a_login_started_before(make_user):
    enrolled = enroll(make_user("alice"))
    token = challenges.issue(enrolled.user)
    enrolled.user.is_active = False
    enrolled.user.save(update_fields=["is_active"])
    with pytest.raises(challenges.InvalidChallenge):
        challenges.complete_login(token, otp_code=enrolled.code())
    with pytest.raises(challenges.InvalidChallenge):
        challenges.complete_login(token, backup_code=enrolled.backup_codes[0])
    assert not BackupCode.objects.filter(totp__user=enrolled.user, is_used=True).exists()
    assert devices.verify_totp(enrolled.user, enrolled.code()), "the code was not spent either"



def test_a_totp_success_clears_failures_and_backoff(make_user, settings):
    settings.TOTP_BACKOFF_AFTER = 1
    enrolled = enroll(make_user("alice"))
    assert not devices.verify_totp(enrolled.user, wrong_code(enrolled))
    Totp.objects.filter(user=enrolled.user).update(next_attempt_at=timezone.now())  # the wait is over
    assert devices.verify_totp(enrolled.user, enrolled.code())
    device = Totp.objects.get(user=enrolled.user)
    assert (device.failed_attempts, device.next_attempt_at) == (0, None)


def test_a_code_is_read_as_an_authenticator_app_shows_it(make_user):
    """Inner and surrounding spaces are ignored, up to the longest input the native matcher
    reads (devices.MAX_OTP_INPUT); anything longer, or not a string, is refused uncounted."""
    enrolled = enroll(make_user("alice"))
    code = enrolled.code()
    device = Totp.objects.get(user=enrolled.user)
    too_long = " " * (devices.MAX_OTP_INPUT - 5) + code  # one character over
    for refused in (too_long, None, int(code), code.encode(), [code]):
        assert not devices.verify_totp(enrolled.user, refused)
    assert Totp.objects.get(pk=device.pk).failed_attempts == 0, "refused unread, not counted"
    longest = " " * (devices.MAX_OTP_INPUT - 7) + code[:3] + " " + code[3:]
    assert len(longest) == devices.MAX_OTP_INPUT
    assert devices.verify_totp(enrolled.user, longest)


def test_an_attempt_whose_follow_up_fails_is_counted_and_consumes_nothing(make_user):
    """``on_success`` runs in the attempt's transaction; when it raises, the code is not
    spent and the attempt still counts as a failure."""
    enrolled = enroll(make_user("alice"))
    before = Totp.objects.get(user=enrolled.user)

    def fail(_device):
        raise RuntimeError("the follow-up failed")

    with pytest.raises(RuntimeError):
        devices.verify_totp(enrolled.user, enrolled.code(), on_success=fail)
    with pytest.raises(RuntimeError):
        devices.verify_backup(enrolled.user, enrolled.backup_codes[0], on_success=fail)
    after = Totp.objects.get(pk=before.pk)
    assert (after.failed_attempts, after.last_used_step) == (2, before.last_used_step)
    assert not BackupCode.objects.filter(totp=after, is_used=True).exists()
    assert devices.verify_totp(enrolled.user, enrolled.code()), "the code is still unspent"
