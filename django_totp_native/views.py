"""DRF views: enrollment, management and recovery. Thin: every flow lives in services."""

import logging

from django.utils.translation import gettext, gettext_lazy as _
from django.views.decorators.debug import sensitive_variables
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.authentication import SessionAuthentication
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.settings import api_settings

from .compat import face
from .conf import conf
from .drf import APIViewMixin
from .openapi import (
    RecoverySentSerializer,
    StepUpRequestSerializer,
    TotpConfirmResponseSerializer,
    errors,
    extend_schema,
)
from .permissions import EnrollmentTokenAuthentication, HasSecondFactor, TotpRequiredByAdministrator, is_enrollment_token
from .serializers import (
    BackupCodeListSerializer,
    EmptySerializer,
    SecondFactorSerializer,
    TotpConfirmRequestSerializer,
    TotpCreateResponseSerializer,
    TotpRecoveryConfirmSerializer,
    TotpRecoveryRequestSerializer,
)
from .services import devices, management, recovery, sessions, verification
from .services.errors import InvalidCode
from .throttle import TotpAnonThrottle, TotpUserThrottle, count_password_authentication

logger = logging.getLogger("django_totp_native")

RECOVERY_SENT = _("If an account with that email exists and has TOTP enabled, a recovery email has been sent.")
STEP_UP_REQUIRED = _("A current TOTP code (otp_code) or a backup code (backup_code) is required for this change.")


def _body(request) -> dict:
    data = request.data
    return data if hasattr(data, "get") and not isinstance(data, (str, bytes)) else {}


@sensitive_variables("data", "otp_code", "backup_code", "serializer")
def require_step_up(request, user) -> None:
    """With TOTP_REQUIRE_CODE_FOR_CHANGES, a confirmed device needs a fresh code to change."""
    if not conf.REQUIRE_CODE_FOR_CHANGES or not devices.is_enabled(user):
        return
    data = _body(request)
    if not data.get("otp_code") and not data.get("backup_code"):
        raise InvalidCode(STEP_UP_REQUIRED)
    serializer = SecondFactorSerializer(data=data)
    serializer.is_valid(raise_exception=True)
    otp_code, backup_code = serializer.validated_data["otp_code"], serializer.validated_data["backup_code"]
    if not verification.verify_either(
        user, otp_code=otp_code, backup_code=backup_code, reason="step_up", request=request, sender=TotpViewSet
    ):
        raise InvalidCode(gettext("Invalid 2FA code."))


class TotpViewSet(APIViewMixin, viewsets.GenericViewSet):
    """Enrollment and management of the signed-in user's TOTP device."""

    permission_classes = [IsAuthenticated, HasSecondFactor]
    throttle_classes = [TotpUserThrottle, TotpAnonThrottle]

    def get_authenticators(self):
        # The project's authentication classes (read per request, so override_settings
        # applies), plus the enrollment token /api/jwt/create/ gives users who must enroll;
        # an HTTP Basic password counts against the account's limit like a login's.
        return count_password_authentication(
            [EnrollmentTokenAuthentication()] + [cls() for cls in api_settings.DEFAULT_AUTHENTICATION_CLASSES]
        )

    def get_serializer_class(self):
        return {
            "enroll": TotpCreateResponseSerializer,
            "confirm": TotpConfirmRequestSerializer,
            "rotate_backup_codes": BackupCodeListSerializer,
        }.get(self.action, EmptySerializer)

    # "enroll" because GenericViewSet reserves "create"; the URL is still totp/create/.
    @extend_schema(
        operation_id="totp_create",
        summary="Start enrollment: a new pending key (replaces an unconfirmed one)",
        request=None,
        responses={201: TotpCreateResponseSerializer, **errors(400, 401, 403, 429)},
    )
    @sensitive_variables("enrollment", "data")
    @action(detail=False, methods=["post"], url_path="create", url_name="create", name=_("Start two-factor enrollment"))
    def enroll(self, request):
        enrollment = devices.start_enrollment(request.user)
        data = {"svg": enrollment.svg, "otpauth_uri": enrollment.otpauth_uri, "secret": enrollment.secret}
        return Response(self.get_serializer(data).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        operation_id="totp_confirm",
        summary="Confirm enrollment with the first code; answers the backup codes",
        request=TotpConfirmRequestSerializer,
        responses={200: TotpConfirmResponseSerializer, **errors(400, 401, 403, 415, 429, 503)},
    )
    @sensitive_variables("serializer", "confirmed", "data")
    @action(detail=False, methods=["post"], name=_("Confirm two-factor enrollment"))
    def confirm(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        confirmed = devices.confirm(
            request.user, serializer.validated_data["input_code"], request=request, sender=self.__class__
        )
        data = dict(self.get_serializer({"backup_codes": confirmed.backup_codes}).data)
        data.update(self._credential_after_confirm(request, confirmed))
        return Response(data, status=status.HTTP_200_OK)

    @staticmethod
    def _credential_after_confirm(request, confirmed) -> dict:
        """The credential in use predates the device, so it does not count as verified for
        it: a session is marked verified (the code was just entered in it); a JWT or
        enrollment-token client gets new tokens that carry the proof."""
        if isinstance(request.successful_authenticator, SessionAuthentication):
            request._request.session.cycle_key()
            sessions.mark_session_verified(request._request, request.user, confirmed.device_proof)
            return {}
        if is_enrollment_token(request) or hasattr(getattr(request, "auth", None), "payload"):
            try:
                from .jwt_tokens import tokens_for
            except ImportError:  # no SimpleJWT: nothing to issue
                return {}
            return tokens_for(
                request.user, second_factor=True, device_proof=confirmed.device_proof,
                generation=confirmed.credential_generation,
            )
        return {}

    @extend_schema(
        operation_id="totp_disable",
        summary="Turn 2FA off",
        request=StepUpRequestSerializer,
        responses={204: None, **errors(400, 401, 403, 415, 429, 503)},
    )
    @action(detail=False, methods=["post"], name=_("Turn off two-factor authentication"))
    def disable(self, request):
        if devices.get_device(request.user) is None:
            raise devices.NotEnrolled()
        if management.is_required(request.user):
            raise TotpRequiredByAdministrator()
        require_step_up(request, request.user)
        devices.disable(request.user, request=request, sender=self.__class__)
        if isinstance(request.successful_authenticator, SessionAuthentication):
            sessions.clear_session_verified(request._request)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        operation_id="totp_rotate_backup_codes",
        summary="Replace the backup codes; answers the new ones",
        request=StepUpRequestSerializer,
        responses={200: BackupCodeListSerializer, **errors(400, 401, 403, 415, 429, 503)},
    )
    @sensitive_variables("codes")
    @action(detail=False, methods=["post"], name=_("Regenerate backup codes"))
    def rotate_backup_codes(self, request):
        device = devices.get_device(request.user)
        if device is None:
            raise devices.NotEnrolled()
        if not device.is_confirmed:
            raise devices.NotEnrolled(gettext("TOTP is not enabled for this user."))
        require_step_up(request, request.user)
        codes = devices.rotate_codes(request.user, request=request, sender=self.__class__)
        return Response(self.get_serializer({"backup_codes": codes}).data, status=status.HTTP_200_OK)


