"""Django settings for the test suite.

SQLite (a file, so that threads get real separate connections) by default; PostgreSQL
when DATABASE_URL is set and the Redis cache (django-redis) when REDIS_URL is set.
"""

import os
from pathlib import Path

import django

BASE_DIR = Path(__file__).resolve().parent

SECRET_KEY = "tests-only-not-a-secret-0123456789abcdefghijklmnopqrstuvwxyz"
DEBUG = False
ALLOWED_HOSTS = ["testserver", "localhost"]
USE_TZ = True

# A fixed test key; TOTP_ENCRYPTION_KEY may also be a list (first encrypts, all decrypt).
TOTP_ENCRYPTION_KEY = "qTXtBw2t6n1cRq7HnO6mVbJmUo8JZ3s0x4Pp1Z3vY2E="
TOTP_ISSUER = "Test Suite"
TOTP_TOKEN_SALT = "tests-token-salt"
# High enough that functional tests are not throttled; throttle tests override it.
TOTP_THROTTLE_RATE = "10000/minute"

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    # The admin with the code step, as a project opts in to it (instead of "django.contrib.admin").
    "django_totp_native.admin_apps.OTPAdminConfig",
    # The browser tests' live server serves the admin's CSS and JS through it.
    "django.contrib.staticfiles",
    "rest_framework",
    # DRF's token authentication: a disable ends the user's tokens (test_credential_revocation).
    "rest_framework.authtoken",
    "django_totp_native",
]
try:
    import django_otp  # noqa: F401
except ImportError:
    # The core suite also runs against a bare installed wheel (make wheel-check,
    # wheels-check), which has no django-otp; the Django suites always have it
    # (requirements-dev.txt, the matrix's SUITE_DEPS), and test_admin_beside_django_otp.py
    # fails to import where it is missing.
    pass
else:
    # django-otp's admin site beside ours (test_admin_beside_django_otp.py), with its static
    # tokens to log in there; its TOTP devices as the control of the races that ours win
    # (test_otp_devices_concurrency.py); our sealed django-otp devices beside them.
    INSTALLED_APPS += [
        "django_otp",
        "django_otp.plugins.otp_static",
        "django_otp.plugins.otp_totp",
        "django_totp_native.otp",
    ]
    try:
        import two_factor  # noqa: F401
    except ImportError:
        # The matrix's suites without the [two-factor] extra; test_two_factor_plugin.py
        # and test_two_factor_concurrency.py skip there with the reason.
        pass
    else:
        # django-two-factor-auth's pages on our devices (test_two_factor_plugin.py,
        # test_two_factor_concurrency.py, on their own URLconf). Its admin patch would
        # replace the OTP admin login the admin tests exercise.
        INSTALLED_APPS += ["two_factor", "django_totp_native.two_factor"]
        TWO_FACTOR_PATCH_ADMIN = False

MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]

ROOT_URLCONF = "tests.app.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]

STATIC_URL = "/static/"

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
DEFAULT_FROM_EMAIL = "noreply@example.com"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": (
        "rest_framework_simplejwt.authentication.JWTAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ),
}

_ARTIFACTS = BASE_DIR / "artifacts"
# One file per test process, so runs in parallel (two terminals, xdist) never share one.
_WORKER = f'{os.environ.get("PYTEST_XDIST_WORKER", "main")}-{os.getpid()}'

# Django 5.1+ has the transaction_mode option; 4.2 gets the same from a test backend.
if django.VERSION >= (5, 1):
    _SQLITE_ENGINE, _SQLITE_IMMEDIATE = "django.db.backends.sqlite3", {"transaction_mode": "IMMEDIATE"}
else:
    _SQLITE_ENGINE, _SQLITE_IMMEDIATE = "tests.sqlite_immediate", {}

if os.environ.get("DATABASE_URL"):
    import dj_database_url

    DATABASES = {"default": dj_database_url.parse(os.environ["DATABASE_URL"], conn_max_age=0)}
else:
    _ARTIFACTS.mkdir(exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": _SQLITE_ENGINE,
            "NAME": str(_ARTIFACTS / f"db-{_WORKER}.sqlite3"),
            # IMMEDIATE: a write transaction takes the lock at BEGIN and waits for it
            # (timeout) instead of failing with "database is locked" on upgrade.
            "OPTIONS": {"timeout": 30, **_SQLITE_IMMEDIATE},
            "TEST": {"NAME": str(_ARTIFACTS / f"test-{_WORKER}.sqlite3")},
        }
    }

if os.environ.get("REDIS_URL"):
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": os.environ["REDIS_URL"],
            "KEY_PREFIX": f"django-totp-native-tests-{_WORKER}",
            "OPTIONS": {"CLIENT_CLASS": "django_redis.client.DefaultClient"},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
