"""import_django_totp on a database made by django-totp 1.1.7 itself (its models, its
migrations, its enrollment: backup codes from secrets.token_urlsafe(12)), then logins."""

import json
import subprocess
import sys
import warnings
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connections
from django.db.utils import load_backend
from django.urls import reverse
from rest_framework.test import APIClient

from django_totp_native.models import BackupCode, Totp
from django_totp_native.services import devices

from .conftest import PASSWORD

pytestmark = pytest.mark.django_db

SOURCE = "django_totp_source"


@pytest.fixture
def source(tmp_path, settings, django_user_model):
    """django-totp's database (a second connection) and the same users in ours."""
    path = tmp_path / "django_totp.sqlite3"
    made = subprocess.run(
        [sys.executable, str(Path(__file__).with_name("make_django_totp_db.py")), str(path), settings.TOTP_ENCRYPTION_KEY],
        capture_output=True, text=True, timeout=300,
    )
    assert made.returncode == 0, made.stderr[-3000:]
    data = json.loads(made.stdout)
    for name, row in data.items():
        django_user_model.objects.create_user(username=name, password=PASSWORD, id=row["pk"])
    # A connection made here, not declared in DATABASES (Django's test case lets such
    # connections through; declared ones it would create a test database for).
    config = connections.configure_settings(
        {"default": {"ENGINE": "django.db.backends.sqlite3"}, SOURCE: {"ENGINE": "django.db.backends.sqlite3", "NAME": str(path)}}
    )[SOURCE]
    connections[SOURCE] = load_backend(config["ENGINE"]).DatabaseWrapper(config, SOURCE)
    yield data
    connections[SOURCE].close()
    del connections[SOURCE]


def import_all():
    out, err = StringIO(), StringIO()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # e.g. a naive datetime written to an aware field
        call_command("import_django_totp", database=SOURCE, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_codes_have_the_characters_that_broke_the_old_import(source):
    codes = [c for row in source.values() for c in row["codes"]]
    assert len(codes) == 20 and all(len(c) == 16 for c in codes)


def test_every_device_imports_and_its_codes_log_in(source, django_user_model, settings):
    # Many wrong tries on purpose (used codes, other case): no backoff or lock in between.
    settings.TOTP_BACKOFF_AFTER = settings.TOTP_MAX_FAILURES = 1000
    out, err = import_all()
    assert "Imported 3 of 3" in out and "0 failed" in out and not err
    alice, bob, carol = (django_user_model.objects.get(username=n) for n in ("alice", "bob", "carol"))
    # Enabled as django-totp saw it: a device with backup codes.
    assert devices.is_enabled(alice) and devices.is_enabled(carol) and not devices.is_enabled(bob)
    assert BackupCode.objects.filter(totp__user=alice).count() == 10
    assert BackupCode.objects.filter(totp__user=carol, is_used=True).count() == 3
    # Dates kept, aware.
    created = Totp.objects.get(user=alice).created_at
    assert created.tzinfo is not None

    api = APIClient()

    def login(username, **code):
        first = api.post("/api/jwt/create/", {"username": username, "password": PASSWORD}, format="json")
        assert first.status_code == 200 and first.json()["is_totp_enabled"] is True
        token = first.json()["totp_challenge_token"]
        return api.post("/api/jwt/totp/verify/", {"totp_challenge_token": token, **code}, format="json")

    # Every unused code logs in exactly once, exactly as django-totp printed it.
    for name in ("alice", "carol"):
        row = source[name]
        for code in row["codes"]:
            if code in row["used"]:
                assert login(name, backup_code=code).status_code == 400
                continue
            if code.swapcase() != code:
                assert login(name, backup_code=code.swapcase()).status_code == 400
            assert login(name, backup_code=code).status_code == 200, code
            assert login(name, backup_code=code).status_code == 400
    # The secret came along: the authenticator app keeps working.
    import pyotp

    assert login("alice", otp_code=pyotp.TOTP(source["alice"]["secret"]).now()).status_code == 200
    # Bob never finished enrolling: password alone, as before.
    response = api.post("/api/jwt/create/", {"username": "bob", "password": PASSWORD}, format="json")
    assert response.json()["is_totp_enabled"] is False


def test_imported_codes_work_on_the_session_pages(source, session_pages, client):
    import_all()
    client.post(reverse("django_totp_native:login"), {"username": "carol", "password": PASSWORD})
    response = client.post(reverse("django_totp_native:verify"), {"code": source["carol"]["codes"][-1]})
    assert response.status_code == 302 and "_auth_user_id" in client.session


def test_re_running_imports_nothing_twice(source):
    import_all()
    out, _ = import_all()
    assert "Imported 0 of 3; skipped 3 already imported" in out
