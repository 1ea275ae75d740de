"""The admin with the OTP-protected login as the project's default admin site (opt-in).

In INSTALLED_APPS, ``"django_totp_native.admin_apps.OTPAdminConfig"`` takes the place of
``"django.contrib.admin"``, as django-otp's documentation does for its ``OTPAdminSite``.
This module imports nothing of the app's models, so INSTALLED_APPS can name it.
"""

from django.contrib.admin.apps import AdminConfig


class OTPAdminConfig(AdminConfig):
    """django.contrib.admin whose default site is ``admin_site.OTPAdminSite``; the user
    model registered with Django's stock UserAdmin also gets the 2FA column, filter,
    actions and page (``TOTP_ADMIN_PATCH_USER_ADMIN = False`` leaves it alone)."""

    default_site = "django_totp_native.admin_site.OTPAdminSite"

    def ready(self):
        super().ready()  # autodiscover: every app's admin module has registered its models
        from .conf import conf

        if conf.ADMIN_PATCH_USER_ADMIN:
            from .admin.users import patch_default_user_admin

            patch_default_user_admin()
