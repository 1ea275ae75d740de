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
        from django.contrib.auth.signals import user_logged_in

        from . import checks  # noqa: F401  (registers the system checks)
        from .services import credentials

        # Every session records the credential generation it was signed in under.
        user_logged_in.connect(credentials.on_user_logged_in, dispatch_uid="django_totp_native.credentials")


# django-totp's name DjangoTotpConfig stays reachable here, its path; compat.apps serves it
# (lazily: Django picks an app's config automatically only when apps.py shows exactly one
# AppConfig subclass).
__getattr__ = face(__name__)
