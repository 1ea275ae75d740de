"""The test project's URLs plus the session pages."""

from django.urls import include, path

from tests.app.urls import urlpatterns as api_and_admin

urlpatterns = api_and_admin + [path("account/2fa/", include("django_totp_native.urls.session"))]
