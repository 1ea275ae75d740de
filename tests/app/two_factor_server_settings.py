"""Settings of the gunicorn server that test_two_factor_concurrency.py starts: the test
settings on the test run's PostgreSQL database (TWO_FACTOR_SERVER_DB), two-factor-auth's
pages at the root, and only the replay guards to stop a second use of a code (no lockout,
no throttling). TWO_FACTOR_SERVER_STOCK=1: stock two-factor-auth, without our takeover
(the control, on django-otp's own devices)."""

import os

from tests.settings import *  # noqa: F401,F403

DATABASES["default"]["NAME"] = os.environ["TWO_FACTOR_SERVER_DB"]  # noqa: F405
DATABASES["default"]["TEST"] = {}  # noqa: F405
if os.environ.get("TWO_FACTOR_SERVER_STOCK") == "1":
    INSTALLED_APPS = [app for app in INSTALLED_APPS if app != "django_totp_native.two_factor"]  # noqa: F405
ROOT_URLCONF = "tests.app.two_factor_urls"
LOGIN_URL = "two_factor:login"
LOGIN_REDIRECT_URL = "two_factor:profile"
MIDDLEWARE = [*MIDDLEWARE, "django_otp.middleware.OTPMiddleware"]  # noqa: F405
ALLOWED_HOSTS = ["127.0.0.1"]
TOTP_MAX_FAILURES = 1000
TOTP_BACKOFF_AFTER = 1000
OTP_TOTP_THROTTLE_FACTOR = 0
OTP_STATIC_THROTTLE_FACTOR = 0
