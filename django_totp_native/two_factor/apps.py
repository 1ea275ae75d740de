"""Django app configuration of the django-two-factor-auth integration."""

from django.apps import AppConfig
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _


class TwoFactorNativeConfig(AppConfig):
    name = "django_totp_native.two_factor"
    # "two_factor" is django-two-factor-auth's own label.
    label = "totp_native_two_factor"
    verbose_name = _("django-two-factor-auth on sealed devices")

    def ready(self) -> None:
        from django.apps import apps

        try:
            import two_factor  # noqa: F401
        except ImportError as error:
            raise ImproperlyConfigured(
                "django_totp_native.two_factor needs django-two-factor-auth: "
                "pip install 'django-totp-native[two-factor]' and list 'two_factor' before it in INSTALLED_APPS."
            ) from error
        for required in ("two_factor", "django_totp_native.otp"):
            if not apps.is_installed(required):
                raise ImproperlyConfigured(
                    f"django_totp_native.two_factor needs {required!r} in INSTALLED_APPS "
                    "(see README, 'Using with django-two-factor-auth')."
                )
        from . import takeover

        takeover.install()
