"""Recovery endpoints: /totp/recovery/ and /totp/recovery_confirm/ (include under "api/")."""

from rest_framework.routers import SimpleRouter

from ..views import TotpRecoveryViewSet

router = SimpleRouter()
router.register(r"totp", TotpRecoveryViewSet, basename="totp-recovery")

urlpatterns = router.urls
