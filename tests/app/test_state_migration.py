"""Migrations 0006-0008 move each device's attempt state to its user's state row (issue 17
item 1): counters, backoff, and outstanding and spent challenges survive, on SQLite and,
in the PostgreSQL pass of make test, on PostgreSQL."""

from datetime import timedelta

import pyotp
import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from django_totp_native import core
from django_totp_native.models import SecondFactorState
from django_totp_native.services import challenges, keys
from django_totp_native.services.errors import LockedOut

pytestmark = pytest.mark.django_db(transaction=True)

APP = "django_totp_native"
BEFORE = [(APP, "0005_translatable_names")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def latest():
    executor = MigrationExecutor(connection)
    return [key for key in executor.loader.graph.leaf_nodes() if key[0] == APP]


@pytest.fixture
def at_0005():
    old_apps = migrate(BEFORE)
    yield old_apps
    migrate(latest())


def test_counters_backoff_and_challenges_survive_the_move(at_0005, make_user):
    Totp = at_0005.get_model(APP, "Totp")
    locked_out, backing_off, plain = make_user("locked"), make_user("backoff"), make_user("plain")
    secret = pyotp.random_base32()
    sealed = keys.as_text(keys.fernet().encrypt(secret.encode()))
    until = timezone.now() + timedelta(minutes=5)
    now = timezone.now()
    for user, failed, next_at, issued, redeemed in [
        (locked_out, 10, None, 3, 2),
        (backing_off, 4, until, 9, 7),
        (plain, 0, None, 5, 3),
    ]:
        Totp.objects.create(
            user_id=user.pk, secret_key=sealed, confirmed_at=now, failed_attempts=failed,
            next_attempt_at=next_at, challenge_issued=issued, challenge_redeemed=redeemed,
        )

    migrate(latest())

    states = {s.user_id: s for s in SecondFactorState.objects.all()}
    assert (states[locked_out.pk].failed_attempts, states[locked_out.pk].next_attempt_at) == (10, None)
    assert states[backing_off.pk].failed_attempts == 4
    assert abs((states[backing_off.pk].next_attempt_at - until).total_seconds()) < 1
    assert (states[plain.pk].challenge_issued, states[plain.pk].challenge_redeemed) == (5, 3)

    def token(sequence, user):
        return core.sign_challenge(keys.challenge_key(), f"{sequence}:{user.pk}", challenges.PURPOSE)

    # A challenge handed out before the upgrade (4, issued and unspent) still logs in once;
    # one spent before it (3) stays spent.
    with pytest.raises(challenges.InvalidChallenge):
        challenges.complete_login(token(3, plain), otp_code=pyotp.TOTP(secret).now())
    assert challenges.complete_login(token(4, plain), otp_code=pyotp.TOTP(secret).now()) == plain
    # The lock and the backoff still refuse, without looking at the code.
    for user in (locked_out, backing_off):
        with pytest.raises(LockedOut):
            challenges.complete_login(token(states[user.pk].challenge_issued, user), otp_code="000000")


def test_the_move_can_be_reversed(at_0005, make_user):
    Totp = at_0005.get_model(APP, "Totp")
    user = make_user("alice")
    Totp.objects.create(user_id=user.pk, secret_key="x", failed_attempts=3, challenge_issued=4, challenge_redeemed=2)
    migrate(latest())
    old_apps = migrate(BEFORE)
    row = old_apps.get_model(APP, "Totp").objects.get(user_id=user.pk)
    assert (row.failed_attempts, row.challenge_issued, row.challenge_redeemed) == (3, 4, 2)