class TotpRecoveryViewSet(APIViewMixin, viewsets.GenericViewSet):
    """Recovery for users who lost their device: an e-mailed link plus the password.

    Mounted always; with TOTP_EMAIL_RECOVERY off each action answers 404, read per
    request (so the schema stays one for both settings, documenting the 404)."""

    permission_classes = [AllowAny]
    throttle_classes = [TotpUserThrottle, TotpAnonThrottle]

    def get_authenticators(self):
        # AllowAny, but DRF still authenticates: an HTTP Basic password is checked here too.
        return count_password_authentication(super().get_authenticators())

    def initial(self, request, *args, **kwargs):
        if not recovery.is_enabled():
            raise NotFound(recovery.RECOVERY_DISABLED)
        super().initial(request, *args, **kwargs)

    def get_serializer_class(self):
        if self.action == "recovery_confirm":
            return TotpRecoveryConfirmSerializer
        return TotpRecoveryRequestSerializer

    @extend_schema(
        operation_id="totp_recovery",
        summary="Ask for a recovery e-mail (the same answer whether or not the account exists)",
        request=TotpRecoveryRequestSerializer,
        responses={200: RecoverySentSerializer, **errors(400, 401, 403, 404, 415, 429)},
    )
    @action(detail=False, methods=["post"], url_path="recovery", name=_("Request a recovery e-mail"))
    def recovery(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        recovery.request_link(request, serializer.validated_data["email"])  # the same answer either way
        return Response({"detail": RECOVERY_SENT, "details": RECOVERY_SENT}, status=status.HTTP_200_OK)

    @extend_schema(
        operation_id="totp_recovery_confirm",
        summary="Use a recovery link with the current password: turns 2FA off",
        request=TotpRecoveryConfirmSerializer,
        responses={204: None, **errors(400, 401, 403, 404, 415, 429)},
    )
    @sensitive_variables("serializer", "data")
    @action(detail=False, methods=["post"], url_path="recovery_confirm", name=_("Use a recovery link"))
    def recovery_confirm(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            recovery.recover(data["uid"], data["token"], data["password"], request=request, sender=self.__class__)
        except recovery.RecoveryError as exc:
            return Response({"detail": str(exc), "message": [str(exc)]}, status=status.HTTP_400_BAD_REQUEST)
        return Response(status=status.HTTP_204_NO_CONTENT)


# django-totp's views.JWTCreateView / JWTTOTP2FAVerifyView stay reachable here, through
# compat.views (they live in jwt_views, which needs SimpleJWT, so this module never imports it).
__getattr__ = face(__name__)
