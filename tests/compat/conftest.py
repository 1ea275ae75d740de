"""Fixtures of the django-totp compatibility tests (the app tests' helpers, reused)."""

import pytest
from django.test import Client

# The app tests' fixtures: a PostgreSQL test database per process, a clean throttle cache,
# users and enrolled users.
from tests.app.conftest import (  # noqa: F401
    _fresh_throttle_cache,
    django_db_modify_db_settings,
    enroll,
    make_user,
    two_factor_state,
    user,
)

PASSWORD = "correct horse battery"


@pytest.fixture
def enrolled(user):
    return enroll(user)


@pytest.fixture
def session_pages(settings):
    """The session pages as a project using them configures them."""
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, "django_totp_native.session.middleware.OTPMiddleware"]
    settings.LOGIN_URL = "django_totp_native:login"
    settings.LOGIN_REDIRECT_URL = "/account/2fa/"


@pytest.fixture
def client():
    return Client()


@pytest.fixture(autouse=True)
def _session_pages_too(settings):
    settings.ROOT_URLCONF = "tests.compat.urls"
