"""Django app configuration for django_totp_native."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from .compat import face


class DjangoTotpNativeConfig(AppConfig):
    name = "django_totp_native"
    label = "django_totp_native"
    verbose_name = _("Two-factor authentication (TOTP)")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the system checks)


# django-totp's name DjangoTotpConfig stays reachable here, its path; compat.apps serves it
# (lazily: Django picks an app's config automatically only when apps.py shows exactly one
# AppConfig subclass).
__getattr__ = face(__name__)
