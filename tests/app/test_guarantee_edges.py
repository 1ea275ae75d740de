"""Edges of the guarantees that mutation testing (``make mutate``) found untested: the
backoff schedule, which challenges a login spends, and what rotation reports
and rewrites when devices change or are half-rotated."""

from datetime import timedelta

import pytest
from cryptography.fernet import Fernet as OracleFernet
from django.utils import timezone

from django_totp_native import core
from django_totp_native.conf import conf
from django_totp_native.models import BackupCode, SecondFactorState, Totp
from django_totp_native.services import attempts, challenges, devices, keys, rotation

from .conftest import code_at, enroll, two_factor_state

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
        row = SecondFactorState.objects.get(user_id=device.user_id)
        delays.append(None if row.next_attempt_at is None else (row.next_attempt_at - started).total_seconds())
        SecondFactorState.objects.filter(user_id=device.user_id).update(next_attempt_at=None)  # try again at once
    assert delays[:2] == [None, None]
    for measured, expected in zip(delays[2:], [1, 2, 4, 8]):
        assert expected - 0.5 < measured < expected + 1.5, delays


def test_backoff_stops_at_its_maximum(make_user, settings):
    settings.TOTP_BACKOFF_AFTER = 1
    settings.TOTP_BACKOFF_BASE = 1
    settings.TOTP_BACKOFF_MAX = 5
    settings.TOTP_MAX_FAILURES = 100
    enrolled = enroll(make_user("alice"))
    SecondFactorState.objects.filter(user=enrolled.user).update(failed_attempts=40)
    started = timezone.now()
    assert not devices.verify_totp(enrolled.user, wrong_code(enrolled))
    wait = (SecondFactorState.objects.get(user=enrolled.user).next_attempt_at - started).total_seconds()
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
    assert SecondFactorState.objects.get(user=enrolled.user).failed_attempts == 0


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
    state = SecondFactorState.objects.get(user=enrolled.user)
    assert state.failed_attempts == 1 and state.next_attempt_at is not None
    SecondFactorState.objects.filter(user=enrolled.user).update(next_attempt_at=timezone.now())  # the wait is over
    before = timezone.now()
    assert devices.verify_backup(enrolled.user, enrolled.backup_codes[4])
    state = SecondFactorState.objects.get(user=enrolled.user)
    assert (state.failed_attempts, state.next_attempt_at) == (0, None)
    used = BackupCode.objects.get(totp__user=enrolled.user, is_used=True)
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
    SecondFactorState.objects.filter(user=enrolled.user).update(next_attempt_at=timezone.now())  # the wait is over
    assert devices.verify_totp(enrolled.user, enrolled.code())
    state = SecondFactorState.objects.get(user=enrolled.user)
    assert (state.failed_attempts, state.next_attempt_at) == (0, None)


def test_a_code_is_read_as_an_authenticator_app_shows_it(make_user):
    """Inner and surrounding spaces are ignored, up to the longest input the native matcher
    reads (devices.MAX_OTP_INPUT); anything longer, or not a string, is refused uncounted."""
    enrolled = enroll(make_user("alice"))
    code = enrolled.code()
    device = Totp.objects.get(user=enrolled.user)
    too_long = " " * (devices.MAX_OTP_INPUT - 5) + code  # one character over
    for refused in (too_long, None, int(code), code.encode(), [code]):
        assert not devices.verify_totp(enrolled.user, refused)
    assert SecondFactorState.objects.get(user_id=device.user_id).failed_attempts == 0, "refused unread, not counted"
    longest = " " * (devices.MAX_OTP_INPUT - 7) + code[:3] + " " + code[3:]
    assert len(longest) == devices.MAX_OTP_INPUT
    assert devices.verify_totp(enrolled.user, longest)


def test_an_attempt_whose_follow_up_fails_consumes_and_counts_nothing(make_user):
    """``on_success`` runs in the attempt's transaction; when it raises, the code is not
    spent, and the attempt is not counted either: only a wrong code counts (an error is
    not a guess, issue 17)."""
    enrolled = enroll(make_user("alice"))
    before = Totp.objects.get(user=enrolled.user)

    def fail(_device):
        raise RuntimeError("the follow-up failed")

    with pytest.raises(RuntimeError):
        devices.verify_totp(enrolled.user, enrolled.code(), on_success=fail)
    with pytest.raises(RuntimeError):
        devices.verify_backup(enrolled.user, enrolled.backup_codes[0], on_success=fail)
    after = Totp.objects.get(pk=before.pk)
    assert (SecondFactorState.objects.get(user=enrolled.user).failed_attempts, after.last_used_step) == (
        0,
        before.last_used_step,
    )
    assert not BackupCode.objects.filter(totp=after, is_used=True).exists()
    assert devices.verify_totp(enrolled.user, enrolled.code()), "the code is still unspent"


# The attempt service's refusals (services/attempts._refuse), found by the third run.


