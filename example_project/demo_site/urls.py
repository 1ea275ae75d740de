"""URLs of the example project: every part of django-totp-native."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from django_totp_native.session.views import LoginView

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("protected/", views.protected, name="protected"),
    # Django's login with the 2FA step: password, then the code page, then ``next``.
    path("accounts/login/", LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    # An ordinary account, to try enrollment as a user rather than as the demo superuser.
    path("accounts/signup/", views.signup, name="signup"),
    # Session pages: enrollment, backup codes, regenerate, disable, code page, recovery.
    path("account/2fa/", include("django_totp_native.urls.session")),
    # REST API (/api/totp/...), e-mail recovery and JWT login with the TOTP step.
    path("api/", include("django_totp_native.urls")),
    path("api/", include("django_totp_native.urls.recovery")),
    path("api/", include("django_totp_native.urls.jwt")),
    # The admin, with the code step (OTPAdminConfig in INSTALLED_APPS).
    path("admin/", admin.site.urls),
]
