"""django-two-factor-auth's pages (its URLconf, namespace two_factor) for
test_two_factor_plugin.py and test_two_factor_concurrency.py."""

from django.urls import include, path
from two_factor.urls import urlpatterns as two_factor_urls

urlpatterns = [path("", include(two_factor_urls))]
