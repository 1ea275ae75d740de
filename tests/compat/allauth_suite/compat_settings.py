"""django-allauth's test project settings (tests.projects.regular.settings, unchanged) with
our app and ``MFA_ADAPTER = "django_totp_native.allauth.MFAAdapter"``.

run.py copies this file beside the unpacked release as ``compat_allauth_settings`` (the
release's own ``tests`` package shadows ours there). DATABASE_URL: that database instead of
SQLite in memory, with a test database of this process's own.
"""

import os

from tests.projects.regular.settings import *  # noqa: F401,F403

INSTALLED_APPS = (*INSTALLED_APPS, "django_totp_native", "django_totp_native.allauth")  # noqa: F405
MFA_ADAPTER = "django_totp_native.allauth.MFAAdapter"
TOTP_ENCRYPTION_KEY = "qTXtBw2t6n1cRq7HnO6mVbJmUo8JZ3s0x4Pp1Z3vY2E="
TOTP_TOKEN_SALT = "compat-allauth-tests"

if os.environ.get("DATABASE_URL"):
    import dj_database_url

    DATABASES = {"default": dj_database_url.parse(os.environ["DATABASE_URL"])}
    DATABASES["default"]["TEST"] = {"NAME": f"test_compat_allauth_{os.getpid()}"}
