"""What the Quick start (docs/quickstart-api.md) tells a project to include."""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", include("django_totp_native.urls")),
    path("api/", include("django_totp_native.urls.recovery")),
    path("api/", include("django_totp_native.urls.jwt")),
]
