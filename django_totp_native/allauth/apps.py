"""Django app configuration for the django-allauth integration (label ``totp_native_allauth``)."""

from __future__ import annotations

from django.apps import AppConfig, apps
from django.utils.translation import gettext_lazy as _


class AllauthNativeConfig(AppConfig):
    name = "django_totp_native.allauth"
    # Not "allauth": that label is allauth's own app.
    label = "totp_native_allauth"
    verbose_name = _("django-allauth MFA (sealed)")

    def ready(self) -> None:
        from django.core import checks as django_checks

        from .checks import check_allauth_adapter

        django_checks.register(check_allauth_adapter, django_checks.Tags.security)

        if not apps.is_installed("allauth.mfa"):
            return  # checks.py says what is missing
        from allauth.mfa.models import Authenticator

        from ..services import adapters
        from . import sealing

        # rotate_totp_keys re-seals the secrets and seeds our adapter sealed; plaintext ones
        # (stored before it was installed) are left to seal_allauth_mfa.
        adapters.register_sealed_field(Authenticator, "data", sealing.SEALED_MEMBERS, sealing.PREFIX)
