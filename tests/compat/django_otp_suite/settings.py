"""django-otp's test project settings (test_project.settings, unchanged) plus our app.

COMPAT_TARGET=django-otp (the harness's control run) leaves them as they are. Otherwise
django_totp_native and its django-otp plugin are installed beside django-otp's own plugins,
as a project switching gradually has them, with a fixed test key for the keyring.
DATABASE_URL: that database instead of SQLite in memory (make compat-django-otp's
PostgreSQL pass), with a test database of this process's own.
"""

import os

from test_project.settings import *  # noqa: F401,F403

if os.environ.get("COMPAT_TARGET", "native") != "django-otp":
    INSTALLED_APPS = [*INSTALLED_APPS, "django_totp_native", "django_totp_native.otp"]  # noqa: F405
    TOTP_ENCRYPTION_KEY = "qTXtBw2t6n1cRq7HnO6mVbJmUo8JZ3s0x4Pp1Z3vY2E="
    TOTP_TOKEN_SALT = "compat-django-otp-tests"
    # Our per-user backoff (on top of django-otp's per-device throttling, which the tests
    # set themselves) starts after TOTP_BACKOFF_AFTER failures in a row: 3 by default, and
    # TOTPTest.test_single tries three wrong codes before the right one with django-otp's
    # throttling off. Here it starts at the hard cap (TOTP_MAX_FAILURES, default 10).
    TOTP_BACKOFF_AFTER = 10

if os.environ.get("DATABASE_URL"):
    import dj_database_url

    DATABASES = {"default": dj_database_url.parse(os.environ["DATABASE_URL"])}
    DATABASES["default"]["TEST"] = {"NAME": f"test_compat_django_otp_{os.getpid()}"}

# Speed only: users are created and logged in by many tests.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
