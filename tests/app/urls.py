"""URLs of the test project: exactly what a django-totp project includes."""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", include("django_totp_native.urls")),
    path("api/", include("django_totp_native.urls.recovery")),
    path("api/", include("django_totp_native.urls.jwt")),
]
