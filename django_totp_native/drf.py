"""What the DRF views (``views.py``) and the JWT views (``jwt_views.py``) share: the error
shape, and answers that no cache keeps (``APIViewMixin``, the first base of every view).

Both import it from here, so neither view module imports the other (``jwt_views`` needs
SimpleJWT, which ``views`` must work without).
"""

from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext
from rest_framework import status
from rest_framework.exceptions import ParseError, PermissionDenied
from rest_framework.response import Response

from .services.errors import LockedOut, SecretUnavailable, TotpError
from .permissions import CredentialRevoked


def _first_message(data):
    if isinstance(data, dict):
        for value in data.values():
            message = _first_message(value)
            if message:
                return message
        return None
    if isinstance(data, (list, tuple)):
        for value in data:
            message = _first_message(value)
            if message:
                return message
        return None
    return str(data) if data else None


class DetailErrorsMixin:
    """Every error answer has a "detail" string (field errors are kept alongside it)."""

    def handle_exception(self, exc):
        if isinstance(exc, RecursionError):
            # The JSON parser recursed out of stack on absurdly nested input.
            exc = ParseError(gettext("JSON parse error - the request body is nested too deeply."))
        if isinstance(exc, LockedOut):
            headers = {}
            if exc.retry_after is not None:
                headers["Retry-After"] = str(int(exc.retry_after) + 1)
            return Response({"detail": str(exc)}, status=status.HTTP_429_TOO_MANY_REQUESTS, headers=headers)
        if isinstance(exc, SecretUnavailable):
            # Not the client's fault and not a wrong code: a lost or wrong server key.
            return Response({"detail": str(exc), "code": exc.code}, status=status.HTTP_503_SERVICE_UNAVAILABLE)
        if isinstance(exc, TotpError):
            return Response({"detail": str(exc)}, status=status.HTTP_400_BAD_REQUEST)
        response = super().handle_exception(exc)
        if response is not None and response.status_code >= 400:
            if isinstance(response.data, dict) and "detail" not in response.data:
                response.data["detail"] = _first_message(response.data) or gettext("Invalid request.")
            elif isinstance(response.data, list):
                response.data = {"detail": _first_message(response.data) or gettext("Invalid request.")}
            if isinstance(exc, (PermissionDenied, CredentialRevoked)) and isinstance(response.data, dict):
                # A stable, machine-readable reason next to the human one.
                codes = exc.get_codes()
                response.data.setdefault("code", codes if isinstance(codes, str) else exc.default_code)
        return response


class NeverCacheMixin:
    """Every answer carries ``Cache-Control: no-store`` (with Django's other never-cache
    headers, as ``never_cache`` gives the session pages), errors and throttled answers too.

    The answers of this app carry a TOTP secret and its QR code, backup codes, JWTs, login
    challenge and enrollment tokens; a browser's disk cache or a shared proxy must not keep
    one. Set on every view rather than on the answers known to hold a secret, so that an
    answer added later cannot be forgotten.
    """

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        add_never_cache_headers(response)
        return response


class APIViewMixin(NeverCacheMixin, DetailErrorsMixin):
    """The first base of every API view of the app: answers never cached, errors with a
    ``detail``."""
