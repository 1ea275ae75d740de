"""Django app configuration for django_totp_native."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DjangoTotpNativeConfig(AppConfig):
    name = "django_totp_native"
    label = "django_totp_native"
    verbose_name = _("Two-factor authentication (TOTP)")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the system checks)


def __getattr__(name):
    # django-totp's name for the app config. Served lazily rather than bound as a second
    # class name, because Django picks an app's config automatically only when apps.py
    # shows exactly one AppConfig subclass.
    if name == "DjangoTotpConfig":
        return DjangoTotpNativeConfig
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
