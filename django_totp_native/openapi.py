"""OpenAPI description of the API for drf-spectacular (the optional [openapi] extra).

Views decorate themselves with this module's ``extend_schema``: without drf-spectacular
installed it returns the view unchanged, so the app imports and works without the extra.
With it, this module also registers the ``TOTP-Enrollment`` security scheme and the schema
of TOTP codes, and offers ``add_links``, a postprocessing hook that adds the login flow's
OpenAPI links (see the docs, docs/openapi.md).
"""

from __future__ import annotations

from rest_framework import serializers

from .conf import conf
from .serializers import CodeField, StrictCharField

try:
    from drf_spectacular import utils as _spectacular
    from drf_spectacular.extensions import OpenApiAuthenticationExtension, OpenApiSerializerFieldExtension
except ImportError:  # the [openapi] extra is not installed: every decorator is a no-op
    _spectacular = None

__all__ = ["extend_schema", "extend_schema_view", "errors", "login_response", "add_links"]

#: Response header of every 429 during a throttle or backoff wait (absent on a hard lock).
RETRY_AFTER = "Retry-After"
#: Response header of every answer, always with ``no-store`` (drf.NeverCacheMixin).
CACHE_CONTROL = "Cache-Control"


def extend_schema(**kwargs):
    """drf-spectacular's ``extend_schema``, or a no-op without it. Every response
    documents its ``Cache-Control: no-store`` header, and a 429 its ``Retry-After``."""
    if _spectacular is None:
        return _unchanged
    parameters = [*kwargs.get("parameters", ()), _cache_control_header()]
    responses = kwargs.get("responses")
    if isinstance(responses, dict) and 429 in responses:
        parameters.append(_retry_after_header())
    kwargs["parameters"] = parameters
    return _spectacular.extend_schema(**kwargs)


def extend_schema_view(**kwargs):
    """drf-spectacular's ``extend_schema_view``, or a no-op without it."""
    if _spectacular is None:
        return _unchanged
    return _spectacular.extend_schema_view(**kwargs)


def _unchanged(view):
    return view


def _cache_control_header():
    # Required and matched: schemathesis (tools/schemathesis.sh) then checks every answer.
    return _spectacular.OpenApiParameter(
        CACHE_CONTROL,
        type=str,
        location=_spectacular.OpenApiParameter.HEADER,
        response=True,
        required=True,
        pattern=r"(^|,)\s*no-store\s*(,|$)",
        description=(
            "Always contains ``no-store``: answers carry secrets, backup codes and tokens, "
            "and no browser or proxy cache may keep them."
        ),
    )


def _retry_after_header():
    return _spectacular.OpenApiParameter(
        RETRY_AFTER,
        type=int,
        location=_spectacular.OpenApiParameter.HEADER,
        response=[429],
        description="Seconds to wait before trying again (sent while a throttle or a backoff delay lasts).",
    )


# -- Error shapes: {"detail": str, ...} ------------------------------------------------


class ErrorSerializer(serializers.Serializer):
    """Every error answer: a human-readable ``detail``; some carry more keys."""

    detail = serializers.CharField(help_text="What went wrong and what to do, for people.")


class ValidationErrorSerializer(ErrorSerializer):
    """400: a malformed body, a field error (the field's key holds its messages, next to
    ``detail``), or a refused action (wrong code, expired challenge, not enrolled…)."""


class AuthenticationErrorSerializer(ErrorSerializer):
    """401: missing, invalid or expired credentials (SimpleJWT adds ``code`` and ``messages``)."""

    code = serializers.CharField(required=False, help_text="SimpleJWT's reason, e.g. ``token_not_valid``.")


class PermissionErrorSerializer(ErrorSerializer):
    """403: the credential may not do this."""

    code = serializers.CharField(
        help_text=(
            "Stable, machine-readable reason: ``totp_second_factor_required`` (a credential "
            "obtained without the second factor), ``totp_required`` (an administrator requires "
            "2FA), ``totp_enrollment_only`` (an enrollment token outside enrollment), "
            "``permission_denied`` (e.g. a session request without its CSRF token)."
        )
    )


class ThrottledErrorSerializer(ErrorSerializer):
    """429: too many requests from this client, too many failed codes (backoff or lock),
    or too many failed passwords for this login name."""


class NotFoundErrorSerializer(ErrorSerializer):
    """404: recovery by e-mail is turned off on this site (``TOTP_EMAIL_RECOVERY = False``)."""


