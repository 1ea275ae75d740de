"""import_django_totp and the system checks."""

from io import StringIO

import pyotp
import pytest
from cryptography.fernet import Fernet as OracleFernet
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from django_totp_native import backup_code_utils, checks, totp
from django_totp_native.models import BackupCode, Totp


@pytest.fixture
def django_totp_tables(db):
    """django-totp's two tables, as its migration creates them."""
    with connection.cursor() as c:
        c.execute(
            "CREATE TABLE django_totp_totp (id integer PRIMARY KEY, user_id integer NOT NULL UNIQUE, "
            "secret_key varchar(255) NOT NULL, created_at timestamp with time zone NOT NULL)"
            if connection.vendor == "postgresql"
            else "CREATE TABLE django_totp_totp (id integer PRIMARY KEY, user_id integer NOT NULL UNIQUE, "
            "secret_key varchar(255) NOT NULL, created_at datetime NOT NULL)"
        )
        c.execute(
            "CREATE TABLE django_totp_backupcode (id integer PRIMARY KEY, totp_id integer NOT NULL, "
            "code varchar(255) NOT NULL, is_used boolean NOT NULL, created_at timestamp NOT NULL)"
        )
    yield
    with connection.cursor() as c:
        c.execute("DROP TABLE django_totp_backupcode")
        c.execute("DROP TABLE django_totp_totp")


def test_import_copies_rows_idempotently(django_totp_tables, make_user, settings):
    oracle = OracleFernet(settings.TOTP_ENCRYPTION_KEY.encode())
    alice, bob = make_user("alice"), make_user("bob")
    secret_a, secret_b = pyotp.random_base32(), pyotp.random_base32()
    with connection.cursor() as c:
        c.execute(
            "INSERT INTO django_totp_totp VALUES (1, %s, %s, %s), (2, %s, %s, %s), (3, %s, %s, %s)",
            [
                alice.pk, oracle.encrypt(secret_a.encode()).decode(), "2024-01-01 00:00:00+00:00",
                bob.pk, oracle.encrypt(secret_b.encode()).decode(), "2024-01-02 00:00:00+00:00",
                999999, oracle.encrypt(b"JBSWY3DPEHPK3PXP").decode(), "2024-01-03 00:00:00+00:00",
            ],
        )
        # Codes as django-totp makes them (secrets.token_urlsafe(12)): '_' and '-' included.
        for i, (code, used) in enumerate([("Zt_AYy9-K7ieoTnv", False), ("q-8_Ux3mWbN0aPzR", True)], start=1):
            c.execute(
                "INSERT INTO django_totp_backupcode VALUES (%s, 1, %s, %s, '2024-01-01 00:00:00')",
                [i, oracle.encrypt(code.encode()).decode(), used],
            )
    out = StringIO()
    call_command("import_django_totp", stdout=out)
    assert "Imported 2 of 3" in out.getvalue() and "1 without a user" in out.getvalue()
    assert "  3 rows in " in out.getvalue()
    # Alice had backup codes: enabled, codes work once, the used one stays used.
    assert totp.verify_totp_code(alice, pyotp.TOTP(secret_a).now())
    assert not backup_code_utils.verify_backup_code(alice, "zt_ayy9-k7ieotnv")  # exact, as django-totp
    assert backup_code_utils.verify_backup_code(alice, "Zt_AYy9-K7ieoTnv")
    assert not backup_code_utils.verify_backup_code(alice, "q-8_Ux3mWbN0aPzR")
    # No plaintext code was stored.
    assert not BackupCode.objects.filter(digest__in=["Zt_AYy9-K7ieoTnv", "q-8_Ux3mWbN0aPzR"]).exists()
    # Bob had no backup codes: pending enrollment, as django-totp saw it.
    assert Totp.objects.get(user=bob).confirmed_at is None
    again = StringIO()
    call_command("import_django_totp", stdout=again)
    assert "Imported 0 of 3; skipped 2 already imported" in again.getvalue()
    assert Totp.objects.count() == 2 and BackupCode.objects.count() == 2


def test_import_without_source_tables(db):
    with pytest.raises(CommandError, match="django_totp_totp"):
        call_command("import_django_totp", stdout=StringIO())


def ids(messages):
    return sorted(m.id for m in messages)


def test_missing_and_invalid_key(settings):
    del settings.TOTP_ENCRYPTION_KEY
    assert ids(checks.check_encryption_key()) == ["django_totp_native.E001"]
    settings.TOTP_ENCRYPTION_KEY = "short"
    assert ids(checks.check_encryption_key()) == ["django_totp_native.E002"]
    settings.TOTP_ENCRYPTION_KEY = [OracleFernet.generate_key().decode(), "bad"]
    assert ids(checks.check_encryption_key()) == ["django_totp_native.E002"]
    settings.TOTP_ENCRYPTION_KEY = [OracleFernet.generate_key().decode()]
    assert checks.check_encryption_key() == []


def test_authenticator_compatibility_warnings(settings):
    assert checks.check_totp_parameters() == []
    settings.TOTP_ALGORITHM, settings.TOTP_DIGITS, settings.TOTP_PERIOD = "SHA256", 8, 60
    assert ids(checks.check_totp_parameters()) == [
        "django_totp_native.W002", "django_totp_native.W003", "django_totp_native.W004"
    ]
    settings.TOTP_ALGORITHM = "MD5"
    assert ids(checks.check_totp_parameters()) == ["django_totp_native.E003"]


def test_deploy_checks(settings):
    del settings.TOTP_TOKEN_SALT
    assert ids(checks.check_deploy()) == ["django_totp_native.W001", "django_totp_native.W005"]
    settings.TOTP_TOKEN_SALT, settings.TOTP_REQUIRE_CODE_FOR_CHANGES = "project-salt", True
    assert checks.check_deploy() == []


def test_manage_check_runs_clean():
    call_command("check", stdout=StringIO())


def test_no_missing_migrations(db):
    call_command("makemigrations", "django_totp_native", "--check", "--dry-run", stdout=StringIO())
