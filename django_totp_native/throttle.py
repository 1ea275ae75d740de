"""Throttles of this app: DRF throttles for every endpoint (rate TOTP_THROTTLE_RATE, read per
request), the per-account limit of the password step on login pages (with the device
cookie that exempts a browser which signed in before) and of HTTP Basic passwords
checked for this app's API.

Every one of them identifies the client with ``services.throttling.client_address``:
REMOTE_ADDR unless TOTP_NUM_PROXIES trusts proxies, never a client-chosen X-Forwarded-For.
"""

from django.core.exceptions import ValidationError
from django.views.decorators.debug import sensitive_variables
from rest_framework import status
from rest_framework.authentication import BasicAuthentication
from rest_framework.exceptions import APIException
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle

from .compat import face
from .conf import conf
from .services import throttling


class _ClientAddressMixin:
    def get_ident(self, request):
        # DRF's own get_ident believes X-Forwarded-For when NUM_PROXIES is unset.
        return throttling.client_ident(request)


class TotpUserThrottle(_ClientAddressMixin, UserRateThrottle):
    """Per-user (or per-IP when anonymous) limit for TOTP actions."""

    scope = "totp_user"

    def get_rate(self):
        return conf.THROTTLE_RATE


class TotpAnonThrottle(_ClientAddressMixin, AnonRateThrottle):
    """Per-IP limit for anonymous TOTP actions (login second step, recovery)."""

    scope = "totp_anon"

    def get_rate(self):
        return conf.THROTTLE_RATE


def throttle_wait(request):
    """Seconds to wait when the API's throttles refuse this (Django or DRF) request, else None."""
    for throttle_class in (TotpUserThrottle, TotpAnonThrottle):
        throttle = throttle_class()
        if not throttle.allow_request(request, None):
            return throttle.wait() or 0
    return None


class PasswordStepLimitMixin:
    """For ``django.contrib.auth.views.LoginView`` subclasses: the per-account limit of the
    password step (TOTP_LOGIN_FAILURES_PER_ACCOUNT), and with ``address_throttled`` the
    API's per-address throttle too.

    A refused POST never reaches ``authenticate()``: the form shows a non-field error
    (code ``throttled``) and the answer is 429 with Retry-After. The refusal is the same
    whether or not the account exists.
    """

    #: Also apply TotpUserThrottle/TotpAnonThrottle (off where the view does that itself).
    address_throttled = True

    password_attempt = None
    _password_form = None
    _refusal_wait = None

    def get_form(self, form_class=None):
        form = self._password_form = super().get_form(form_class)
        if self.request.method != "POST" or not form.is_bound:
            return form
        wait = throttle_wait(self.request) if self.address_throttled else None
        if wait is None:
            login_name = form.data.get(form.add_prefix("username"), "")
            self.password_attempt = throttling.begin_password_attempt(
                self.request, login_name, device_cookie(self.request, login_name)
            )
            if self.password_attempt.refused:
                wait = self.password_attempt.retry_after
        if wait is not None:
            self._refusal_wait = int(wait) + 1
            message = throttling.TooManyAttempts(retry_after=wait)

            def refuse():
                raise ValidationError(str(message), code="throttled")

            form.clean = refuse  # replaces AuthenticationForm.clean: no password check
        return form

    def post(self, request, *args, **kwargs):
        self.password_attempt = None
        response = super().post(request, *args, **kwargs)
        attempt = self.password_attempt
        # A valid form means the password was right (whatever the view did next, e.g. a
        # code step instead of form_valid's login): it does not count as a failure.
        if attempt is not None and not attempt.refused and self._password_form.is_valid():
            attempt.succeeded()
        return response

    def form_invalid(self, form):
        response = super().form_invalid(form)
        if self._refusal_wait is not None:
            response.status_code = 429
            response["Retry-After"] = str(self._refusal_wait)
        return response


# Device cookies ---------------------------------------------------------------------------


def device_cookie(request, login_name):
    """The device token this browser keeps for ``login_name``, or None."""
    return request.COOKIES.get(throttling.device_cookie_name(login_name))


@sensitive_variables("token")
def remember_device(request, response, user):
    """Give the browser a device cookie for ``user`` on ``response``, the answer of a login
    that just succeeded (with the second factor, for a user who has one): its later password
    steps for this account are limited on their own (TOTP_DEVICE_COOKIE_MAX_AGE)."""
    token = throttling.issue_device_token(user)
    if token is not None:
        response.set_cookie(
            throttling.device_cookie_name(user.get_username()),
            token,
            max_age=conf.DEVICE_COOKIE_MAX_AGE,
            secure=request.is_secure(),
            httponly=True,
            samesite="Lax",
        )
    return response


# HTTP Basic on this app's API ---------------------------------------------------------------


class PasswordGuessesRefused(APIException):
    """429: an HTTP Basic password for a login name over its per-account limit."""

    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    default_code = throttling.TooManyAttempts.code

    def __init__(self, retry_after: int):
        # The same text and Retry-After as a refused login (DRF sends ``wait`` as the header).
        super().__init__(str(throttling.TooManyAttempts(retry_after=retry_after)))
        self.wait = int(retry_after) + 1


def _counted_password_check(check):
    @sensitive_variables("password")
    def authenticate_credentials(userid, password, request=None):
        attempt = throttling.begin_password_attempt(request, userid)
        if attempt.refused:
            raise PasswordGuessesRefused(attempt.retry_after)
        credentials = check(userid, password, request)  # AuthenticationFailed when wrong
        attempt.succeeded()
        return credentials

    return authenticate_credentials


def count_password_authentication(authenticators):
    """``authenticators`` (a DRF view's), with every HTTP Basic one (DRF's
    BasicAuthentication and subclasses) counting the passwords it checks against the
    per-account limit of the login pages (TOTP_LOGIN_FAILURES_PER_ACCOUNT): over it, 429
    with Retry-After and the password is not checked. Without this, a site that enables
    Basic would make this app's endpoints a password oracle without a limit."""
    for authenticator in authenticators:
        if isinstance(authenticator, BasicAuthentication):
            authenticator.authenticate_credentials = _counted_password_check(authenticator.authenticate_credentials)
    return authenticators


# django-totp's TotpThrottle and THROTTLE_RATE stay reachable here; compat.throttle has them.
__getattr__ = face(__name__)
