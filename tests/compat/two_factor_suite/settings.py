"""two-factor-auth's test settings (upstream/settings.py, unchanged) plus our app.

COMPAT_TARGET=two-factor (the harness's control run) leaves them as they are. Otherwise
django_totp_native, its django-otp devices and django_totp_native.two_factor (after
two_factor, taking over the `generator` method) are installed beside django-otp's own
plugins, which two-factor-auth imports. DATABASE_URL: that database instead of SQLite in
memory, with a test database of this process's own.
"""

import os

from tests.settings import *  # noqa: F401,F403  (two-factor-auth's tests package)

if os.environ.get("COMPAT_TARGET", "native") != "two-factor":
    INSTALLED_APPS = [  # noqa: F405
        *INSTALLED_APPS,  # noqa: F405
        "django_totp_native",
        "django_totp_native.otp",
        "django_totp_native.two_factor",
    ]
    TOTP_ENCRYPTION_KEY = "qTXtBw2t6n1cRq7HnO6mVbJmUo8JZ3s0x4Pp1Z3vY2E="
    TOTP_TOKEN_SALT = "compat-two-factor-tests"
    # Our per-user backoff starts at the hard cap here: two-factor-auth's tests try
    # several wrong tokens before a right one with its own throttling in charge.
    TOTP_BACKOFF_AFTER = 10

if os.environ.get("DATABASE_URL"):
    import dj_database_url

    DATABASES = {"default": dj_database_url.parse(os.environ["DATABASE_URL"])}
    DATABASES["default"]["TEST"] = {"NAME": f"test_compat_two_factor_{os.getpid()}"}
