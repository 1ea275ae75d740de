"""OTPMiddleware: ``request.user.is_verified()`` and "administrator required 2FA" enforcement."""

from __future__ import annotations

import functools

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ImproperlyConfigured
from django.utils.functional import SimpleLazyObject

from ..services import credentials, management
from . import access


class OTPMiddleware:
    """Adds ``is_verified()`` to ``request.user`` and sends users who must enroll to enrollment.

    Put it after ``AuthenticationMiddleware``. A session that a disable, an administrator's
    reset or an e-mail recovery ended since its login (``services.credentials``) is
    signed out: ``request.user`` is anonymous. ``request.user.is_verified()`` is True when
    the user passed a second factor (TOTP code or backup code) in this session, as in
    django-otp; it is False for anonymous users and for users without 2FA.

    A signed-in user for whom an administrator required 2FA and who has no confirmed
    device is redirected to the enrollment page (with ``next``) from every page except
    the 2FA pages themselves, logout, this app's API and static/media files.
    """

    #: URL names (in any namespace) that a user who must enroll may still open.
    exempt_url_names = frozenset({"logout"})
    #: URL-name prefixes of this app's DRF API (router and JWT), which answer in JSON.
    exempt_url_name_prefixes = ("totp-", "jwt-")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not hasattr(request, "user"):
            raise ImproperlyConfigured(
                "OTPMiddleware needs request.user: put it after "
                "django.contrib.auth.middleware.AuthenticationMiddleware in MIDDLEWARE."
            )
        user = request.user
        request.user = SimpleLazyObject(functools.partial(self._with_is_verified, request, user))
        return self.get_response(request)

    @staticmethod
    def _with_is_verified(request, user):
        # Resolving the lazy user here (not at import or __call__ time) keeps anonymous
        # requests and requests that never look at request.user free of queries.
        if getattr(user, "is_authenticated", False) and not credentials.session_is_current(request, user):
            request.session.flush()
            user = AnonymousUser()
        user.is_verified = functools.partial(access.is_verified, request)
        return user

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not request.user.is_authenticated or self._is_exempt(request, view_func):
            return None
        if not management.enforcement_of(request.user).must_enroll:
            return None
        return access.redirect(access.enroll_url(request.get_full_path()))

    def _is_exempt(self, request, view_func) -> bool:
        if getattr(view_func, "otp_exempt", False):
            return True
        match = request.resolver_match
        if match is not None:
            if access.NAMESPACE in match.namespaces:
                return True
            name = match.url_name or ""
            if name in self.exempt_url_names or name.startswith(self.exempt_url_name_prefixes):
                return True
        path = request.path_info
        for prefix_setting in ("STATIC_URL", "MEDIA_URL"):
            prefix = getattr(settings, prefix_setting, None)
            if prefix and prefix.startswith("/") and prefix != "/" and path.startswith(prefix):
                return True
        return False


def otp_exempt(view):
    """Let users who must enroll still open this view (e.g. a help or terms page)."""

    view.otp_exempt = True
    return view