class UnavailableErrorSerializer(ErrorSerializer):
    """503: the device's secret opens with none of the server's TOTP_ENCRYPTION_KEY keys
    (a lost or wrong key); not a wrong code, and not counted as one."""

    code = serializers.CharField(help_text="``totp_unavailable``.")


class UnsupportedMediaTypeErrorSerializer(ErrorSerializer):
    """415: the body's Content-Type is not one the endpoint parses."""


_ERRORS = {
    400: (ValidationErrorSerializer, "Invalid request or refused action."),
    401: (AuthenticationErrorSerializer, "Not authenticated, or the credential is invalid or expired."),
    403: (PermissionErrorSerializer, "Authenticated, but this credential may not do this."),
    404: (NotFoundErrorSerializer, "Recovery by e-mail is turned off on this site (TOTP_EMAIL_RECOVERY = False)."),
    415: (UnsupportedMediaTypeErrorSerializer, "Unsupported Content-Type."),
    429: (ThrottledErrorSerializer, "Too many attempts; see Retry-After."),
    503: (UnavailableErrorSerializer, "The account's stored secret cannot be opened with the server's keys."),
}


def errors(*status_codes: int) -> dict:
    """The error responses for these status codes (``{}`` without drf-spectacular)."""
    if _spectacular is None:
        return {}
    return {
        code: _spectacular.OpenApiResponse(response=_ERRORS[code][0], description=_ERRORS[code][1])
        for code in status_codes
    }


# -- Success shapes built by the views as plain dicts --------------------------------


class TrueField(serializers.BooleanField):
    """A boolean that is always ``true`` in this response shape."""


class FalseField(serializers.BooleanField):
    """A boolean that is always ``false`` in this response shape."""


#: What a login's answer says of its ``device_token``.
DEVICE_TOKEN_HELP = (
    "A device token for this account (absent while TOTP_DEVICE_COOKIE_MAX_AGE is None): keep it "
    "and send it as device_token with this account's next logins to /api/jwt/create/; their "
    "failed passwords then count against this client's own limit, not the account's. Replaces "
    "the one the client had; valid for TOTP_DEVICE_COOKIE_MAX_AGE seconds. Keep it as secret as "
    "a refresh token."
)


class TokenPairSerializer(serializers.Serializer):
    """SimpleJWT tokens, and the device token of the login that issued them."""

    refresh = serializers.CharField()
    access = serializers.CharField()
    device_token = serializers.CharField(required=False, help_text=DEVICE_TOKEN_HELP)


class TotpConfirmResponseSerializer(serializers.Serializer):
    """The backup codes (shown once) and, for a JWT or enrollment-token client, new tokens
    that count as verified."""

    backup_codes = serializers.ListField(child=serializers.CharField())
    refresh = serializers.CharField(required=False, help_text="Only for a JWT or enrollment-token client.")
    access = serializers.CharField(required=False, help_text="Only for a JWT or enrollment-token client.")


class StepUpRequestSerializer(serializers.Serializer):
    """With ``TOTP_REQUIRE_CODE_FOR_CHANGES`` and 2FA on: exactly one of a current TOTP code
    or a backup code. Otherwise the body is ignored."""

    otp_code = CodeField(required=False, max_length=32)
    backup_code = StrictCharField(required=False, max_length=64)


class RecoverySentSerializer(serializers.Serializer):
    """The same answer whether or not the account exists."""

    detail = serializers.CharField()
    details = serializers.CharField(help_text="The same text (django-totp's key).")


#: SimpleJWT's answer to a valid token on /api/jwt/verify/.
EMPTY_OBJECT = {"type": "object", "maxProperties": 0, "description": "An empty object: the token is valid."}


class LoginTokensSerializer(TokenPairSerializer):
    """No 2FA: the tokens at once."""

    is_totp_enabled = FalseField()


class LoginChallengeSerializer(serializers.Serializer):
    """2FA on: a challenge token for /api/jwt/totp/verify/."""

    is_totp_enabled = TrueField()
    totp_challenge_token = serializers.CharField()


class LoginEnrollmentRequiredSerializer(serializers.Serializer):
    """An administrator requires 2FA and there is none yet: a token for enrollment only,
    sent as ``Authorization: TOTP-Enrollment <token>``."""

    is_totp_enabled = FalseField()
    totp_enrollment_required = TrueField()
    totp_enrollment_token = serializers.CharField()
    device_token = serializers.CharField(required=False, help_text=DEVICE_TOKEN_HELP)


