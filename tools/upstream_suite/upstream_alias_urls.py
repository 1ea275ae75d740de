"""django-totp's test project URLs (api/auth/ prefix), served by django_totp_native."""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/auth/", include("django_totp_native.urls.jwt")),
    path("api/auth/", include("django_totp_native.urls.recovery")),
    path("api/auth/", include("django_totp_native.urls")),
]
