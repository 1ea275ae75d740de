"""The test project's URLs plus the session pages, which some compatibility tests sign in through."""

from django.urls import include, path

from tests.app import urls as project_urls

urlpatterns = [
    *project_urls.urlpatterns,
    path("account/2fa/", include("django_totp_native.urls.session")),
]
