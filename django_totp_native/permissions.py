"""DRF access rules: a factor is managed only with the factor.

For a user whose 2FA is on, a request may create, confirm, rotate, disable or read
anything of the device only with a credential that was obtained with the second factor:
a session marked verified for the current device, or a JWT issued by this app's second
login step for the current device. A password-only session, HTTP Basic, a token from
another authentication class, or a JWT older than the device gets 403
``totp_second_factor_required``. A session or JWT that a disable, reset or recovery
ended (``services.credentials``) is refused with ``totp_credential_revoked``, also while
2FA is off: it cannot enrol an authenticator. Clients authenticated with DRF's ``force_authenticate``
(test code only: it cannot be reached over HTTP) are trusted as their test says.
"""

from __future__ import annotations

from django.utils.translation import gettext as _, gettext_lazy
from django.views.decorators.debug import sensitive_variables
from rest_framework.authentication import BaseAuthentication, SessionAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed, PermissionDenied
from rest_framework.permissions import BasePermission
from rest_framework.request import ForcedAuthentication

from .services import credentials, enrollment_tokens, sessions


class SecondFactorRequired(PermissionDenied):
    default_detail = gettext_lazy(
        "Two-factor authentication is on for this account: sign in with your second factor "
        "to manage it."
    )
    default_code = "totp_second_factor_required"


class CredentialRevoked(AuthenticationFailed):
    default_detail = gettext_lazy(
        "This sign-in was ended by a change to two-factor authentication on the account: sign in again."
    )
    default_code = "totp_credential_revoked"


class TotpRequiredByAdministrator(PermissionDenied):
    default_detail = gettext_lazy("Your administrator requires two-factor authentication for your account; it cannot be turned off.")
    default_code = "totp_required"


class EnrollmentOnly(PermissionDenied):
    default_detail = gettext_lazy("An enrollment token may only be used to enroll (totp/create/ and totp/confirm/).")
    default_code = "totp_enrollment_only"


class EnrollmentTokenAuthentication(BaseAuthentication):
    """``Authorization: TOTP-Enrollment <token>``: the token /api/jwt/create/ hands a user
    whose administrator requires 2FA and who has none yet. It opens only enrollment."""

    keyword = b"totp-enrollment"

    @sensitive_variables("parts", "token")
    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword:
            return None
        if len(parts) != 2:
            raise AuthenticationFailed(_("Invalid enrollment token header."))
        try:
            token = parts[1].decode("ascii")
        except UnicodeDecodeError:
            raise AuthenticationFailed(_("Invalid enrollment token.")) from None
        user = enrollment_tokens.user_for(token)
        if user is None:
            raise AuthenticationFailed(_("Invalid or expired enrollment token."))
        return user, token

    def authenticate_header(self, request):
        return "TOTP-Enrollment"


def is_enrollment_token(request) -> bool:
    return isinstance(getattr(request, "successful_authenticator", None), EnrollmentTokenAuthentication)


@sensitive_variables("token")
def credential_has_second_factor(request, proof: str) -> bool:
    """Did the request's credential come with the second factor of the device ``proof`` names?"""
    authenticator = getattr(request, "successful_authenticator", None)
    if isinstance(authenticator, ForcedAuthentication):
        return True
    if isinstance(authenticator, SessionAuthentication):
        return sessions.is_session_verified(request._request, proof)
    token = getattr(request, "auth", None)
    claim = _claim(token)
    return isinstance(claim, str) and claim == proof


@sensitive_variables("token")
def _claim(token):
    # SimpleJWT's tokens (AccessToken, and any project token class built on Token) keep
    # their claims in ``payload``; other credentials carry no proof.
    payload = getattr(token, "payload", None)
    return payload.get(sessions.TOKEN_CLAIM) if isinstance(payload, dict) else None


class HasSecondFactor(BasePermission):
    """The rule of the module docstring; an enrollment token opens only enrollment."""

    enrollment_actions = frozenset({"enroll", "confirm"})

    def has_permission(self, request, view):
        user = request.user
        if not (user and user.is_authenticated):
            return False
        if not credentials.request_is_current(request):
            raise CredentialRevoked()
        if is_enrollment_token(request) and getattr(view, "action", None) not in self.enrollment_actions:
            raise EnrollmentOnly()
        proof = sessions.current_device_proof(user)
        if proof is not None and not credential_has_second_factor(request, proof):
            raise SecondFactorRequired()
        return True
