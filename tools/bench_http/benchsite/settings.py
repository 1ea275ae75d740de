"""Settings shared by both contenders; BENCH_CONTENDER picks the app ("native" or "upstream").

Everything that is not the 2FA app itself is identical on both sides, so a difference in
requests/s is the app's: same Django/DRF/SimpleJWT versions, same PostgreSQL server (one
database per contender, BENCH_DB), persistent connections, LocMem cache for the throttles.
"""

import os
from datetime import timedelta

CONTENDER = os.environ.get("BENCH_CONTENDER", "native")
if CONTENDER not in ("native", "upstream"):
    raise RuntimeError(f"BENCH_CONTENDER must be 'native' or 'upstream', not {CONTENDER!r}")

SECRET_KEY = "bench-http-only-not-a-secret-0123456789abcdefghijklmnopqrstuvwxyz"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
USE_TZ = True
ROOT_URLCONF = "benchsite.urls"
WSGI_APPLICATION = "benchsite.wsgi.application"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

TOTP_APP = "django_totp_native" if CONTENDER == "native" else "django_totp"

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "rest_framework",
    TOTP_APP,
]
MIDDLEWARE = [
    "django.middleware.common.CommonMiddleware",
]
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {},
    }
]

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": os.environ.get("BENCH_DB", f"bench_{CONTENDER}"),
        "USER": os.environ.get("BENCH_DB_USER", "postgres"),
        "HOST": os.environ.get("BENCH_DB_HOST", "127.0.0.1"),
        "PORT": os.environ.get("BENCH_DB_PORT", "5432"),
        # Persistent connections, as a production deployment has (or a pooler gives):
        # a new PostgreSQL connection per request would cost more than either app.
        "CONN_MAX_AGE": 600,
    }
}
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# The password step measures the apps, not PBKDF2 (hundreds of ms per request at
# Django's default iteration count, the same on both sides). Never do this in production.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ("rest_framework_simplejwt.authentication.JWTAuthentication",),
    "DEFAULT_RENDERER_CLASSES": ("rest_framework.renderers.JSONRenderer",),
    "DEFAULT_PARSER_CLASSES": ("rest_framework.parsers.JSONParser",),
}
# Tokens minted when seeding must outlive a full run.
SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(hours=6),
    "REFRESH_TOKEN_LIFETIME": timedelta(hours=12),
}

TOTP_ENCRYPTION_KEY = "qTXtBw2t6n1cRq7HnO6mVbJmUo8JZ3s0x4Pp1Z3vY2E="
TOTP_ISSUER = "Bench"
TOTP_TOKEN_SALT = "bench-http-token-salt"
# The throttles stay on (they are part of every request's cost) but never refuse: a
# one-second window keeps DRF's per-client history short on both sides.
TOTP_THROTTLE_RATE = "1000000/second"

LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "WARNING"}}
