"""import_django_otp --database: django-otp's tables in a database of their own, made by
django-otp's migrations in another process; a device whose user this project does not
have is skipped and said so."""

import json
import subprocess
import sys
import time
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connections
from django.db.utils import load_backend
from django_otp import match_token
from django_otp.oath import TOTP as OracleTOTP

from django_totp_native.otp.models import StaticDevice, TOTPDevice

pytestmark = pytest.mark.django_db

SOURCE = "django_otp_source"


@pytest.fixture
def source(tmp_path, django_user_model, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = settings.OTP_STATIC_THROTTLE_FACTOR = 0
    path = tmp_path / "django_otp.sqlite3"
    made = subprocess.run(
        [sys.executable, str(Path(__file__).with_name("make_django_otp_db.py")), str(path)],
        capture_output=True, text=True, timeout=300,
    )
    assert made.returncode == 0, made.stderr[-3000:]
    data = json.loads(made.stdout)
    # Only dana is a user here; ghost is not.
    django_user_model.objects.create_user(username="dana", password="correct horse battery", id=data["dana"]["pk"])
    config = connections.configure_settings(
        {"default": {"ENGINE": "django.db.backends.sqlite3"}, SOURCE: {"ENGINE": "django.db.backends.sqlite3", "NAME": str(path)}}
    )[SOURCE]
    connections[SOURCE] = load_backend(config["ENGINE"]).DatabaseWrapper(config, SOURCE)
    yield data
    connections[SOURCE].close()
    del connections[SOURCE]


def test_it_imports_from_another_database_and_skips_devices_without_a_user(source, django_user_model):
    out, err = StringIO(), StringIO()
    call_command("import_django_otp", database=SOURCE, stdout=out, stderr=err)
    assert "Imported 1 of 2 TOTP devices and 1 of 2 static devices with 2 tokens" in out.getvalue()
    assert "2 without a user" in out.getvalue() and not err.getvalue()
    printed = out.getvalue() + err.getvalue()
    assert not any(held["key"] in printed or any(t in printed for t in held["tokens"]) for held in source.values())
    dana = django_user_model.objects.get(username="dana")
    assert TOTPDevice.objects.get().user == dana and StaticDevice.objects.get().user == dana
    oracle = OracleTOTP(bytes.fromhex(source["dana"]["key"]))
    oracle.time = time.time()
    assert isinstance(match_token(dana, str(oracle.token()).zfill(6)), TOTPDevice)
    assert isinstance(match_token(dana, source["dana"]["tokens"][1]), StaticDevice)
