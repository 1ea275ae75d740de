from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", include("django_totp_native.urls")),  # /api/totp/...
    path("api/", include("django_totp_native.urls.recovery")),  # /api/totp/recovery/...
    path("api/", include("django_totp_native.urls.jwt")),  # /api/jwt/... (the [jwt] extra)
]
