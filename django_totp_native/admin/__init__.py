"""Admin of django_totp_native: device lists without secrets, per-user 2FA management in the
User admin, and an OTP-protected admin login.

Imported by the admin's autodiscovery, it registers the TOTP device, backup code and
requirement admins (read-only) on the default site, and nothing else: the site and the
User admin stay the project's. The rest is opt-in, as django-otp leaves it to the project:

- the code step: ``OTPAdminSite`` (``"django_totp_native.admin_apps.OTPAdminConfig"``
  in INSTALLED_APPS makes it the default site), or ``OTPAdminSiteMixin`` on a site class;
- the 2FA column, filter, actions and page in the User admin: ``UserTotpAdminMixin`` on
  the project's UserAdmin, or ``patch_default_user_admin()`` for Django's stock one
  (``OTPAdminConfig`` calls it unless ``TOTP_ADMIN_PATCH_USER_ADMIN = False``).
"""

from ..admin_site import OTPAdminSite, OTPAdminSiteMixin
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
    "patch_default_user_admin",
]
