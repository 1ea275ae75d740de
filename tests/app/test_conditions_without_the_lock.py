"""The conditional writes keep their guarantees from a stale read (issue 16, "equivalent").

Every attempt locks the device row first, so under the lock the conditions of the
consuming UPDATE (``last_used_step < step``, ``challenge_redeemed < sequence``) and of
``_own_backup_key`` (``backup_key = ''``) never decide anything: mutation testing cannot
see them. Their docstrings promise that they hold the guarantees should the lock be
missing (a future caller, a backend without row locks). Here a second caller works from
a row read before the first one wrote, as it would without the lock, and must lose.
"""

import pytest
from django.db import transaction

from django_totp_native.models import SecondFactorState, Totp
from django_totp_native.services import attempts, devices, keys

from .conftest import store_codes_as_before_device_keys

pytestmark = pytest.mark.django_db


def _reserve(user):
    with transaction.atomic():
        return attempts.reserve(user.pk, confirmed=True)


def test_a_step_recorded_from_a_stale_row_is_refused(enrolled):
    first = _reserve(enrolled.user)
    stale = _reserve(enrolled.user)  # read before the first success is written
    step = first.last_used_step + 10
    assert attempts.succeed(first, step=step)
    # The same code (same step) consumed a second time from the stale read: refused, and
    # the recorded step is not moved back either.
    assert not attempts.succeed(stale, step=step)
    assert not attempts.succeed(stale, step=step - 1)
    assert Totp.objects.get(user=enrolled.user).last_used_step == step


def test_a_challenge_spent_from_a_stale_row_is_refused(enrolled):
    first = _reserve(enrolled.user)
    stale = _reserve(enrolled.user)
    assert attempts.succeed(first, challenge_sequence=1)
    assert not attempts.succeed(stale, challenge_sequence=1)
    assert SecondFactorState.objects.get(user=enrolled.user).challenge_redeemed == 1


def test_a_device_gets_one_backup_key_even_from_stale_copies(enrolled):
    store_codes_as_before_device_keys(enrolled)
    first = Totp.objects.get(user=enrolled.user)
    stale = Totp.objects.get(user=enrolled.user)
    assert first.backup_key == "" and stale.backup_key == ""
    key = devices._own_backup_key(first)
    # The stale copy still believes the device has no key: it must adopt the stored one,
    # not replace it (codes digested under the first key would stop working).
    assert devices._own_backup_key(stale) == key
    stored = Totp.objects.get(user=enrolled.user)
    assert keys.device_backup_digest_keys(stored)[0] == key
