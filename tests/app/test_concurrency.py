"""Races under real concurrency: 16 threads, each with its own database connection, submit
the same credential through the real verify path; exactly one may succeed.

Where the races are real: on PostgreSQL. There every thread is held at a barrier just
before the statement that decides the race (the UPDATE that counts the attempt, reads the
device and locks its row), *inside* its transaction, so no thread commits before all of
them have started; each test then asserts that all threads were inside a transaction at
that moment. A verify path that read the device without that lock (a check, then an
unconditional write) lets several threads win there.

SQLite (``make test``'s own database) takes the write lock at BEGIN (transaction_mode
IMMEDIATE), so racing transactions run one after another and cannot overlap: the same
tests run on it too, but they prove less, and the run says so. That is why the SQLite run
also starts this module on PostgreSQL (``test_the_races_on_postgresql``, a separate
pytest process with DATABASE_URL set) whenever the server on 127.0.0.1:5432 answers; CI
fails when it does not.
"""

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from cryptography.fernet import Fernet as OracleFernet, InvalidToken as OracleInvalidToken
from django.db import connection
from rest_framework.test import APIClient

from django_totp_native.conf import conf
from django_totp_native.models import BackupCode, SecondFactorState, Totp
from django_totp_native.services import challenges, devices, provisioning, rotation

from ..conftest import RUN_NOTES, under_ci
from .conftest import code_at, enroll, store_codes_as_before_device_keys

THREADS = 16
POSTGRES_URL = os.environ.get("TOTP_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/test")
REPO = Path(__file__).resolve().parents[2]

concurrency = pytest.mark.concurrency


def racing_in_transactions() -> bool:
    """True where racing transactions really overlap (PostgreSQL); SQLite serialises them."""
    return connection.vendor != "sqlite"


def is_update_of(table: str, *columns: str):
    def matches(sql: str) -> bool:
        head = sql.lstrip().upper()
        return head.startswith("UPDATE") and table.upper() in head and all(c.upper() in head for c in columns)

    return matches


ATTEMPT_UPDATE = is_update_of("django_totp_native_secondfactorstate", "failed_attempts")


def FIRST_2FA_STATEMENT_IN_A_TRANSACTION(sql: str) -> bool:
    """The first statement on this app's tables inside a transaction: where concurrent
    changes of one user's factors start to interact."""
    return connection.in_atomic_block and "django_totp_native_" in sql


def run_together(worker, count=THREADS, *, meet_before=None, in_transaction=True):
    """Run ``worker(i)`` in ``count`` threads that start together.

    With ``meet_before`` (a predicate on SQL), every thread also waits, just before the
    first statement it matches, until all threads have reached theirs: nothing that
    statement decides is committed by anyone before everyone has read the old state. With
    ``in_transaction`` each thread must be inside a transaction at that point (asserted).
    On SQLite only statements outside transactions can meet (transactions serialise there).
    """
    start = threading.Barrier(count)
    meet = threading.Barrier(count)
    use_meet = meet_before is not None and (racing_in_transactions() or not in_transaction)
    results, errors, met_in_transaction = [None] * count, [], [None] * count

    def run(i):
        def hold(execute, sql, params, many, context):
            if met_in_transaction[i] is None and meet_before(sql):
                met_in_transaction[i] = connection.in_atomic_block
                meet.wait(timeout=30)
            return execute(sql, params, many, context)

        try:
            start.wait(timeout=30)
            if use_meet:
                with connection.execute_wrapper(hold):
                    results[i] = worker(i)
            else:
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
    if use_meet:
        # Real overlap: every thread reached the deciding statement before any passed it.
        assert met_in_transaction == [in_transaction] * count, met_in_transaction
    return results


@pytest.fixture(autouse=True)
def _say_which_database(request):
    if "django_db" in request.keywords:
        vendor = connection.vendor
        note = (
            "concurrency tests: SQLite only in this run (transactions serialise; no overlap is possible)"
            if vendor == "sqlite"
            else f"concurrency tests: ran on {vendor} with asserted overlap inside transactions"
        )
        if note not in RUN_NOTES:
            RUN_NOTES.append(note)
    yield


@pytest.fixture
def roomy_lockout(settings):
    # The replay guard, not the lockout, must be what stops the 15 losers.
    settings.TOTP_MAX_FAILURES = 1000
    settings.TOTP_BACKOFF_AFTER = 1000


@concurrency
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

    statuses = run_together(attempt, meet_before=ATTEMPT_UPDATE)
    assert sorted(statuses) == [200] + [400] * (THREADS - 1)
    assert SecondFactorState.objects.get(user=enrolled.user).challenge_redeemed >= 1


@concurrency
@pytest.mark.django_db(transaction=True)
def test_same_totp_code_through_the_service_succeeds_once(make_user, roomy_lockout):
    enrolled = enroll(make_user("bob"))
    code = enrolled.code()
    results = run_together(lambda i: bool(devices.verify_totp(enrolled.user, code)), meet_before=ATTEMPT_UPDATE)
    assert results.count(True) == 1
    assert Totp.objects.get(user=enrolled.user).last_used_step >= 0


