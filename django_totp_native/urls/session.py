"""Session pages (server-rendered 2FA): include with a prefix, e.g. ``path("account/2fa/", include(...))``.

The namespace is ``django_totp_native``: ``reverse("django_totp_native:enroll")``.
"""

from django.urls import path

from ..session import views

app_name = "django_totp_native"

urlpatterns = [
    path("", views.manage, name="manage"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("verify/", views.VerifyView.as_view(), name="verify"),
    path("verify/cancel/", views.cancel_login, name="cancel_login"),
    path("enroll/", views.EnrollView.as_view(), name="enroll"),
    path("enroll/qr.png", views.enroll_qr_png, name="enroll_qr_png"),
    path("enroll/restart/", views.enroll_restart, name="enroll_restart"),
    path("enroll/confirm/", views.confirm, name="confirm"),
    path("backup-codes/", views.backup_codes, name="backup_codes"),
    path("backup-codes/done/", views.backup_codes_done, name="backup_codes_done"),
    path("backup-codes/regenerate/", views.RegenerateView.as_view(), name="regenerate"),
    path("disable/", views.DisableView.as_view(), name="disable"),
    path("recovery/", views.RecoveryView.as_view(), name="recovery"),
    path("recovery/<str:uid>/<str:token>/", views.RecoveryConfirmView.as_view(), name="recovery_confirm"),
]
