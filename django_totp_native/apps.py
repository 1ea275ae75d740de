"""Django app configuration for django_totp_native."""

from django.apps import AppConfig


class DjangoTotpNativeConfig(AppConfig):
    name = "django_totp_native"
    label = "django_totp_native"
    verbose_name = "Two-factor authentication (TOTP)"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the system checks)