@concurrency
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

    statuses = run_together(attempt, meet_before=ATTEMPT_UPDATE)
    assert statuses.count(200) == 1
    assert BackupCode.objects.filter(totp__user=enrolled.user, is_used=True).count() == 1


@concurrency
@pytest.mark.django_db(transaction=True)
def test_same_backup_code_through_the_service_succeeds_once(make_user, roomy_lockout):
    enrolled = enroll(make_user("carol"))
    backup = enrolled.backup_codes[3]
    results = run_together(lambda i: bool(devices.verify_backup(enrolled.user, backup)), meet_before=ATTEMPT_UPDATE)
    assert results.count(True) == 1
    assert BackupCode.objects.filter(totp__user=enrolled.user, is_used=True).count() == 1


@concurrency
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

    statuses = run_together(attempt, count=len(codes), meet_before=ATTEMPT_UPDATE)
    assert statuses.count(200) == 1
    # Losing requests consumed nothing: only the winner's code is used.
    assert BackupCode.objects.filter(totp__user=enrolled.user, is_used=True).count() == 1


@concurrency
@pytest.mark.django_db(transaction=True)
def test_concurrent_guesses_never_exceed_the_failure_cap(make_user, settings):
    settings.TOTP_MAX_FAILURES = 5
    settings.TOTP_BACKOFF_AFTER = 1000
    enrolled = enroll(make_user("erin"))
    valid = {enrolled.code(d) for d in (-2, -1, 0, 1, 2)}
    guesses = [f"{n:06d}" for n in range(100, 10000, 7) if f"{n:06d}" not in valid][:THREADS]

    def attempt(i):
        try:
            return bool(devices.verify_totp(enrolled.user, guesses[i]))
        except devices.LockedOut:
            return "locked"

    # Every thread has read nothing yet when the counting UPDATEs race: the cap is
    # enforced by the UPDATE's condition and the row lock it takes.
    results = run_together(attempt, meet_before=ATTEMPT_UPDATE)
    assert results.count(False) == 5
    assert results.count("locked") == THREADS - 5
    assert SecondFactorState.objects.get(user=enrolled.user).failed_attempts == 5


@concurrency
@pytest.mark.django_db(transaction=True)
def test_one_user_starting_enrollment_twice_at_once_gets_two_answers_and_one_key(make_user, settings):
    """Two tabs of one user start enrollment at the same moment, both inside their
    transaction before its first statement on the 2FA tables. One takes the user's state
    row first; the other waits for it, then replaces the first device. Both answer with a
    key (no error answer); the stored one confirms. (Without the per-user lock both would
    insert, and one would answer "Another enrollment ... try again".)"""
    user = make_user("frank")

    def start(i):
        client = APIClient()
        client.force_authenticate(user)
        response = client.post("/api/totp/create/")
        return response.status_code, response.json()

    answers = run_together(start, count=2, meet_before=FIRST_2FA_STATEMENT_IN_A_TRANSACTION)
    assert [status for status, _body in answers] == [201, 201], [body.get("detail") for _status, body in answers]
    secrets = {body["secret"] for _status, body in answers}
    assert len(secrets) == 2
    device = Totp.objects.get(user=user)
    assert device.confirmed_at is None
    stored = OracleFernet(settings.TOTP_ENCRYPTION_KEY.encode()).decrypt(device.secret_key.encode()).decode()
    assert stored in secrets
    assert len(devices.confirm_enrollment(user, code_at(stored))) == 10


def _verified_api(enrolled) -> APIClient:
    """A client holding a JWT from a completed second step (it may manage the factor)."""
    api = APIClient()
    body = {"username": enrolled.user.get_username(), "password": "correct horse battery"}
    token = api.post("/api/jwt/create/", body, format="json").json()["totp_challenge_token"]
    tokens = api.post("/api/jwt/totp/verify/", {"totp_challenge_token": token, "otp_code": enrolled.code()},
                      format="json").json()
    api.credentials(HTTP_AUTHORIZATION="Bearer " + tokens["access"])
    return api


@concurrency
@pytest.mark.django_db(transaction=True)
def test_concurrent_rotations_leave_exactly_the_last_set(make_user, settings):
    """Issue 18 item 2: ten rotations of one user's backup codes at once, all inside their
    transactions before their first statement on the 2FA tables. They run one after
    another (the user's state row): exactly TOTP_MAX_BACKUP_CODES unused codes remain, and
    exactly one of the ten answered sets works: the last one committed."""
    settings.TOTP_BACKOFF_AFTER = settings.TOTP_MAX_FAILURES = 1000
    enrolled = enroll(make_user("grace"))
    api = _verified_api(enrolled)
    count = 10

    def rotate(i):
        response = api.post("/api/totp/rotate_backup_codes/")
        return response.status_code, response.json()

    answers = run_together(rotate, count=count, meet_before=FIRST_2FA_STATEMENT_IN_A_TRANSACTION)
    assert [status for status, _ in answers] == [200] * count
    assert BackupCode.objects.filter(totp__user=enrolled.user, is_used=False).count() == conf.MAX_BACKUP_CODES
    working = [body["backup_codes"] for _, body in answers if devices.verify_backup(enrolled.user, body["backup_codes"][0])]
    assert len(working) == 1
    assert all(devices.verify_backup(enrolled.user, code) for code in working[0][1:])


