"""Fixtures for the Django app tests: users, enrolled users, API clients, codes."""

import os
import time

import pyotp
import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from django_totp_native import core
from django_totp_native.models import BackupCode, SecondFactorState, Totp
from django_totp_native.services import devices, keys


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    """A PostgreSQL test database of this process's own: several runs (developers, the
    concurrency run that ``make test`` starts, CI) share one server, and Django drops and
    re-creates a test database whose name is taken."""
    from django.conf import settings

    database = settings.DATABASES["default"]
    if database["ENGINE"].endswith("postgresql"):
        test = database.setdefault("TEST", {})
        # TEST_DATABASE_NAME: a pass that names its database itself (make pytest-pgbouncer
        # keeps it between runs and drops it at the start of the next).
        test["NAME"] = os.environ.get("TEST_DATABASE_NAME") or f"test_{database['NAME']}_{os.getpid()}"


@pytest.fixture(autouse=True)
def _fresh_throttle_cache():
    """Throttle history must not leak between tests (Redis outlives a test)."""
    if hasattr(cache, "delete_pattern"):
        cache.delete_pattern("*")
    else:
        cache.clear()
    yield


def code_at(secret: str, offset_steps: int = 0) -> str:
    """The code an authenticator app shows, from pyotp (an independent oracle)."""
    return pyotp.TOTP(secret).at(time.time() + 30 * offset_steps)


def two_factor_state(user) -> dict:
    """Everything two-factor keeps for a user: the device row (sealed secret and backup
    key, confirmation, last used step), every backup code (used or not, when), and the
    user's state row (failure counter, backoff, login-challenge sequence)."""
    return {
        "state": SecondFactorState.objects.filter(user_id=user.pk).values().first(),
        "device": Totp.objects.filter(user_id=user.pk).values().first(),
        "codes": list(BackupCode.objects.filter(totp__user_id=user.pk).order_by("pk").values()),
    }


def attempt_state(user) -> SecondFactorState:
    """The user's second-factor state row (failures, backoff, challenge sequence)."""
    return SecondFactorState.objects.get(user_id=getattr(user, "pk", user))


def with_failures_added(state: dict, count: int) -> dict:
    """``state`` after ``count`` more failed attempts (below the backoff threshold)."""
    counted = dict(state["state"], failed_attempts=state["state"]["failed_attempts"] + count)
    return {**state, "state": counted}


@pytest.fixture
def make_user(django_user_model):
    counter = {"n": 0}

    def make(username=None, password="correct horse battery", email=None, **extra):
        counter["n"] += 1
        username = username or f"user{counter['n']}"
        email = email if email is not None else f"{username}@example.com"
        return django_user_model.objects.create_user(username=username, password=password, email=email, **extra)

    return make


@pytest.fixture
def user(make_user):
    return make_user("alice")


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def user_api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


class Enrolled:
    """A user with a confirmed device. The confirming code used the previous time step,
    so the current step's code is still unused when a test starts."""

    def __init__(self, user, secret, backup_codes):
        self.user, self.secret, self.backup_codes = user, secret, backup_codes

    def code(self, offset_steps=0):
        return code_at(self.secret, offset_steps)


def enroll(user) -> Enrolled:
    enrollment = devices.start_enrollment(user)
    # The previous step's code is in the window only until the step ends: never compute
    # it in the step's last seconds (a flaky "Invalid TOTP code" at the boundary).
    remaining = 30 - time.time() % 30
    if remaining < 2:
        time.sleep(remaining + 0.05)
    codes = devices.confirm_enrollment(user, code_at(enrollment.secret, -1))
    return Enrolled(user, enrollment.secret, codes)


def store_codes_as_before_device_keys(enrolled: Enrolled) -> None:
    """Store the user's backup codes as this app did before devices had their own digest
    key (migration 0003): digested under the key derived from TOTP_ENCRYPTION_KEY."""
    device = Totp.objects.get(user=enrolled.user)
    legacy_key = keys.legacy_backup_digest_keys()[0]
    BackupCode.objects.filter(totp=device).delete()
    BackupCode.objects.bulk_create(
        BackupCode(totp=device, digest=core.backup_code_digest(legacy_key, code)) for code in enrolled.backup_codes
    )
    Totp.objects.filter(pk=device.pk).update(backup_key="")


@pytest.fixture
def enrolled(user):
    return enroll(user)


@pytest.fixture
def enrolled_api(enrolled):
    client = APIClient()
    client.force_authenticate(enrolled.user)
    return client
