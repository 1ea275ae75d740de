"""Enrollment and management endpoints: include under "api/" for /api/totp/... paths."""

from rest_framework.routers import SimpleRouter

from ..views import TotpViewSet

router = SimpleRouter()
router.register(r"totp", TotpViewSet, basename="totp")

urlpatterns = router.urls