def login_response():
    """The three answers of /api/jwt/create/ (``None`` without drf-spectacular)."""
    if _spectacular is None:
        return None
    return _spectacular.PolymorphicProxySerializer(
        component_name="JWTCreateResponse",
        serializers=[LoginTokensSerializer, LoginChallengeSerializer, LoginEnrollmentRequiredSerializer],
        resource_type_field_name=None,
    )


# -- Links between operations (a postprocessing hook) ----------------------------------

def _link(operation_id: str, body_field: str, answer_field: str, when: str) -> dict:
    """One OpenAPI link that carries a field of this answer into the next request's body.

    Swagger UI prints a link as ``Operation `id` `` and ``Parameters {}``: it shows only a
    link's path, query and header parameters, never its ``requestBody``. So every link
    says in its description which field of this answer goes where.
    """
    return {
        "operationId": operation_id,
        "requestBody": {body_field: f"$response.body#/{answer_field}"},
        "description": f"{when}: send this answer's `{answer_field}` as `{body_field}` in the request body.",
    }


_LINKS = {
    "jwt_create": {
        "VerifyChallenge": _link(
            "jwt_totp_verify", "totp_challenge_token", "totp_challenge_token", "Second step, when 2FA is on"
        ),
        "Refresh": _link("jwt_refresh", "refresh", "refresh", "Refresh the access token, when there is no 2FA"),
        "VerifyAccess": _link("jwt_verify", "token", "access", "Check the access token, when there is no 2FA"),
    },
    "jwt_totp_verify": {
        "Refresh": _link("jwt_refresh", "refresh", "refresh", "Refresh the access token"),
        "VerifyAccess": _link("jwt_verify", "token", "access", "Check the access token"),
    },
    "jwt_refresh": {
        "VerifyAccess": _link("jwt_verify", "token", "access", "Check the new access token"),
    },
}


def add_links(result, generator, request, public):
    """drf-spectacular postprocessing hook: OpenAPI links of the JWT login flow, for
    clients and for stateful testing (schemathesis follows them)."""
    for path_item in result.get("paths", {}).values():
        for operation in path_item.values():
            links = _LINKS.get(operation.get("operationId") if isinstance(operation, dict) else None)
            if not links:
                continue
            response = operation.get("responses", {}).get("200")
            if response is not None:
                response.setdefault("links", {}).update(links)
    return result


# -- Extensions: registered with drf-spectacular when this module is imported ----------

if _spectacular is not None:
    class TrueFieldSchema(OpenApiSerializerFieldExtension):
        # A named component (a $ref): drf-spectacular's enum hook leaves it alone, where
        # inline one-value enums of the same field name would collide.
        target_class = TrueField

        def get_name(self):
            return "AlwaysTrue"

        def map_serializer_field(self, auto_schema, direction):
            return {"type": "boolean", "enum": [True]}

    class FalseFieldSchema(OpenApiSerializerFieldExtension):
        target_class = FalseField

        def get_name(self):
            return "AlwaysFalse"

        def map_serializer_field(self, auto_schema, direction):
            return {"type": "boolean", "enum": [False]}

    class EnrollmentTokenScheme(OpenApiAuthenticationExtension):
        target_class = "django_totp_native.permissions.EnrollmentTokenAuthentication"
        name = "totpEnrollmentToken"

        def get_security_requirement(self, auto_schema):
            # Offered on every TotpViewSet action, accepted by enrollment only (403 elsewhere).
            from .permissions import HasSecondFactor

            if getattr(auto_schema.view, "action", None) in HasSecondFactor.enrollment_actions:
                return {self.name: []}
            return None

        def get_security_definition(self, auto_schema):
            return {
                "type": "apiKey",
                "in": "header",
                "name": "Authorization",
                "description": (
                    'The enrollment token from /api/jwt/create/, with the prefix "TOTP-Enrollment": '
                    "``Authorization: TOTP-Enrollment <token>``. Accepted only by totp/create/ "
                    "and totp/confirm/."
                ),
            }

    class CodeFieldSchema(OpenApiSerializerFieldExtension):
        """A TOTP code: a string of TOTP_DIGITS digits, or the same as a JSON integer
        (read when the schema is generated, so it follows the setting)."""

        target_class = "django_totp_native.serializers.CodeField"

        def map_serializer_field(self, auto_schema, direction):
            digits = conf.DIGITS
            return {
                "oneOf": [
                    {"type": "string", "pattern": f"^[0-9]{{{digits}}}$"},
                    {"type": "integer", "minimum": 10 ** (digits - 1), "maximum": 10**digits - 1},
                ],
                "description": (
                    f"A code of {digits} digits, as a string or as a JSON integer "
                    "(a code with a leading zero only as a string)."
                ),
            }
