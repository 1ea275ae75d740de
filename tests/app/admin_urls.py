"""URLconf for the admin login tests: the test project's URLs plus an enrollment page, a
second OTPAdminSite (the other way to opt in) and Django's own site (a project that does not)."""

from django.http import HttpResponse
from django.urls import include, path

from django_totp_native.admin import OTPAdminSite

from . import stock_admin
from .urls import urlpatterns as base_urlpatterns

otp_site = OTPAdminSite(name="otp_admin")


def enroll_stub(request):
    return HttpResponse("enrollment page")


enroll_patterns = ([path("enroll/", enroll_stub, name="enroll")], "django_totp_native")

urlpatterns = [
    *base_urlpatterns,
    path("otp-admin/", otp_site.urls),
    *stock_admin.urlpatterns,
    path("account/2fa/", include(enroll_patterns)),
]
