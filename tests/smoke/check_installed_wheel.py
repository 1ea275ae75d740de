"""Smoke of an installed wheel: the package comes from site-packages with its own copies of
libcrypto and libqrencode, migrates, and a user enrolls and logs in with JWT in two steps."""

import sysconfig
import time
from pathlib import Path

import pyotp
import pytest
from django.core.management import call_command
from django.db.migrations.recorder import MigrationRecorder
from rest_framework.test import APIClient

import django_totp_native
from django_totp_native import core

pytestmark = pytest.mark.django_db


def _mapped_libraries() -> dict[str, str]:
    """Shared objects this process has loaded, by file name, with their full paths."""
    paths = {}
    for line in Path("/proc/self/maps").read_text().splitlines():
        path = line.split(None, 5)[-1] if len(line.split(None, 5)) == 6 else ""
        if path.startswith("/") and ".so" in path:
            paths[Path(path).name] = path
    return paths


def test_package_is_the_installed_wheel_not_a_source_tree():
    package = Path(django_totp_native.__file__).resolve().parent
    site = Path(sysconfig.get_paths()["platlib"]).resolve()
    assert package.parent == site, f"{package} is not in {site}"
    assert not (package.parent / "pyproject.toml").exists()


def test_core_uses_the_libraries_grafted_into_the_wheel():
    core.qr_png("smoke")  # libqrencode
    core.Fernet(core.Fernet.generate_key())  # libcrypto
    libs_dir = Path(sysconfig.get_paths()["platlib"]).resolve() / "django_totp_native.libs"
    loaded = _mapped_libraries()
    # auditwheel renames the grafted copies (libcrypto-<hash>.so.3); only _core needs them.
    # CPython's own ssl module may map the system's libcrypto.so.3 beside it, but nothing
    # may load a libqrencode from elsewhere.
    for stem in ("libcrypto-", "libqrencode-"):
        grafted = [path for name, path in loaded.items() if name.startswith(stem)]
        assert grafted, f"no {stem}* is mapped: {sorted(loaded)}"
        assert all(Path(path).resolve().parent == libs_dir for path in grafted), (grafted, libs_dir)
    elsewhere = [path for name, path in loaded.items() if name.startswith("libqrencode") and Path(path).resolve().parent != libs_dir]
    assert elsewhere == [], elsewhere


def test_migrations_are_applied_and_complete():
    applied = {name for app, name in MigrationRecorder.Migration.objects.values_list("app", "name")
               if app == "django_totp_native"}
    assert "0001_initial" in applied
    # The models and the shipped migrations agree on this Django version.
    call_command("makemigrations", "django_totp_native", "--check", "--dry-run", verbosity=0)


def test_enroll_confirm_and_two_step_jwt_login(django_user_model):
    django_user_model.objects.create_user("smoke", "smoke@example.com", "smoke-password-1")
    api = APIClient()

    first = api.post("/api/jwt/create/", {"username": "smoke", "password": "smoke-password-1"}, format="json")
    assert first.status_code == 200, first.content
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {first.json()['access']}")

    created = api.post("/api/totp/create/")
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["svg"].lstrip().startswith("<svg") and body["otpauth_uri"].startswith("otpauth://totp/")
    authenticator = pyotp.TOTP(body["secret"])  # an independent implementation

    confirmed = api.post("/api/totp/confirm/", {"input_code": authenticator.now()}, format="json")
    assert confirmed.status_code == 200, confirmed.content
    backup_codes = confirmed.json()["backup_codes"]
    assert len(backup_codes) >= 1
    api.credentials()

    def challenge() -> str:
        response = api.post("/api/jwt/create/", {"username": "smoke", "password": "smoke-password-1"}, format="json")
        assert response.status_code == 200, response.content
        assert response.json()["is_totp_enabled"] is True and "access" not in response.json()
        return response.json()["totp_challenge_token"]

    wrong = api.post("/api/jwt/totp/verify/", {"totp_challenge_token": challenge(), "otp_code": "000000"},
                     format="json")
    assert wrong.status_code in (400, 401) and "access" not in wrong.json()

    # The confirm code's step is spent; the next one is within the default tolerance.
    next_code = authenticator.at(time.time() + authenticator.interval)
    tokens = api.post("/api/jwt/totp/verify/", {"totp_challenge_token": challenge(), "otp_code": next_code},
                      format="json")
    assert tokens.status_code == 200, tokens.content
    assert set(tokens.json()) >= {"access", "refresh"}

    by_backup = api.post("/api/jwt/totp/verify/", {"totp_challenge_token": challenge(), "backup_code": backup_codes[0]},
                         format="json")
    assert by_backup.status_code == 200, by_backup.content

    refreshed = api.post("/api/jwt/refresh/", {"refresh": tokens.json()["refresh"]}, format="json")
    assert refreshed.status_code == 200 and "access" in refreshed.json()

