"""Key rotation and imports killed at a random point, at 10⁴ devices (issue 22 item 3).

``rotate_totp_keys`` runs in its own process on PostgreSQL against 10 000 enrolled users,
and is killed (SIGKILL: no handler, no cleanup) once a random share of the devices has been
re-sealed. Then: no row is lost, every secret still opens with the configured keys, a
second run finishes the job, every secret then opens with the new key alone (none is left
under the old key, none sealed twice under different keys), and users sign in with a code
and with a backup code. PostgreSQL only: the run must commit batches that another process
sees while it goes on (make pytest-pg and make pytest-pgbouncer run it).
"""

from __future__ import annotations

import json
import os
import random
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import override_settings
from django.utils import timezone

from django_totp_native import core
from django_totp_native.models import BackupCode, Totp
from django_totp_native.services import backup_codes, devices, keys, rotation

from .conftest import code_at

pytestmark = pytest.mark.django_db(transaction=True)

DEVICES = 10_000
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("a killed run on PostgreSQL: set DATABASE_URL (make pytest-pg runs it)")


def seed(count: int) -> dict:
    """``count`` users, each with a confirmed device and one backup code, sealed under the
    keyring configured now: {username: (base32 secret, backup code)}, written in bulk."""
    User = get_user_model()
    users = User.objects.bulk_create(
        User(username=f"user{n:05d}", password="!", email=f"user{n}@example.com") for n in range(count)
    )
    fernet, now, plain, devices_ = keys.fernet(), timezone.now(), {}, []
    for user in users:
        secret = core.random_secret()
        plain[user.username] = (secret, core.generate_backup_codes(count=1, length=12)[0])
        devices_.append(Totp(
            user=user, secret_key=keys.as_text(fernet.encrypt(secret.encode("ascii"))),
            backup_key=keys.new_backup_key()[1], confirmed_at=now,
        ))
    devices_ = Totp.objects.bulk_create(devices_, batch_size=2000)
    BackupCode.objects.bulk_create(
        (BackupCode(totp=device, digest=keys.device_backup_digests(device, backup_codes.code_forms(
            plain[user.username][1])[0])[0]) for device, user in zip(devices_, users)),
        batch_size=2000,
    )
    return plain


