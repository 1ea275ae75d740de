"""Enrollment and management endpoints: include under "api/" for /api/totp/... paths.

A DefaultRouter, as in django-totp: GET on the prefix where this is included answers 200
with DRF's API root. No format-suffix routes (``create.json``): the actions take none.
"""

from django.utils.translation import gettext_lazy as _
from rest_framework.routers import APIRootView, DefaultRouter

from ..views import TotpViewSet


class TotpAPIRootView(APIRootView):
    """The API root: links to the two-factor endpoints."""

    name = _("Two-factor authentication API")


router = DefaultRouter()
router.APIRootView = TotpAPIRootView
router.include_format_suffixes = False
router.register(r"totp", TotpViewSet, basename="totp")

urlpatterns = router.urls
