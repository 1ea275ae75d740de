"""Django's own admin site, as a project that does not opt in to the code step has it.

Mounted at /stock-admin/ by the URLconfs of the tests that need a password-only admin
session (the project's default site in tests/settings.py is the opted-in OTPAdminSite). It
holds what the default site holds: the app's device admins and the user model with the 2FA
column and actions, as a project that added UserTotpAdminMixin to its UserAdmin has it.
"""

from django.contrib import admin
from django.urls import path

stock_site = admin.AdminSite(name="stock_admin")
for _model, _model_admin in admin.site._registry.items():
    stock_site.register(_model, type(_model_admin))

urlpatterns = [path("stock-admin/", stock_site.urls)]
