"""Where a user must go before a view that needs the second factor: login, code page or enrollment."""

from __future__ import annotations

from typing import Optional
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponseRedirect
from django.shortcuts import resolve_url
from django.urls import reverse

from ..services import credentials, management, sessions

#: URL namespace of the session pages (django_totp_native/urls/session.py).
NAMESPACE = "django_totp_native"


def is_verified(request) -> bool:
    """True when the signed-in user passed a second factor in this session."""
    return sessions.is_session_verified(request)


def with_next(url: str, next_url: Optional[str], field: str = "next") -> str:
    if not next_url:
        return url
    return f"{url}{'&' if '?' in url else '?'}{urlencode({field: next_url})}"


def enroll_url(next_url: Optional[str] = None) -> str:
    return with_next(reverse(f"{NAMESPACE}:enroll"), next_url)


def verify_url(next_url: Optional[str] = None) -> str:
    return with_next(reverse(f"{NAMESPACE}:verify"), next_url)


def second_factor_redirect(
    request,
    *,
    if_configured: bool = False,
    login_url: Optional[str] = None,
    redirect_field_name: str = "next",
):
    """A redirect response when ``request.user`` may not see a 2FA-protected view, else None.

    - not signed in: the login page (``login_url`` or ``settings.LOGIN_URL``);
    - 2FA on but not verified in this session: the code page;
    - no 2FA: enrollment, unless ``if_configured`` (then the view is allowed), but always
      enrollment when an administrator required 2FA for the user.
    The current path is passed on as ``next``.
    """
    credentials.end_stale_session(request)
    user = request.user
    path = request.get_full_path()
    if not user.is_authenticated:
        return redirect_to_login(path, resolve_url(login_url or settings.LOGIN_URL), redirect_field_name)
    state = management.enforcement_of(user)
    if state.must_enroll:
        return redirect(enroll_url(path))
    if is_verified(request):
        return None
    if state.enabled:
        return redirect(verify_url(path))
    if not if_configured:
        return redirect(enroll_url(path))
    return None


def unverified_second_factor_redirect(request, login_url: Optional[str] = None):
    """A redirect when ``request.user`` is anonymous (login) or has 2FA on without having
    passed it in this session (code page), else None. Users without 2FA pass."""
    credentials.end_stale_session(request)
    user = request.user
    path = request.get_full_path()
    if not user.is_authenticated:
        return redirect_to_login(path, resolve_url(login_url or settings.LOGIN_URL))
    proof = sessions.current_device_proof(user)
    if proof is not None and not sessions.is_session_verified(request, proof):
        return redirect(verify_url(path))
    return None


def redirect(url: str) -> HttpResponseRedirect:
    return HttpResponseRedirect(url)
