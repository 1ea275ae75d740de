"""URLs as a project using the contender includes them, plus the no-op control view."""

from django.urls import include, path

from .settings import TOTP_APP
from .views import NoopView

urlpatterns = [
    path("api/", include(f"{TOTP_APP}.urls")),
    path("api/", include(f"{TOTP_APP}.urls.jwt")),
    path("api/bench/noop/", NoopView.as_view(), name="bench-noop"),
]
