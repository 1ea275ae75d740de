"""tests.settings plus django-allauth's account and mfa apps with our MFA adapter.

A settings module of its own (``make compat-allauth`` runs tests/app/test_allauth_adapter.py
with it): allauth's account app requires its middleware and authentication backend, which
the shared suite's flows are not written for.
"""

from tests.settings import *  # noqa: F401,F403

INSTALLED_APPS = [  # noqa: F405
    *INSTALLED_APPS,  # noqa: F405
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "django_totp_native.allauth",
]
MIDDLEWARE = [*MIDDLEWARE, "allauth.account.middleware.AccountMiddleware"]  # noqa: F405
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
MFA_ADAPTER = "django_totp_native.allauth.MFAAdapter"
