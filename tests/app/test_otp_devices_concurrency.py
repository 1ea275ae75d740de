"""Single use without the caller's lock: 20 threads, each with its own instance of one
django-otp device, loaded without a lock before any of them verifies, submit the same
valid token at once; exactly one may succeed. For ``TOTPDevice``, ``StaticDevice`` and
through ``django_otp.match_token`` (which locks the rows it loads). django-otp's own
``TOTPDevice`` under the same race is the control: it accepts the code more than once,
so these tests can fail.

The races are real on PostgreSQL (threads meet before the deciding statement, inside
their transactions; see test_concurrency.py). ``make pytest-pg`` runs this module there;
a SQLite run also starts it on PostgreSQL in a separate process
(``test_the_races_on_postgresql``) when the server answers, else skips with the reason
(fails under CI).
"""

import os
import subprocess
import sys
import time

import pytest
from django.db import connection

from ..conftest import RUN_NOTES, under_ci
from .test_concurrency import POSTGRES_URL, REPO, postgres_reachable, racing_in_transactions, run_together

pytest.importorskip("django_otp")

from django_otp import match_token  # noqa: E402
from django_otp.oath import TOTP  # noqa: E402
from django_otp.plugins.otp_totp.models import TOTPDevice as DjangoOtpTOTPDevice  # noqa: E402

from django_totp_native.models import SecondFactorState  # noqa: E402
from django_totp_native.otp.models import StaticDevice, TOTPDevice  # noqa: E402

N = 20
HEX_KEY = "3132333435363738393031323334353637383930"

concurrency = pytest.mark.concurrency


@pytest.fixture(autouse=True)
def _roomy_lockout(settings):
    # The replay guard, not the lockout, must be what stops the 19 losers.
    settings.TOTP_MAX_FAILURES = 1000
    settings.TOTP_BACKOFF_AFTER = 1000
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    settings.OTP_STATIC_THROTTLE_FACTOR = 0


def current_token() -> int:
    return TOTP(bytes.fromhex(HEX_KEY)).token()


def is_statement_on(table: str):
    def matches(sql: str) -> bool:
        head = sql.lstrip().upper()
        return head.startswith(("UPDATE", "DELETE", "WITH", "SELECT")) and table.upper() in head

    return matches


#: The statement of our verify path that decides: the reserving UPDATE on the state row.
OUR_ATTEMPT = is_statement_on("django_totp_native_secondfactorstate")
#: django-otp's own device decides in Python, then saves: meet before its UPDATE.
DJANGO_OTP_SAVE = is_statement_on("otp_totp_totpdevice")


def note_database():
    note = (
        "django-otp device races: SQLite only in this run (transactions serialise)"
        if connection.vendor == "sqlite"
        else f"django-otp device races: ran on {connection.vendor} with asserted overlap"
    )
    if note not in RUN_NOTES:
        RUN_NOTES.append(note)


def wait_for_a_fresh_step():
    # All threads must verify inside the step the token is for.
    if time.time() % 30 > 25:
        time.sleep(30 - time.time() % 30 + 0.1)


@concurrency
@pytest.mark.django_db(transaction=True)
def test_one_totp_step_is_accepted_once_by_n_unlocked_instances(make_user):
    note_database()
    user = make_user("alice")
    device = TOTPDevice.objects.create(user=user, key=HEX_KEY, tolerance=1)
    instances = [TOTPDevice.objects.get(pk=device.pk) for _ in range(N)]
    wait_for_a_fresh_step()
    token = current_token()
    results = run_together(lambda i: instances[i].verify_token(token), N, meet_before=OUR_ATTEMPT)
    assert results.count(True) == 1
    assert TOTPDevice.objects.get(pk=device.pk).last_t >= 0
    # Every loser counted as a failure on the user's one counter, none twice.
    assert SecondFactorState.objects.get(user=user).failed_attempts == N - 1


@concurrency
@pytest.mark.django_db(transaction=True)
def test_one_static_token_is_spent_once_by_n_unlocked_instances(make_user):
    note_database()
    user = make_user("bob")
    device = StaticDevice.objects.create(user=user)
    device.token_set.create(token="one-use")
    device.token_set.create(token="untouched")
    instances = [StaticDevice.objects.get(pk=device.pk) for _ in range(N)]
    results = run_together(lambda i: instances[i].verify_token("one-use"), N, meet_before=OUR_ATTEMPT)
    assert results.count(True) == 1
    assert device.token_set.count() == 1 and StaticDevice.objects.get(pk=device.pk).verify_token("untouched")


@concurrency
@pytest.mark.django_db(transaction=True)
def test_match_token_accepts_a_token_once(make_user):
    note_database()
    user = make_user("carol")
    TOTPDevice.objects.create(user=user, key=HEX_KEY, tolerance=1)
    static = StaticDevice.objects.create(user=user)
    static.token_set.create(token="one-use")
    wait_for_a_fresh_step()
    token = current_token()
    # match_token locks each device row it loads (select_for_update): the same lock on
    # every thread, taken before ours, so threads cannot all meet at our statement.
    totp_results = run_together(lambda i: match_token(user, token) is not None, N)
    static_results = run_together(lambda i: match_token(user, "one-use") is not None, N)
    assert totp_results.count(True) == 1
    assert static_results.count(True) == 1


@concurrency
@pytest.mark.django_db(transaction=True)
def test_control_django_otps_own_device_accepts_the_code_more_than_once(make_user):
    """The control: the same race against django-otp's TOTPDevice, instances loaded without
    a lock, accepts the code several times: the tests above can fail."""
    note_database()
    user = make_user("dave")
    device = DjangoOtpTOTPDevice.objects.create(user=user, key=HEX_KEY, tolerance=1)
    instances = [DjangoOtpTOTPDevice.objects.get(pk=device.pk) for _ in range(N)]
    wait_for_a_fresh_step()
    token = current_token()
    results = run_together(
        lambda i: instances[i].verify_token(token), N, meet_before=DJANGO_OTP_SAVE, in_transaction=False
    )
    assert results.count(True) > 1


def test_the_races_on_postgresql():
    """A SQLite run (``make test``) runs the races above on PostgreSQL, in a separate
    pytest process with its own test database; ``make pytest-pg`` runs them directly."""
    if os.environ.get("DATABASE_URL"):
        pytest.skip("this run is already on DATABASE_URL; the tests above ran on it")
    reason = postgres_reachable()
    if reason:
        RUN_NOTES.append(f"django-otp device races: SQLite ONLY, races not exercised ({reason})")
        if under_ci():
            pytest.fail(f"missing oracle under CI: {reason}", pytrace=False)
        pytest.skip(reason)
    env = {**os.environ, "DATABASE_URL": POSTGRES_URL}
    env.pop("REDIS_URL", None)
    completed = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-m", "concurrency", __file__],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=600,
    )
    summary = (completed.stdout.strip().splitlines() or ["(no output)"])[-1]
    RUN_NOTES.append(f"django-otp device races on PostgreSQL: {summary}")
    assert completed.returncode == 0, completed.stdout[-6000:] + completed.stderr[-2000:]
    assert "4 passed" in summary, summary
