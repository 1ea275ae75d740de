"""manage.py import_django_otp on tables made by django-otp's own migrations and filled by
django-otp's own models (issue 19 item 5): every user then passes with a code of the old
key and an old static token, also after the keys are rotated and the old Fernet key is
gone; our tables hold no key and no token; a second run and a dry run write nothing.

django-otp's otp_totp and otp_static are installed in the test settings (so their
migrations make their tables); the imports run with them removed from INSTALLED_APPS, as
after a project's switch, and the logins go through django-otp's own ``match_token``,
which then finds only our devices.
"""

import os
import shutil
import subprocess
import time
from io import StringIO

import pytest
from cryptography.fernet import Fernet as OracleFernet
from django.apps import apps
from django.core.management import call_command
from django.db import connection
from django.utils import timezone
from django_otp import match_token
from django_otp.oath import TOTP as OracleTOTP
from django_otp.plugins.otp_static.models import StaticDevice as OldStaticDevice
from django_otp.plugins.otp_static.models import StaticToken as OldStaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice as OldTOTPDevice

from django_totp_native import core
from django_totp_native.otp.models import DjangoOtpImport, StaticDevice, StaticToken, TOTPDevice

pytestmark = pytest.mark.django_db

OLD_APPS = ("django_otp.plugins.otp_totp", "django_otp.plugins.otp_static")
KEPT_FIELDS = (
    "name", "confirmed", "step", "t0", "digits", "tolerance", "drift", "last_t",
    "throttling_failure_count", "throttling_failure_timestamp", "created_at", "last_used_at",
)


def current_code(device: dict) -> str:
    """The code django-otp's own TOTP (the oracle) gives for the device now."""
    oracle = OracleTOTP(bytes.fromhex(device["key"]), device["step"], device["t0"], device["digits"], 0)
    oracle.time = time.time()
    return str(oracle.token()).zfill(device["digits"])


def current_step(step=30, t0=0) -> int:
    return (int(time.time()) - t0) // step


@pytest.fixture(autouse=True)
def _no_backoff(settings):
    """match_token tries each device of the user in turn, and each miss is a failure: no
    throttling delay may refuse the next device's right token."""
    settings.OTP_TOTP_THROTTLE_FACTOR = settings.OTP_STATIC_THROTTLE_FACTOR = 0
    settings.TOTP_BACKOFF_AFTER = settings.TOTP_MAX_FAILURES = 1000


@pytest.fixture
def old_devices(make_user):
    """A django-otp project's devices, made by django-otp's models: {username: what they hold}."""
    long_ago = timezone.now() - timezone.timedelta(days=3)
    alice, bob, carol = make_user("alice"), make_user("bob"), make_user("carol")
    made = {}
    totp = OldTOTPDevice.objects.create(
        user=alice, name="phone", confirmed=True, tolerance=1, last_t=current_step() - 1, last_used_at=long_ago
    )
    static = OldStaticDevice.objects.create(user=alice, name="backup", confirmed=True)
    tokens = [OldStaticToken.random_token() for _ in range(3)]
    for token in tokens:
        static.token_set.create(token=token)
    made["alice"] = {"user": alice, "totp": totp, "static": static, "tokens": tokens}
    # Unusual parameters and throttling state, all to be kept.
    totp = OldTOTPDevice.objects.create(
        user=bob, name="tablet", confirmed=True, step=60, t0=1000, digits=8, tolerance=1, drift=1,
        throttling_failure_count=3, throttling_failure_timestamp=long_ago,
    )
    made["bob"] = {"user": bob, "totp": totp, "static": None, "tokens": []}
    # An enrollment never finished, and backup tokens with a used (deleted) one.
    totp = OldTOTPDevice.objects.create(user=carol, name="unfinished", confirmed=False)
    static = OldStaticDevice.objects.create(user=carol, name="codes", confirmed=True)
    tokens = ["carol-1", "carol-2"]
    for token in [*tokens, "carol-used"]:
        static.token_set.create(token=token)
    static.token_set.filter(token="carol-used").delete()
    made["carol"] = {"user": carol, "totp": totp, "static": static, "tokens": tokens}
    for held in made.values():
        held["totp_values"] = OldTOTPDevice.objects.filter(pk=held["totp"].pk).values().get()
    return made


@pytest.fixture
def without_old_apps(settings):
    """The project after its switch: django-otp's plugins gone from INSTALLED_APPS, their
    tables still in the database."""
    settings.INSTALLED_APPS = [app for app in settings.INSTALLED_APPS if app not in OLD_APPS]
    assert not apps.is_installed("django_otp.plugins.otp_totp")


