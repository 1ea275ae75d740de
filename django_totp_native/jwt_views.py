"""JWT login with a TOTP second step (needs djangorestframework-simplejwt: the [jwt] extra)."""

from django.contrib.auth import authenticate, get_user_model
from django.utils.translation import gettext as _, gettext_lazy
from django.views.decorators.debug import sensitive_variables
from rest_framework import status
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework_simplejwt import views as simplejwt_views
from rest_framework_simplejwt.exceptions import InvalidToken
from rest_framework_simplejwt.serializers import TokenRefreshSerializer

from .drf import APIViewMixin
from .jwt_tokens import is_current, tokens_for
from .openapi import EMPTY_OBJECT, TokenPairSerializer, errors, extend_schema, extend_schema_view, login_response
from .serializers import JWT2FAVerifySerializer, jwt_create_serializer_class
from .services import challenges, enrollment_tokens, management
from .services import throttling
from .throttle import TotpAnonThrottle, TotpUserThrottle


@sensitive_variables("token")
def _device_token(user) -> dict:
    """``{"device_token": …}`` for the answer of a login that succeeded (with the second
    factor, for a user who has one); empty while device tokens are off."""
    token = throttling.issue_device_token(user)
    return {} if token is None else {"device_token": token}


class JWTCreateView(APIViewMixin, GenericAPIView):
    """First step: credentials. Tokens at once without TOTP, else a challenge token."""

    name = gettext_lazy("JWT login: password step")

    permission_classes = [AllowAny]
    authentication_classes = []
    throttle_classes = [TotpUserThrottle, TotpAnonThrottle]

    def get_serializer_class(self):
        return jwt_create_serializer_class(get_user_model().USERNAME_FIELD)

    @extend_schema(
        operation_id="jwt_create",
        summary="Login, first step: tokens, a 2FA challenge, or an enrollment token",
        responses={200: login_response(), **errors(400, 401, 415, 429)},
    )
    @sensitive_variables("serializer", "data", "token", "tokens")
    def post(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        username_field = get_user_model().USERNAME_FIELD
        # Per login name, from any address: 429 before the password is checked when over;
        # a client with this account's device token is limited on its own instead.
        attempt = throttling.password_attempt(
            request, serializer.validated_data[username_field], serializer.validated_data.get("device_token")
        )
        user = authenticate(
            request,
            **{username_field: serializer.validated_data[username_field]},
            password=serializer.validated_data["password"],
        )
        if user is None or not getattr(user, "is_active", True):
            return Response({"detail": _("Invalid credentials.")}, status=status.HTTP_401_UNAUTHORIZED)
        attempt.succeeded()
        # For a user with 2FA, one statement both tells so and hands out the challenge.
        token = challenges.issue_if_enabled(user)
        if token is not None:
            return Response({"is_totp_enabled": True, "totp_challenge_token": token}, status=status.HTTP_200_OK)
        state = management.enforcement_of(user)
        if state.must_enroll:
            # An administrator requires 2FA and there is none yet: the password earns only
            # a token that the enrollment endpoints accept (Authorization: TOTP-Enrollment).
            return Response(
                {
                    "is_totp_enabled": False,
                    "totp_enrollment_required": True,
                    "totp_enrollment_token": enrollment_tokens.issue(user),
                    **_device_token(user),
                },
                status=status.HTTP_200_OK,
            )
        challenges.signed_in_without_second_factor(user, request=request, sender=self.__class__)
        tokens = {"is_totp_enabled": False, **tokens_for(user, second_factor=False), **_device_token(user)}
        return Response(tokens, status=status.HTTP_200_OK)


class JWTTOTP2FAVerifyView(APIViewMixin, GenericAPIView):
    """Second step: the challenge token plus otp_code or backup_code; tokens on success."""

    name = gettext_lazy("JWT login: code step")

    permission_classes = [AllowAny]
    authentication_classes = []
    throttle_classes = [TotpUserThrottle, TotpAnonThrottle]
    serializer_class = JWT2FAVerifySerializer

    @extend_schema(
        operation_id="jwt_totp_verify",
        summary="Login, second step: the challenge token and one code",
        responses={200: TokenPairSerializer, **errors(400, 415, 429, 503)},
    )
    @sensitive_variables("serializer", "data", "tokens")
    def post(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        login = challenges.complete(
            data["totp_challenge_token"], otp_code=data["otp_code"], backup_code=data["backup_code"],
            request=request, sender=self.__class__,
        )
        tokens = tokens_for(
            login.user, second_factor=True, device_proof=login.device_proof, generation=login.credential_generation
        )
        return Response({**tokens, **_device_token(login.user)}, status=status.HTTP_200_OK)


@extend_schema_view(
    post=extend_schema(
        operation_id="jwt_refresh",
        summary="New access token from a refresh token (SimpleJWT)",
        responses={200: TokenRefreshSerializer, **errors(400, 401, 415, 429)},
    )
)
class TokenRefreshView(APIViewMixin, simplejwt_views.TokenRefreshView):
    name = gettext_lazy("JWT: refresh the access token")
    throttle_classes = [TotpUserThrottle, TotpAnonThrottle]

    def post(self, request, *args, **kwargs):
        _refuse_revoked(request, "refresh")
        return super().post(request, *args, **kwargs)


@extend_schema_view(
    post=extend_schema(
        operation_id="jwt_verify",
        summary="Check a token (SimpleJWT): an empty object when valid",
        responses={200: EMPTY_OBJECT, **errors(400, 401, 415, 429)},
    )
)
class TokenVerifyView(APIViewMixin, simplejwt_views.TokenVerifyView):
    name = gettext_lazy("JWT: check a token")
    throttle_classes = [TotpUserThrottle, TotpAnonThrottle]

    def post(self, request, *args, **kwargs):
        _refuse_revoked(request, "token")
        return super().post(request, *args, **kwargs)


@sensitive_variables("token")
def _refuse_revoked(request, field: str) -> None:
    """401 for a token that a disable, reset or recovery ended since it was issued
    (``services.credentials``). Anything that is not a valid token is left to SimpleJWT's
    serializer, which answers it as before."""
    from rest_framework_simplejwt.exceptions import TokenError
    from rest_framework_simplejwt.tokens import UntypedToken

    data = request.data
    token = data.get(field) if isinstance(data, dict) else None
    if not isinstance(token, str):
        return
    try:
        payload = UntypedToken(token).payload
    except (TokenError, ValueError):  # ValueError: e.g. text that is not UTF-8 encodable
        return
    if not is_current(payload):
        raise InvalidToken(_("Token has been revoked: two-factor authentication changed since it was issued."))
