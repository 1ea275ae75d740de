"""Enrollment and management endpoints: include under "api/" for /api/totp/... paths.

A DefaultRouter, as in django-totp: GET on the prefix where this is included answers 200
with DRF's API root. No format-suffix routes (``create.json``): the actions take none.
"""

from rest_framework.routers import DefaultRouter

from ..views import TotpViewSet

router = DefaultRouter()
router.include_format_suffixes = False
router.register(r"totp", TotpViewSet, basename="totp")

urlpatterns = router.urls
