"""Replay under concurrency: 16 threads, each with its own database connection, submit the
same valid code through the real verify path; exactly one may succeed.

Runs on SQLite (a file database, see tests/settings.py) and on PostgreSQL when
DATABASE_URL is set.
"""

import threading

import pytest
from cryptography.fernet import Fernet as OracleFernet, InvalidToken as OracleInvalidToken
from django.db import connection
from rest_framework.test import APIClient

from django_totp_native.models import BackupCode, Totp, UsedChallenge
from django_totp_native.services import challenges, devices, provisioning, rotation

from .conftest import code_at, enroll, store_codes_as_before_device_keys

THREADS = 16
PASSWORD = "correct horse battery"


def run_together(worker, count=THREADS):
    """Start `count` threads at one barrier; each closes its own connection when done."""
    barrier = threading.Barrier(count)
    results, errors = [None] * count, []

    def run(i):
        try:
            barrier.wait(timeout=30)
            results[i] = worker(i)
        except Exception as exc:  # surfaced by the assertion below
            errors.append(repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    return results


@pytest.fixture
def roomy_lockout(settings):
    # The replay guard, not the lockout, must be what stops the 15 losers.
    settings.TOTP_MAX_FAILURES = 1000
    settings.TOTP_BACKOFF_AFTER = 1000


@pytest.mark.django_db(transaction=True)
def test_same_totp_code_through_the_login_endpoint_succeeds_once(make_user, roomy_lockout):
    enrolled = enroll(make_user("alice"))
    tokens = [challenges.issue(enrolled.user) for _ in range(THREADS)]
    code = enrolled.code()

    def attempt(i):
        client = APIClient()
        response = client.post(
            "/api/jwt/totp/verify/", {"totp_challenge_token": tokens[i], "otp_code": code}, format="json"
        )
        return response.status_code

    statuses = run_together(attempt)
    assert sorted(statuses) == [200] + [400] * (THREADS - 1)
    assert UsedChallenge.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_same_totp_code_through_the_service_succeeds_once(make_user, roomy_lockout):
    enrolled = enroll(make_user("bob"))
    code = enrolled.code()
    results = run_together(lambda i: devices.verify_totp(enrolled.user, code))
    assert results.count(True) == 1
    assert Totp.objects.get(user=enrolled.user).last_used_step >= 0


@pytest.mark.django_db(transaction=True)
def test_same_backup_code_succeeds_once(make_user, roomy_lockout):
    enrolled = enroll(make_user("carol"))
    tokens = [challenges.issue(enrolled.user) for _ in range(THREADS)]
    backup = enrolled.backup_codes[0]

    def attempt(i):
        client = APIClient()
        return client.post(
            "/api/jwt/totp/verify/", {"totp_challenge_token": tokens[i], "backup_code": backup}, format="json"
        ).status_code

    statuses = run_together(attempt)
    assert statuses.count(200) == 1
    assert BackupCode.objects.filter(totp__user=enrolled.user, is_used=True).count() == 1


@pytest.mark.django_db(transaction=True)
def test_one_challenge_token_logs_in_once_even_with_different_codes(make_user, roomy_lockout):
    enrolled = enroll(make_user("dave"))
    token = challenges.issue(enrolled.user)
    # Each thread brings a different valid credential: distinct backup codes.
    codes = enrolled.backup_codes

    def attempt(i):
        return APIClient().post(
            "/api/jwt/totp/verify/", {"totp_challenge_token": token, "backup_code": codes[i]}, format="json"
        ).status_code

    statuses = run_together(attempt, count=len(codes))
    assert statuses.count(200) == 1
    # Losing requests consumed nothing: only the winner's code is used.
    assert BackupCode.objects.filter(totp__user=enrolled.user, is_used=True).count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_guesses_never_exceed_the_failure_cap(make_user, settings):
    settings.TOTP_MAX_FAILURES = 5
    settings.TOTP_BACKOFF_AFTER = 1000
    enrolled = enroll(make_user("erin"))
    valid = {enrolled.code(d) for d in (-1, 0, 1)}
    guesses = [f"{n:06d}" for n in range(100, 10000, 7) if f"{n:06d}" not in valid][:THREADS]

    def attempt(i):
        try:
            return devices.verify_totp(enrolled.user, guesses[i])
        except devices.LockedOut:
            return "locked"

    results = run_together(attempt)
    assert results.count(False) == 5
    assert results.count("locked") == THREADS - 5
    assert Totp.objects.get(user=enrolled.user).failed_attempts == 5


@pytest.mark.django_db(transaction=True)
def test_key_rotation_while_users_regenerate_codes_and_re_enroll(make_user, settings):
    """rotate_totp_keys runs while users regenerate backup codes (moving legacy devices to
    their own key) and restart enrollment; afterwards the old key can go and nobody is lost."""
    old_key = settings.TOTP_ENCRYPTION_KEY
    users = [enroll(make_user(f"user{i}")) for i in range(THREADS - 1)]
    for enrolled in users[::2]:  # half of them hold codes from before per-device keys
        store_codes_as_before_device_keys(enrolled)
    pending = [make_user(f"pending{i}") for i in range(THREADS - 1)]
    for user in pending:
        devices.start_enrollment(user)

    new_key = OracleFernet.generate_key().decode()
    settings.TOTP_ENCRYPTION_KEY = [new_key, old_key]

    def work(i):
        if i == 0:
            return [rotation.reseal_all(batch_size=1) for _ in range(3)]
        fresh = devices.rotate_codes(users[i - 1].user)
        provisioning.restart_enrollment(pending[i - 1])
        return fresh, devices.start_enrollment(pending[i - 1]).secret

    results = run_together(work)
    assert all(report.complete for report in results[0]), [r.failed for r in results[0]]

    settings.TOTP_ENCRYPTION_KEY = new_key
    for device in Totp.objects.all():
        for token in (device.secret_key, device.backup_key):
            OracleFernet(new_key.encode()).decrypt(token.encode())
            with pytest.raises(OracleInvalidToken):
                OracleFernet(old_key.encode()).decrypt(token.encode())
    for i, enrolled in enumerate(users, start=1):
        fresh_codes, pending_secret = results[i]
        assert devices.verify_totp(enrolled.user, enrolled.code())
        assert devices.verify_backup(enrolled.user, fresh_codes[0])
        assert len(devices.confirm_enrollment(pending[i - 1], code_at(pending_secret))) == 10
