"""Settings of the example project.

SQLite in ``example_project/var/`` by default; ``DATABASE_URL`` switches to PostgreSQL
(dj-database-url) and ``REDIS_URL`` to a Redis cache (django-redis). The secret key and
the TOTP encryption key come from the environment; for the local demo they are made once
and kept in ``var/`` (never regenerated: secrets encrypted with a lost key are lost).
Not a production configuration: DEBUG is on unless DJANGO_DEBUG=0.
"""

import base64
import os
import secrets
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
#: Where the demo keeps its SQLite database and generated keys (overridable, e.g. by tests).
STATE_DIR = Path(os.environ.get("DEMO_STATE_DIR", BASE_DIR / "var"))


def _persistent_secret(name: str, make) -> str:
    """The value of environment variable ``name``, else one made once and kept in STATE_DIR."""
    if os.environ.get(name):
        return os.environ[name]
    STATE_DIR.mkdir(parents=True, exist_ok=True)
    path = STATE_DIR / name.lower()
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(make())
    return path.read_text().strip()


def link_host(addr: str) -> str:
    """The ``host:port`` that e-mailed links should name for a runserver address.

    ``addr`` is what ``runserver`` takes: ``"9000"``, ``"127.0.0.1:9000"``,
    ``"[::1]:9000"``; a wildcard address (``0.0.0.0``, ``[::]``) is reached on the
    loopback address.
    """
    host, _, port = addr.strip().rpartition(":")
    if host in ("", "0.0.0.0", "0", "[::]"):
        host = "127.0.0.1"
    return f"{host}:{port}"


SECRET_KEY = _persistent_secret("DJANGO_SECRET_KEY", lambda: secrets.token_urlsafe(50))
DEBUG = os.environ.get("DJANGO_DEBUG", "1") != "0"
#: Where the demo is served: tools/demo.sh runs the server on it and exports it.
DEMO_ADDR = os.environ.get("DEMO_ADDR") or "127.0.0.1:8000"
ALLOWED_HOSTS = os.environ.get("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",")
_demo_host = link_host(DEMO_ADDR).rpartition(":")[0]
if _demo_host not in ALLOWED_HOSTS:
    ALLOWED_HOSTS.append(_demo_host)

INSTALLED_APPS = [
    # django.contrib.admin with the OTP-protected login as its default site: staff with 2FA
    # give a code after the password (and the User admin shows everyone's 2FA).
    "django_totp_native.admin_apps.OTPAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    # Before django_totp_native: its django_totp_native/base.html (home and sign-out links
    # on every page) is found first and extends the app's.
    "demo_site",
    "django_totp_native",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The pages in the browser's language (Accept-Language): English, German, French, Spanish.
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # request.user.is_verified(); users an administrator required 2FA for go to enrollment.
    "django_totp_native.session.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "demo_site.urls"
WSGI_APPLICATION = "demo_site.wsgi.application"

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

if os.environ.get("DATABASE_URL"):
    import dj_database_url

    DATABASES = {"default": dj_database_url.parse(os.environ["DATABASE_URL"], conn_max_age=60)}
else:
    STATE_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": str(STATE_DIR / "db.sqlite3")}}

if os.environ.get("REDIS_URL"):
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": os.environ["REDIS_URL"],
            "KEY_PREFIX": "django-totp-native-demo",
            "OPTIONS": {"CLIENT_CLASS": "django_redis.client.DefaultClient"},
        }
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
#: The languages the app is translated into (django_totp_native/locale).
LANGUAGES = [("en", "English"), ("de", "Deutsch"), ("fr", "Français"), ("es", "Español")]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
STATIC_URL = "static/"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Login: password, then the code page for users with 2FA (django_totp_native.session).
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

# The app's audit lines (an administrator's reset, unlock, require; from the admin or the
# totp_* commands) and errors go to the console: ids only, never a secret.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"django_totp_native": {"handlers": ["console"], "level": "INFO"}},
}

# E-mails (recovery links) are printed on the console running the server.
EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = "demo@localhost"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": (
        # SimpleJWT's class, plus: tokens that a disable, reset or recovery ended are refused.
        "django_totp_native.authentication.JWTAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ),
}

# django-totp-native -----------------------------------------------------------------

TOTP_ENCRYPTION_KEY = _persistent_secret(
    "TOTP_ENCRYPTION_KEY", lambda: base64.urlsafe_b64encode(secrets.token_bytes(32)).decode("ascii")
)
TOTP_TOKEN_SALT = os.environ.get("TOTP_TOKEN_SALT", "django-totp-native-example-project")
TOTP_ISSUER = "django-totp-native demo"
# Changing or removing 2FA needs a fresh code, on the pages and in the API.
TOTP_REQUIRE_CODE_FOR_CHANGES = True
# Recovery by e-mail is on (the default) so the demo can show it: the e-mailed link plus
# the password turn 2FA off. A site that leaves lost devices to its administrators sets
# False (the pages and endpoints then answer 404); check --deploy warns while it is on.
TOTP_EMAIL_RECOVERY = True
# Links in e-mails point to this server (DEMO_ADDR, so a demo on another port gets links
# to that port; DEMO_DOMAIN overrides it, e.g. behind a proxy); the recovery link opens
# the session page.
DOMAIN = os.environ.get("DEMO_DOMAIN") or link_host(DEMO_ADDR)
PROTOCOL = "http"
SITE_NAME = "django-totp-native demo"
TOTP_RECOVERY_CONFIRM_URL = "/account/2fa/recovery/{uid}/{token}/"
