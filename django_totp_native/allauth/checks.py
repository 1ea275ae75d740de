"""System checks of the django-allauth integration.

Ids are stable: django_totp_native.allauth.E001 the app is installed without allauth's
``allauth.mfa``; W001 ``MFA_ADAPTER`` is not ``MFAAdapter`` or a subclass, so allauth stores
new secrets as its own adapter does (in plaintext by default).
"""

from __future__ import annotations

from django.apps import apps
from django.conf import settings
from django.core import checks
from django.utils.module_loading import import_string

ADAPTER = "django_totp_native.allauth.MFAAdapter"


def check_allauth_adapter(app_configs=None, **kwargs):
    """Registered by the app's ready() (importing this module registers nothing)."""
    if not apps.is_installed("django_totp_native.allauth"):
        return []
    if not apps.is_installed("allauth.mfa"):
        return [
            checks.Error(
                "django_totp_native.allauth is installed but allauth.mfa is not.",
                hint='Add "allauth", "allauth.account" and "allauth.mfa" to INSTALLED_APPS '
                "(pip install 'django-totp-native[allauth]'), or remove django_totp_native.allauth.",
                id="django_totp_native.allauth.E001",
            )
        ]
    from .adapter import MFAAdapter

    configured = getattr(settings, "MFA_ADAPTER", "allauth.mfa.adapter.DefaultMFAAdapter")
    try:
        adapter = import_string(configured) if isinstance(configured, str) else configured
    except ImportError:
        return []  # allauth reports an adapter it cannot import itself
    if not (isinstance(adapter, type) and issubclass(adapter, MFAAdapter)):
        return [
            checks.Warning(
                f"MFA_ADAPTER is {configured!r}: allauth's TOTP secrets and recovery seeds are not sealed "
                "with TOTP_ENCRYPTION_KEY.",
                hint=f'Set MFA_ADAPTER = "{ADAPTER}" (or a subclass of it), then run manage.py seal_allauth_mfa.',
                id="django_totp_native.allauth.W001",
            )
        ]
    return []
