"""Request and response serializers of the API (field names as in django-totp)."""

from django.utils.translation import gettext as _, gettext_lazy
from django.views.decorators.debug import sensitive_variables
from rest_framework import serializers

from .compat import face


class StrictCharField(serializers.CharField):
    """A CharField that accepts only JSON strings (no numbers or booleans coerced to text)."""

    default_error_messages = {"invalid": gettext_lazy("Not a valid string.")}

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class CodeField(StrictCharField):
    """A TOTP code: a JSON string, or a JSON integer as django-totp accepted.

    An integer stands for its decimal digits (``123456`` -> ``"123456"``); a code with a
    leading zero cannot arrive as a number, and a shorter number simply matches nothing.
    Floats, booleans, lists and objects are refused.
    """

    #: Integers longer than this are refused unconverted (no huge int-to-text work).
    MAX_INT_DIGITS = 32

    def to_internal_value(self, data):
        if isinstance(data, int) and not isinstance(data, bool):
            if not 0 <= data < 10**self.MAX_INT_DIGITS:
                self.fail("invalid")
            data = str(data)
        return super().to_internal_value(data)


class EmptySerializer(serializers.Serializer):
    """No input, no output."""


class TotpCreateResponseSerializer(serializers.Serializer):
    """Enrollment: the QR code, plus the key URI and secret for manual entry."""

    svg = serializers.CharField(read_only=True)
    otpauth_uri = serializers.CharField(read_only=True)
    secret = serializers.CharField(read_only=True)


class BackupCodeListSerializer(serializers.Serializer):
    """Plaintext backup codes, shown once."""

    backup_codes = serializers.ListField(child=serializers.CharField(), read_only=True)


class TotpConfirmRequestSerializer(BackupCodeListSerializer):
    """Confirm enrollment with the first code from the authenticator app."""

    input_code = CodeField(write_only=True, trim_whitespace=True, max_length=32)


class SecondFactorSerializer(serializers.Serializer):
    """Exactly one of a TOTP code or a backup code."""

    otp_code = CodeField(required=False, write_only=True, max_length=32)
    backup_code = StrictCharField(required=False, write_only=True, max_length=64)

    @sensitive_variables("attrs", "otp_code", "backup_code")
    def validate(self, attrs):
        otp_code = (attrs.get("otp_code") or "").strip() or None
        backup_code = (attrs.get("backup_code") or "").strip() or None
        if otp_code and backup_code:
            raise serializers.ValidationError(_("Provide only one of otp_code or backup_code, not both."))
        if not otp_code and not backup_code:
            raise serializers.ValidationError(_("Either otp_code or backup_code is required."))
        attrs["otp_code"], attrs["backup_code"] = otp_code, backup_code
        return attrs


class JWT2FAVerifySerializer(SecondFactorSerializer):
    """Second login step: the challenge token from /jwt/create/ and one code."""

    totp_challenge_token = StrictCharField(write_only=True, max_length=1024)
    access = serializers.CharField(read_only=True)
    refresh = serializers.CharField(read_only=True)


class TotpRecoveryRequestSerializer(serializers.Serializer):
    """Ask for a recovery e-mail."""

    email = serializers.EmailField(write_only=True, max_length=254)


class TotpRecoveryConfirmSerializer(serializers.Serializer):
    """Use the recovery link: uid and token from the link, and the current password."""

    uid = StrictCharField(write_only=True, max_length=1024)
    token = StrictCharField(write_only=True, max_length=1024)
    password = StrictCharField(write_only=True, max_length=4096, trim_whitespace=False)


_login_serializers: dict = {}


def jwt_create_serializer_class(username_field: str):
    """The login serializer for the user model's USERNAME_FIELD (built once per name)."""
    cls = _login_serializers.get(username_field)
    if cls is None:
        attrs = {
            username_field: StrictCharField(write_only=True, max_length=254),
            "password": StrictCharField(write_only=True, max_length=4096, trim_whitespace=False),
            "device_token": StrictCharField(
                write_only=True, required=False, allow_blank=True, allow_null=True, max_length=1024,
                help_text=(
                    "The device_token an earlier successful login of this account answered (optional). "
                    "With it, failed passwords count against this client's own limit instead of the "
                    "account's, so guessing elsewhere does not lock this client out."
                ),
            ),
            "__doc__": "First login step: credentials, and the device token of an earlier login if any.",
        }
        cls = type("JWTCreateSerializer", (serializers.Serializer,), attrs)
        _login_serializers[username_field] = cls
    return cls


# django-totp's JWTCreateSerializer and TotpRecoverySerializer stay reachable here;
# compat.serializers has them.
__getattr__ = face(__name__)
