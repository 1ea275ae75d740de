"""JWT login endpoints with the TOTP step (include under "api/"; needs the [jwt] extra)."""

from django.urls import path

from ..jwt_views import JWTCreateView, JWTTOTP2FAVerifyView, TokenRefreshView, TokenVerifyView

urlpatterns = [
    path("jwt/create/", JWTCreateView.as_view(), name="jwt-create"),
    path("jwt/totp/verify/", JWTTOTP2FAVerifyView.as_view(), name="jwt-totp-verify"),
    path("jwt/refresh/", TokenRefreshView.as_view(), name="jwt-refresh"),
    path("jwt/verify/", TokenVerifyView.as_view(), name="jwt-verify"),
]
