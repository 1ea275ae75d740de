"""Admin of django_totp_native: device lists without secrets, per-user 2FA management in the
User admin, and an OTP-protected admin login.

Imported by the admin's autodiscovery. On import it

- registers the TOTP device, backup code and requirement admins (read-only);
- re-registers the user model with ``UserTotpAdminMixin`` when it uses Django's stock
  ``UserAdmin`` (``TOTP_ADMIN_PATCH_USER_ADMIN = False`` turns that off);
- gives the default admin site the code step, active while ``TOTP_ADMIN_REQUIRE_OTP``.
"""

# Make sure django.contrib.auth registered its UserAdmin before we look for it, whatever
# the order of INSTALLED_APPS.
import django.contrib.auth.admin  # noqa: F401

from ..admin_site import OTPAdminSite, OTPAdminSiteMixin, patch_default_site
from ..conf import conf
from .devices import BackupCodeAdmin, BackupCodeInline, TotpAdmin, TotpRequirementAdmin
from .users import TotpStatusFilter, UserTotpAdminMixin, patch_default_user_admin

__all__ = [
    "BackupCodeAdmin",
    "BackupCodeInline",
    "OTPAdminSite",
    "OTPAdminSiteMixin",
    "TotpAdmin",
    "TotpRequirementAdmin",
    "TotpStatusFilter",
    "UserTotpAdminMixin",
    "patch_default_site",
    "patch_default_user_admin",
]

if conf.ADMIN_PATCH_USER_ADMIN:
    patch_default_user_admin()
patch_default_site()
