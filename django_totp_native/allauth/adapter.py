"""``MFAAdapter``: allauth's MFA adapter whose encrypt/decrypt seal with our keyring."""

from __future__ import annotations

from django.apps import apps
from django.views.decorators.debug import sensitive_variables

if apps.apps_ready and not apps.is_installed("allauth.mfa"):
    # allauth's adapter module loads its models, which fail outside INSTALLED_APPS.
    raise ImportError("django_totp_native.allauth.MFAAdapter needs 'allauth.mfa' in INSTALLED_APPS")

try:
    from allauth.mfa.adapter import DefaultMFAAdapter
except ImportError as missing:  # pragma: no cover - depends on the environment
    raise ImportError(
        "django_totp_native.allauth needs django-allauth: pip install 'django-totp-native[allauth]'"
    ) from missing

from . import sealing


class MFAAdapter(DefaultMFAAdapter):
    """allauth's adapter with TOTP secrets and recovery-code seeds sealed (native Fernet,
    the first ``TOTP_ENCRYPTION_KEY``). A value stored in plaintext before this adapter was
    installed still opens: only values with ``sealing.PREFIX`` are decrypted, so a site keeps
    working until ``manage.py seal_allauth_mfa`` has sealed them."""

    @sensitive_variables("text")
    def encrypt(self, text: str) -> str:
        return sealing.seal(text)

    @sensitive_variables("encrypted_text")
    def decrypt(self, encrypted_text: str) -> str:
        return sealing.unseal(encrypted_text)
