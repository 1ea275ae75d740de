"""django-allauth's ``mfa`` on our keyring: ``MFA_ADAPTER = "django_totp_native.allauth.MFAAdapter"``.

The app (``"django_totp_native.allauth"`` in ``INSTALLED_APPS``, after ``allauth.mfa``) adds
allauth's ``Authenticator`` rows to what ``rotate_totp_keys`` re-seals and the
``seal_allauth_mfa`` command. The adapter is imported on first use, so this package
imports without allauth (the ``[allauth]`` extra brings it).
"""

from __future__ import annotations


def __getattr__(name):
    if name == "MFAAdapter":
        from .adapter import MFAAdapter

        return MFAAdapter
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
