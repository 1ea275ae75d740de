"""JWT login endpoints with the TOTP step (include under "api/"; needs the [jwt] extra)."""

from django.core.exceptions import ImproperlyConfigured
from django.urls import path

try:
    import rest_framework_simplejwt  # noqa: F401
except ImportError as exc:
    # Included without the extra: say what to install, not a bare ModuleNotFoundError from
    # deep inside jwt_views (also what `manage.py check` reports, since it loads the URLconf).
    raise ImproperlyConfigured(
        "django_totp_native.urls.jwt needs djangorestframework-simplejwt: "
        'pip install "django-totp-native[jwt]" (or remove this include).'
    ) from exc

from ..jwt_views import JWTCreateView, JWTTOTP2FAVerifyView, TokenRefreshView, TokenVerifyView

urlpatterns = [
    path("jwt/create/", JWTCreateView.as_view(), name="jwt-create"),
    path("jwt/totp/verify/", JWTTOTP2FAVerifyView.as_view(), name="jwt-totp-verify"),
    path("jwt/refresh/", TokenRefreshView.as_view(), name="jwt-refresh"),
    path("jwt/verify/", TokenVerifyView.as_view(), name="jwt-verify"),
]