def test_confirming_a_device_that_is_confirmed_already_is_refused_uncounted(make_user):
    """An enrollment code for a device that is already confirmed: AlreadyConfirmed, and the
    device's counters, steps and codes are as they were."""
    enrolled = enroll(make_user("alice"))
    before = two_factor_state(enrolled.user)
    with pytest.raises(devices.AlreadyConfirmed):
        devices.confirm_enrollment(enrolled.user, enrolled.code())
    assert two_factor_state(enrolled.user) == before
    assert devices.verify_totp(enrolled.user, enrolled.code()), "the code was not spent"


def test_a_pending_device_under_backoff_says_when_to_try_again(make_user, monkeypatch):
    """Backoff and the hard lock apply to the enrollment's first code as to a login, and
    the answer is LockedOut (with the time left), not 'not enrolled'. The time left is
    exact, also when it is under a second."""
    user = make_user("alice")
    enrollment = devices.start_enrollment(user)
    frozen = timezone.now()
    monkeypatch.setattr(attempts.timezone, "now", lambda: frozen)
    SecondFactorState.objects.filter(user=user).update(
        failed_attempts=3, next_attempt_at=frozen + timedelta(seconds=0.25)
    )
    with pytest.raises(devices.LockedOut) as refused:
        devices.confirm_enrollment(user, code_at(enrollment.secret), device_pk=enrollment.device_pk)
    assert refused.value.retry_after == 0.25
    assert "1 second" in str(refused.value)
    SecondFactorState.objects.filter(user=user).update(failed_attempts=conf.MAX_FAILURES)
    with pytest.raises(devices.LockedOut) as refused:
        devices.confirm_enrollment(user, code_at(enrollment.secret), device_pk=enrollment.device_pk)
    assert refused.value.retry_after is None
    device = Totp.objects.get(pk=enrollment.device_pk)
    assert (SecondFactorState.objects.get(user=user).failed_attempts, device.confirmed_at) == (conf.MAX_FAILURES, None)


def test_a_lock_lifted_while_the_refusal_is_explained_means_try_again_now(make_user, monkeypatch):
    """The refused UPDATE and the SELECT that says why are two statements: when an
    administrator lifts the backoff between them (PostgreSQL, read committed), the answer
    is to try again at once: the attempt is reserved again and the code checked (since
    issue 17; before, the client was told 'retry after 0'), not an error or a made-up wait."""
    enrolled = enroll(make_user("alice"))
    SecondFactorState.objects.filter(user=enrolled.user).update(
        failed_attempts=4, next_attempt_at=timezone.now() + timedelta(hours=1)
    )
    real_refuse = attempts._refuse

    def refuse_after_the_admin_unlocks(*args):
        devices.clear_lockout(enrolled.user)
        return real_refuse(*args)

    monkeypatch.setattr(attempts, "_refuse", refuse_after_the_admin_unlocks)
    assert devices.verify_totp(enrolled.user, enrolled.code())
    assert SecondFactorState.objects.get(user=enrolled.user).failed_attempts == 0


def test_the_enrollment_shown_is_the_one_confirmed(make_user):
    """The session pages pass the pending device they showed: a code for it confirms it;
    once enrollment was restarted elsewhere, the old page's code is refused with a message
    that says so, counting nothing and confirming nothing."""
    user = make_user("alice")
    shown = devices.start_enrollment(user)
    newer = devices.start_enrollment(user)
    with pytest.raises(devices.NotEnrolled) as refused:
        devices.confirm_enrollment(user, code_at(newer.secret), device_pk=shown.device_pk)
    assert str(refused.value) == "This enrollment was replaced by a newer one; scan the new QR code."
    device = Totp.objects.get(user=user)
    failures = SecondFactorState.objects.get(user=user).failed_attempts
    assert (device.pk, failures, device.confirmed_at) == (newer.device_pk, 0, None)
    codes = devices.confirm_enrollment(user, code_at(newer.secret), device_pk=newer.device_pk)
    assert len(codes) == conf.MAX_BACKUP_CODES
    assert Totp.objects.get(user=user).confirmed_at is not None


def test_no_user_or_an_anonymous_one_is_not_enrolled_without_a_query(make_user, django_assert_num_queries):
    from django.contrib.auth.models import AnonymousUser

    for nobody in (None, AnonymousUser(), object()):
        with django_assert_num_queries(0), pytest.raises(devices.NotEnrolled) as refused:
            devices.verify_totp(nobody, "123456", challenge_sequence=1)
        assert str(refused.value) == "User does not have an associated TOTP secret."


def test_on_success_is_given_the_device_as_stored(make_user):
    """``on_success`` (public API of verify_totp and verify_backup) receives the user's
    device: its owner and its confirmation time are the stored ones."""
    enrolled = enroll(make_user("alice"))
    stored = Totp.objects.get(user=enrolled.user)
    seen = []
    assert devices.verify_totp(enrolled.user, enrolled.code(), on_success=seen.append)
    assert devices.verify_backup(enrolled.user, enrolled.backup_codes[0], on_success=seen.append)
    for device in seen:
        assert (device.pk, device.user_id, device.confirmed_at) == (stored.pk, enrolled.user.pk, stored.confirmed_at)
        assert device.is_confirmed
