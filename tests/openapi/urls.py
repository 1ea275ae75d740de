"""The test project's URLs plus the schema, served as docs/openapi.md shows."""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView

from tests.app.urls import urlpatterns as app_urlpatterns

urlpatterns = [
    *app_urlpatterns,
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
]