def run_import(*args):
    out, err = StringIO(), StringIO()
    call_command("import_django_otp", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def native_row_counts():
    return (TOTPDevice.objects.count(), StaticDevice.objects.count(), StaticToken.objects.count(),
            DjangoOtpImport.objects.count())


def assert_every_user_passes(old_devices):
    for name, held in old_devices.items():
        user = held["user"]
        if held["totp"].confirmed:
            device = match_token(user, current_code(held["totp_values"]))
            assert isinstance(device, TOTPDevice), name
        for token in held["tokens"][:1]:
            device = match_token(user, token)
            assert isinstance(device, StaticDevice), name
            assert match_token(user, token) is None, f"{name}: a static token passes once"


def test_every_user_passes_with_the_old_key_and_an_old_token(old_devices, without_old_apps):
    out, err = run_import()
    assert "Imported 3 of 3 TOTP devices and 2 of 2 static devices with 5 tokens" in out
    assert "0 failed" in out and not err
    for held in old_devices.values():
        new = TOTPDevice.objects.get(user=held["user"])
        old = held["totp_values"]
        assert {f: getattr(new, f) for f in KEPT_FIELDS} == {f: old[f] for f in KEPT_FIELDS}
        assert new.key == old["key"]
    assert_every_user_passes(old_devices)
    # The replay floor came along: alice's code of the step she used last (within the
    # tolerance, so only last_t refuses it) stays refused.
    stale = OracleTOTP(bytes.fromhex(old_devices["alice"]["totp_values"]["key"]), 30, 0, 6, 0)
    stale.time = old_devices["alice"]["totp_values"]["last_t"] * 30
    assert match_token(old_devices["alice"]["user"], str(stale.token()).zfill(6)) is None
    assert list(StaticToken.objects.filter(device__user=old_devices["carol"]["user"]).values_list("digest", flat=True))
    assert all(t.token is None for t in StaticToken.objects.all()), "a stored token reads back as its plaintext"


def test_it_imports_while_django_otps_apps_are_still_installed(old_devices):
    out, _ = run_import("--batch-size", "1")
    assert "Imported 3 of 3 TOTP devices and 2 of 2 static devices with 5 tokens" in out
    for held in old_devices.values():
        assert TOTPDevice.objects.get(user=held["user"]).key == held["totp_values"]["key"]
        # The old devices stay as they were, until the project drops their tables.
        assert OldTOTPDevice.objects.filter(pk=held["totp"].pk).values().get() == held["totp_values"]


def test_logins_pass_after_rotation_with_the_old_fernet_key_removed(old_devices, without_old_apps, settings):
    run_import()
    old_key, new_key = settings.TOTP_ENCRYPTION_KEY, OracleFernet.generate_key().decode()
    settings.TOTP_ENCRYPTION_KEY = [new_key, old_key]
    out = StringIO()
    call_command("rotate_totp_keys", stdout=out)
    assert "0 failed" in out.getvalue()
    settings.TOTP_ENCRYPTION_KEY = new_key
    assert_every_user_passes(old_devices)


def dump_of_our_tables() -> str:
    """Every row of the otp_native tables: pg_dump's data-only dump on PostgreSQL (when the
    client is installed), else SELECT * of each table."""
    tables = sorted(model._meta.db_table for model in apps.get_app_config("otp_native").get_models())
    assert tables
    database = connection.settings_dict
    if connection.vendor == "postgresql" and shutil.which("pg_dump"):
        command = ["pg_dump", "--data-only", "--no-owner", *[f"--table={t}" for t in tables]]
        for option, name in (("--host", "HOST"), ("--port", "PORT"), ("--username", "USER")):
            if database.get(name):
                command.append(f"{option}={database[name]}")
        env = {**os.environ, **({"PGPASSWORD": database["PASSWORD"]} if database.get("PASSWORD") else {})}
        dumped = subprocess.run([*command, database["NAME"]], capture_output=True, text=True, env=env, timeout=120)
        assert dumped.returncode == 0, dumped.stderr
        return dumped.stdout
    lines = []
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            lines += [repr(row) for row in cursor.fetchall()]
    return "\n".join(lines)


@pytest.mark.django_db(transaction=True)
def test_our_tables_hold_no_key_and_no_token(old_devices, without_old_apps):
    run_import()
    dump = dump_of_our_tables()
    assert "tablet" in dump, "the dump holds the imported rows"
    for held in old_devices.values():
        key = held["totp_values"]["key"]
        for form in (key, key.upper(), core.b32encode(bytes.fromhex(key)), core.b32encode(bytes.fromhex(key)).lower()):
            assert form not in dump
        for token in held["tokens"]:
            assert token not in dump


def test_a_second_run_changes_nothing(old_devices, without_old_apps):
    run_import("--batch-size", "2")
    rows = {model: list(model.objects.order_by("pk").values()) for model in (TOTPDevice, StaticDevice, StaticToken)}
    out, err = run_import()
    assert "Imported 0 of 3 TOTP devices and 0 of 2 static devices with 0 tokens" in out
    assert "skipped 5 imported by an earlier run" in out and not err
    assert {model: list(model.objects.order_by("pk").values()) for model in rows} == rows
    # A device its user removed since is not brought back by a later run.
    TOTPDevice.objects.filter(user=old_devices["alice"]["user"]).delete()
    run_import()
    assert not TOTPDevice.objects.filter(user=old_devices["alice"]["user"]).exists()


def test_a_dry_run_writes_nothing(old_devices, without_old_apps):
    out, err = run_import("--dry-run")
    assert "Dry run, nothing written. Would import 3 of 3 TOTP devices and 2 of 2 static devices with 5 tokens" in out
    assert native_row_counts() == (0, 0, 0, 0)
    out, _ = run_import()
    assert "Imported 3 of 3" in out


def test_what_it_cannot_import_is_told_without_the_secret(old_devices, without_old_apps):
    bob = old_devices["bob"]["totp"]
    broken = "not-hex-" + bob.key[8:]
    with connection.cursor() as cursor:
        cursor.execute("UPDATE otp_totp_totpdevice SET key = %s WHERE id = %s", [broken, bob.pk])
    out, err = run_import()
    assert "Imported 2 of 3 TOTP devices" in out and "1 failed" in out
    assert f"otp_totp_totpdevice id {bob.pk}: key is not 1 to 40 bytes of hex" in err
    printed = out + err
    assert broken not in printed and broken[8:] not in printed
    for held in old_devices.values():
        assert held["totp_values"]["key"] not in printed
        assert not any(token in printed for token in held["tokens"])
