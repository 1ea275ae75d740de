"""Account recovery by e-mail for users who lost their TOTP device."""

from __future__ import annotations

from django.views.decorators.debug import sensitive_variables
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.utils.encoding import force_bytes, force_str
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode
from django.utils.translation import gettext_lazy as _

from ..models import Totp
from . import devices
from .errors import TotpError

INVALID_LINK = _("The recovery link is invalid or has expired.")
INVALID_CREDENTIALS = _("The provided credentials is invalid.")
MAX_FIELD = 1024


class RecoveryError(TotpError):
    code = "invalid_recovery"


class RecoveryTokenGenerator(PasswordResetTokenGenerator):
    """Like Django's password-reset tokens, but also bound to the TOTP device, so a link
    stops working once it has been used to disable TOTP (or TOTP changed otherwise)."""

    key_salt = "django_totp_native.recovery"

    def _make_hash_value(self, user, timestamp):
        device = Totp.objects.filter(user_id=user.pk).values_list("pk", "confirmed_at").first()
        return f"{super()._make_hash_value(user, timestamp)}|{device}"


recovery_token_generator = RecoveryTokenGenerator()


def encode_uid(pk) -> str:
    return force_str(urlsafe_base64_encode(force_bytes(pk)))


def decode_uid(uid: str) -> str:
    return force_str(urlsafe_base64_decode(uid))


def find_recoverable_user(email):
    """The active user with this e-mail and TOTP enabled, else None (callers answer the same)."""
    if not isinstance(email, str) or not email or len(email) > 254:
        return None
    User = get_user_model()
    email_field = User.get_email_field_name()
    for user in User._default_manager.filter(**{f"{email_field}__iexact": email})[:5]:
        if getattr(user, "is_active", True) and devices.is_enabled(user):
            return user
    return None


@sensitive_variables("token", "password")
def check_link(uid, token, password):
    """The user behind a recovery link, after checking the token and the current password."""
    User = get_user_model()
    if not all(isinstance(v, str) and v and len(v) <= MAX_FIELD and "\x00" not in v for v in (uid, token)):
        raise RecoveryError(INVALID_LINK)
    try:
        pk = User._meta.pk.to_python(decode_uid(uid))
        user = User._default_manager.get(pk=pk)
    except Exception:  # undecodable base64, wrong pk type, unknown user: all the same answer
        raise RecoveryError(INVALID_LINK) from None
    if not recovery_token_generator.check_token(user, token):
        raise RecoveryError(INVALID_LINK)
    if not isinstance(password, str) or not user.check_password(password):
        raise RecoveryError(INVALID_CREDENTIALS)
    return user