def command_in_a_process(keyring: list[str], *command: str) -> subprocess.Popen:
    """``manage.py <command>`` in a process of its own, on this test's database."""
    settings = connection.settings_dict
    env = dict(
        os.environ,
        DJANGO_SETTINGS_MODULE="tests.app.interrupted_settings",
        TEST_TOTP_KEYS=json.dumps(keyring),
        DATABASE_URL=f"postgres://{settings['USER']}@{settings['HOST']}:{settings['PORT']}/{settings['NAME']}",
    )
    return subprocess.Popen(
        [sys.executable, "-m", "django", *command], cwd=ROOT, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def rotate_in_a_process(keyring: list[str]) -> subprocess.Popen:
    return command_in_a_process(keyring, "rotate_totp_keys", "--batch-size", "100")


def kill_when(run: subprocess.Popen, progress, target: int) -> int:
    """SIGKILL ``run`` once ``progress()`` reaches ``target``; what it had reached then."""
    deadline = time.monotonic() + 300
    while progress() < target and run.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    run.send_signal(signal.SIGKILL)
    run.communicate(timeout=60)
    return progress()


def resealed_so_far(table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT count(*) FROM {table} t JOIN seeded_secrets s ON s.id = t.id WHERE t.secret_key <> s.secret_key"
        )
        return cursor.fetchone()[0]


def test_a_rotation_killed_at_a_random_point_is_finished_by_the_next_run(settings):
    old_key, new_key = [core.Fernet.generate_key().decode() for _ in range(2)]
    settings.TOTP_ENCRYPTION_KEY = old_key
    plain = seed(DEVICES)
    table = connection.ops.quote_name(Totp._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE seeded_secrets AS SELECT id, secret_key FROM {table}")
    try:
        target = random.randint(DEVICES // 10, DEVICES * 8 // 10)
        done = kill_when(rotate_in_a_process([new_key, old_key]), lambda: resealed_so_far(table), target)
        assert 0 < done < DEVICES, f"the kill must land mid-way (target {target}, re-sealed {done})"

        # Killed: nothing lost, every secret opens with the keyring, some under each key.
        settings.TOTP_ENCRYPTION_KEY = [new_key, old_key]
        assert Totp.objects.count() == DEVICES and BackupCode.objects.count() == DEVICES
        assert rotation.unopenable() == []

        finish = rotate_in_a_process([new_key, old_key])
        out, err = finish.communicate(timeout=600)
        assert finish.returncode == 0, err[-2000:]
        assert "Every TOTP secret is sealed under the first key" in out
        assert f"{DEVICES} rows in" in out
        assert not any(secret in out + err for secret, _code in plain.values())
        assert resealed_so_far(table) == DEVICES

        # The old key retired: every row opens with the new key alone.
        settings.TOTP_ENCRYPTION_KEY = new_key
        assert rotation.unopenable() == []
        User = get_user_model()
        for username in random.sample(sorted(plain), 25):
            user = User.objects.get(username=username)
            secret, backup_code = plain[username]
            assert devices.verify_totp(user, code_at(secret)), username
            assert devices.verify_backup(user, backup_code), username
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE IF EXISTS seeded_secrets")


def test_a_django_otp_import_killed_at_a_random_point_is_finished_by_the_next_run(settings):
    """django-otp's tables (made by its migrations in the test settings) hold 10⁴ users'
    TOTP devices in plaintext and a static device with one token each."""
    from django_otp.oath import TOTP as OracleTOTP
    from django_otp.plugins.otp_static.models import StaticDevice as OldStaticDevice, StaticToken as OldStaticToken
    from django_otp.plugins.otp_totp.models import TOTPDevice as OldTOTPDevice

    from django_totp_native.otp.models import DjangoOtpImport, StaticDevice, StaticToken, TOTPDevice

    settings.TOTP_BACKOFF_AFTER = settings.TOTP_MAX_FAILURES = 1000
    User = get_user_model()
    users = User.objects.bulk_create(User(username=f"otp{n:05d}", password="!") for n in range(DEVICES))
    OldTOTPDevice.objects.bulk_create(
        (OldTOTPDevice(user=user, name="phone", key=os.urandom(20).hex()) for user in users), batch_size=2000
    )
    statics = OldStaticDevice.objects.bulk_create(
        (OldStaticDevice(user=user, name="backup") for user in users), batch_size=2000
    )
    OldStaticToken.objects.bulk_create(
        (OldStaticToken(device=device, token=OldStaticToken.random_token()) for device in statics), batch_size=2000
    )
    keyring = [settings.TOTP_ENCRYPTION_KEY] if isinstance(settings.TOTP_ENCRYPTION_KEY, str) else list(
        settings.TOTP_ENCRYPTION_KEY)
    command = ("import_django_otp", "--batch-size", "100")

    target = random.randint(DEVICES // 10, DEVICES * 3 // 2)  # TOTP devices first, then static
    done = kill_when(command_in_a_process(keyring, *command), DjangoOtpImport.objects.count, target)
    assert 0 < done < 2 * DEVICES, f"the kill must land mid-way (target {target}, imported {done})"
    # Each batch is whole or absent: every device imported so far has its map row, and
    # every static device its token.
    assert TOTPDevice.objects.count() + StaticDevice.objects.count() == done
    assert StaticToken.objects.count() == StaticDevice.objects.count()

    finish = command_in_a_process(keyring, *command)
    out, err = finish.communicate(timeout=600)
    assert finish.returncode == 0, err[-2000:]
    assert f"skipped {done} imported by an earlier run" in out, out
    assert TOTPDevice.objects.count() == StaticDevice.objects.count() == StaticToken.objects.count() == DEVICES
    assert DjangoOtpImport.objects.count() == 2 * DEVICES
    assert TOTPDevice.objects.values("user").distinct().count() == DEVICES, "a device imported twice"

    old = {row["user__username"]: row for row in OldTOTPDevice.objects.values("user__username", "key", "user_id")}
    tokens = dict(OldStaticToken.objects.values_list("device__user__username", "token"))
    for username in random.sample(sorted(old), 25):
        oracle = OracleTOTP(bytes.fromhex(old[username]["key"]), 30, 0, 6, 0)
        oracle.time = time.time()
        device = TOTPDevice.objects.get(user_id=old[username]["user_id"])
        assert device.verify_token(str(oracle.token()).zfill(6)), username
        assert StaticDevice.objects.get(user_id=old[username]["user_id"]).verify_token(tokens[username]), username


def test_a_django_totp_import_killed_at_a_random_point_is_finished_by_the_next_run(settings):
    """django-totp's two tables (as its migration makes them) hold 10⁴ users' sealed secrets
    and one sealed backup code each."""
    User = get_user_model()
    users = User.objects.bulk_create(User(username=f"dt{n:05d}", password="!") for n in range(DEVICES))
    fernet = keys.fernet()  # byte-compatible with django-totp's (cryptography's) Fernet
    plain = {}
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE django_totp_totp (id integer PRIMARY KEY, user_id integer NOT NULL UNIQUE, "
            "secret_key varchar(255) NOT NULL, created_at timestamp with time zone NOT NULL)"
        )
        cursor.execute(
            "CREATE TABLE django_totp_backupcode (id integer PRIMARY KEY, totp_id integer NOT NULL, "
            "code varchar(255) NOT NULL, is_used boolean NOT NULL, created_at timestamp NOT NULL)"
        )
    try:
        devices_rows, code_rows = [], []
        for n, user in enumerate(users, start=1):
            secret, code = core.random_secret(), secrets.token_urlsafe(12)  # django-totp's codes
            plain[user.pk] = (secret, code)
            devices_rows.append((n, user.pk, keys.as_text(fernet.encrypt(secret.encode())), "2024-01-01 00:00:00+00"))
            code_rows.append((n, n, keys.as_text(fernet.encrypt(code.encode())), False, "2024-01-01 00:00:00"))
        with connection.cursor() as cursor:
            cursor.executemany("INSERT INTO django_totp_totp VALUES (%s, %s, %s, %s)", devices_rows)
            cursor.executemany("INSERT INTO django_totp_backupcode VALUES (%s, %s, %s, %s, %s)", code_rows)
        keyring = [settings.TOTP_ENCRYPTION_KEY] if isinstance(settings.TOTP_ENCRYPTION_KEY, str) else list(
            settings.TOTP_ENCRYPTION_KEY)

        target = random.randint(DEVICES // 10, DEVICES * 8 // 10)
        done = kill_when(command_in_a_process(keyring, "import_django_totp"), Totp.objects.count, target)
        assert 0 < done < DEVICES, f"the kill must land mid-way (target {target}, imported {done})"
        # Each device with its code, or not at all.
        assert BackupCode.objects.count() == done

        finish = command_in_a_process(keyring, "import_django_totp")
        out, err = finish.communicate(timeout=600)
        assert finish.returncode == 0, err[-2000:]
        assert f"skipped {done} already imported" in out, out
        assert Totp.objects.count() == BackupCode.objects.count() == DEVICES
        for user_pk in random.sample(sorted(plain), 25):
            user = User.objects.get(pk=user_pk)
            secret, code = plain[user_pk]
            assert devices.verify_totp(user, code_at(secret)), user_pk
            assert devices.verify_backup(user, code), user_pk
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE IF EXISTS django_totp_backupcode")
            cursor.execute("DROP TABLE IF EXISTS django_totp_totp")