@concurrency
@pytest.mark.django_db(transaction=True)
def test_a_disable_racing_rotations_leaves_no_device_and_no_codes(make_user, settings):
    """Issue 18 items 2 and 3: one disable among rotations of the same user. Every answer is
    a success or a 400 (never a 500), and once the disable is through, no device and no
    backup code of the user is left (a rotation after it finds nothing to rotate)."""
    enrolled = enroll(make_user("heidi"))
    api = _verified_api(enrolled)

    def act(i):
        response = api.post("/api/totp/disable/" if i == 0 else "/api/totp/rotate_backup_codes/")
        return response.status_code

    statuses = run_together(act, count=8, meet_before=FIRST_2FA_STATEMENT_IN_A_TRANSACTION)
    assert statuses[0] == 204
    assert set(statuses[1:]) <= {200, 400}, statuses
    assert not Totp.objects.filter(user=enrolled.user).exists()
    assert not BackupCode.objects.filter(totp__user=enrolled.user).exists()


@concurrency
@pytest.mark.django_db(transaction=True)
def test_enrollment_and_management_racing_never_answer_500_or_half_write(make_user, settings):
    """Issue 18 item 3: create, confirm, rotate and disable of one user racing, round after
    round. Every answer is defined (2xx or 4xx); afterwards at most one device exists, a
    pending device holds no backup codes, and a confirmed one at most a full set."""
    settings.TOTP_BACKOFF_AFTER = settings.TOTP_MAX_FAILURES = 1000
    for round_no in range(4):
        enrolled = enroll(make_user(f"ivan{round_no}"))
        api = _verified_api(enrolled)
        fresh = APIClient()
        fresh.force_authenticate(enrolled.user)

        def act(i):
            if i % 4 == 0:
                return api.post("/api/totp/disable/").status_code
            if i % 4 == 1:
                return api.post("/api/totp/rotate_backup_codes/").status_code
            if i % 4 == 2:
                return fresh.post("/api/totp/create/").status_code
            return fresh.post("/api/totp/confirm/", {"input_code": enrolled.code()}, format="json").status_code

        # Started together, not held at one statement: some of them (a create refused as
        # already enrolled) end before they reach a transaction at all.
        statuses = run_together(act, count=8)
        assert all(status < 500 for status in statuses), statuses
        devices_left = list(Totp.objects.filter(user=enrolled.user))
        assert len(devices_left) <= 1
        codes = BackupCode.objects.filter(totp__user=enrolled.user, is_used=False).count()
        if devices_left and devices_left[0].confirmed_at is None:
            assert codes == 0
        assert codes <= conf.MAX_BACKUP_CODES


@concurrency
@pytest.mark.django_db(transaction=True)
def test_key_rotation_alongside_code_regeneration_and_re_enrollment(make_user, settings):
    """rotate_totp_keys runs while users regenerate backup codes (moving legacy devices to
    their own key) and restart enrollment; afterwards the old key can go and nobody is
    locked out. (The lost update the conditional write prevents is provoked
    deterministically in test_key_rotation.py: threads cannot force that interleaving.)"""
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


def postgres_reachable() -> str | None:
    """None when the test server answers, else why not."""
    import psycopg

    try:
        psycopg.connect(POSTGRES_URL.replace("postgres://", "postgresql://", 1), connect_timeout=3).close()
    except psycopg.Error as exc:
        return f"PostgreSQL at {POSTGRES_URL} is not reachable: {str(exc).strip().splitlines()[0]}"
    return None


def test_the_races_on_postgresql():
    """``make test`` runs on SQLite, where no race can show; this runs the tests above on
    PostgreSQL in a separate pytest process (its own test database)."""
    if os.environ.get("DATABASE_URL"):
        pytest.skip("this run is already on DATABASE_URL; the tests above ran on it")
    reason = postgres_reachable()
    if reason:
        RUN_NOTES.append(f"concurrency tests: SQLite ONLY, races not exercised ({reason})")
        if under_ci():
            pytest.fail(f"missing oracle under CI: {reason}", pytrace=False)
        pytest.skip(reason)
    env = {**os.environ, "DATABASE_URL": POSTGRES_URL}
    env.pop("REDIS_URL", None)
    completed = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-m", "concurrency", __file__],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    summary = (completed.stdout.strip().splitlines() or ["(no output)"])[-1]
    RUN_NOTES.append(f"concurrency tests on PostgreSQL: {summary}")
    assert completed.returncode == 0, completed.stdout[-6000:] + completed.stderr[-2000:]
