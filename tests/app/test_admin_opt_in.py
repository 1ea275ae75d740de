"""The OTP admin is opt-in (issue 17 item 7): installing the app changes no admin site.

What a project gets depends only on what it chose in INSTALLED_APPS, so each arrangement
is set up in a fresh interpreter (a Django process resolves its default admin site once):
Django's own "django.contrib.admin", and this app's ``OTPAdminConfig`` with and without
the User admin's 2FA column. The setting that used to swap the default site's class,
TOTP_ADMIN_REQUIRE_OTP, is reported by the system checks instead.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from django.contrib import admin
from django.core import checks as django_checks

from django_totp_native import checks
from django_totp_native.admin_site import OTPAdminSite

ROOT = Path(__file__).resolve().parents[2]

_PROJECT = """
import json, django
from django.conf import settings

settings.configure(
    INSTALLED_APPS=[
        {admin_app!r},
        "django.contrib.auth", "django.contrib.contenttypes", "django.contrib.sessions",
        "django.contrib.messages", "django_totp_native",
    ],
    DATABASES={{"default": {{"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}}},
    TOTP_ENCRYPTION_KEY="qTXtBw2t6n1cRq7HnO6mVbJmUo8JZ3s0x4Pp1Z3vY2E=",
    DEFAULT_AUTO_FIELD="django.db.models.BigAutoField",
    **{extra},
)
django.setup()  # the admin's ready(): autodiscovery imports django_totp_native.admin

from django.contrib import admin
from django.contrib.auth import get_user_model
from django_totp_native.admin import UserTotpAdminMixin
from django_totp_native.models import Totp

user_admin = admin.site._registry[get_user_model()]
print(json.dumps({{
    "site": f"{{admin.site.__class__.__module__}}.{{admin.site.__class__.__qualname__}}",
    "user_admin_has_2fa": isinstance(user_admin, UserTotpAdminMixin),
    "user_admin_bases": [f"{{c.__module__}}.{{c.__qualname__}}" for c in type(user_admin).__mro__[:3]],
    "device_admin": Totp in admin.site._registry,
}}))
"""


def project(admin_app: str, **extra) -> dict:
    script = textwrap.dedent(_PROJECT).format(admin_app=admin_app, extra=extra)
    completed = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120, check=False
    )
    assert completed.returncode == 0, completed.stderr
    return json.loads(completed.stdout.strip().splitlines()[-1])


def test_installing_the_app_leaves_djangos_admin_site_and_user_admin_as_they_are():
    seen = project("django.contrib.admin")
    assert seen["site"] == "django.contrib.admin.sites.AdminSite"
    assert not seen["user_admin_has_2fa"] and seen["user_admin_bases"][0] == "django.contrib.auth.admin.UserAdmin"
    assert seen["device_admin"]  # the device lists are still registered


def test_otp_admin_config_makes_the_otp_site_the_default_with_2fa_in_the_user_admin():
    seen = project("django_totp_native.admin_apps.OTPAdminConfig")
    assert seen["site"] == "django_totp_native.admin_site.OTPAdminSite"
    assert seen["user_admin_has_2fa"] and "django.contrib.auth.admin.UserAdmin" in seen["user_admin_bases"]
    assert seen["device_admin"]


def test_otp_admin_config_leaves_the_user_admin_alone_when_told():
    seen = project("django_totp_native.admin_apps.OTPAdminConfig", TOTP_ADMIN_PATCH_USER_ADMIN=False)
    assert seen["site"] == "django_totp_native.admin_site.OTPAdminSite"
    assert not seen["user_admin_has_2fa"] and seen["user_admin_bases"][0] == "django.contrib.auth.admin.UserAdmin"


# TOTP_ADMIN_REQUIRE_OTP: reported, since it no longer changes any site -----------------------


def ids(messages) -> list[str]:
    return [message.id for message in messages]


@pytest.fixture
def default_site_is_djangos(monkeypatch):
    monkeypatch.setattr(checks, "_default_admin_site", lambda: admin.AdminSite)


def test_asking_for_the_code_on_a_site_that_does_not_is_an_error(settings, default_site_is_djangos):
    settings.TOTP_ADMIN_REQUIRE_OTP = True
    messages = checks.check_admin_require_otp()
    assert ids(messages) == ["django_totp_native.E005"] and messages[0].level == django_checks.ERROR
    assert "OTPAdminConfig" in messages[0].hint


@pytest.mark.parametrize("value", [True, False])
def test_a_left_over_setting_is_a_warning(settings, value):
    settings.TOTP_ADMIN_REQUIRE_OTP = value  # the default site of the tests is OTPAdminSite
    assert ids(checks.check_admin_require_otp()) == ["django_totp_native.W007"]


def test_a_left_over_false_is_a_warning_on_djangos_site_too(settings, default_site_is_djangos):
    settings.TOTP_ADMIN_REQUIRE_OTP = False
    assert ids(checks.check_admin_require_otp()) == ["django_totp_native.W007"]


def test_no_setting_no_message(settings):
    if hasattr(settings, "TOTP_ADMIN_REQUIRE_OTP"):
        del settings.TOTP_ADMIN_REQUIRE_OTP
    assert checks.check_admin_require_otp() == []


def test_deploy_check_names_a_default_site_without_the_code_step(default_site_is_djangos):
    assert ids(checks.check_admin_site()) == ["django_totp_native.W008"]


def test_deploy_check_accepts_the_otp_sites(monkeypatch):
    assert admin.site.__class__ is OTPAdminSite and checks.check_admin_site() == []

    class ProjectSite(OTPAdminSite):
        pass

    monkeypatch.setattr(checks, "_default_admin_site", lambda: ProjectSite)
    assert checks.check_admin_site() == []
    from django_otp.admin import OTPAdminSite as DjangoOTPAdminSite

    monkeypatch.setattr(checks, "_default_admin_site", lambda: DjangoOTPAdminSite)
    assert checks.check_admin_site() == []
