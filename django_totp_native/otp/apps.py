"""Django app configuration for the django-otp devices (label ``otp_native``)."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OtpNativeConfig(AppConfig):
    name = "django_totp_native.otp"
    # Beside django-otp's own otp_totp and otp_static, which a project may keep installed
    # while it moves its devices over.
    label = "otp_native"
    verbose_name = _("django-otp devices (sealed)")
    # django-otp's devices have AutoField keys; persistent ids and imports keep them.
    default_auto_field = "django.db.models.AutoField"

    def ready(self) -> None:
        from ..services import adapters
        from .adapters import OtpStaticAdapter, OtpTotpAdapter

        # Verification, key rotation and the attempt counter reach these devices through
        # the registry, like django-totp's device.
        adapters.register(OtpTotpAdapter())
        adapters.register(OtpStaticAdapter())
