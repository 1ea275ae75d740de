"""The test settings plus drf-spectacular, set up as the docs' OpenAPI page (docs/openapi.md) shows.

tools/schemathesis.sh serves these settings on 127.0.0.1 with a throwaway SQLite file
(OPENAPI_SQLITE) shared by the seeding process and the server.
"""

import os

from tests.settings import *  # noqa: F403
from tests.settings import _SQLITE_IMMEDIATE, ALLOWED_HOSTS, INSTALLED_APPS, REST_FRAMEWORK

INSTALLED_APPS = [*INSTALLED_APPS, "drf_spectacular"]
REST_FRAMEWORK = {**REST_FRAMEWORK, "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema"}
SPECTACULAR_SETTINGS = {
    "TITLE": "django-totp-native",
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "django_totp_native.openapi.add_links",
    ],
}
ROOT_URLCONF = "tests.openapi.urls"
ALLOWED_HOSTS = [*ALLOWED_HOSTS, "127.0.0.1"]

if os.environ.get("OPENAPI_SQLITE"):
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.environ["OPENAPI_SQLITE"],
            # As tests.settings: IMMEDIATE transactions wait for the write lock instead of
            # failing with "database is locked" when concurrent requests upgrade a read.
            "OPTIONS": {"timeout": 30, **_SQLITE_IMMEDIATE},
        }
    }

# The live server's tracebacks on stderr (with DEBUG off Django only mails them).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"stderr": {"class": "logging.StreamHandler"}},
    "loggers": {"django.request": {"handlers": ["stderr"], "level": "ERROR"}},
}
