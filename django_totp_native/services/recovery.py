"""Account recovery by e-mail for users who lost their TOTP device."""

from __future__ import annotations

from django.views.decorators.debug import sensitive_variables
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.utils.encoding import force_bytes, force_str
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode
from django.utils.translation import gettext_lazy as _

import logging

from .. import signals
from ..conf import conf
from ..models import Totp
from . import devices, enrollment, throttling
from .errors import NotEnrolled, TotpError

logger = logging.getLogger("django_totp_native")

INVALID_LINK = _("The recovery link is invalid or has expired.")
# django-totp's wording, kept as it is in the API's answer (its clients may compare it);
# the session page says WrongPassword.page_message instead.
INVALID_CREDENTIALS = _("The provided credentials is invalid.")
RECOVERY_DISABLED = _(
    "Recovery by e-mail is turned off on this site. Ask an administrator to reset your two-factor authentication."
)
MAX_FIELD = 1024


class RecoveryError(TotpError):
    code = "invalid_recovery"


class WrongPassword(RecoveryError):
    """The link is valid but the password is not the account's."""

    #: What a page shows (the API keeps django-totp's INVALID_CREDENTIALS).
    page_message = _("The provided credentials are invalid.")

    def __init__(self, message=INVALID_CREDENTIALS):
        super().__init__(message)


class RecoveryDisabled(RecoveryError):
    """E-mail recovery is turned off (TOTP_EMAIL_RECOVERY = False)."""

    code = "email_recovery_disabled"

    def __init__(self, message=RECOVERY_DISABLED):
        super().__init__(message)


def is_enabled() -> bool:
    """Whether recovery by e-mail is offered (TOTP_EMAIL_RECOVERY): the front ends answer
    404 and hide their links when it is not."""
    return conf.EMAIL_RECOVERY


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


@sensitive_variables("token")
def link_is_valid(uid, token) -> bool:
    """Whether a recovery link can still be used (before the password is asked for): a used,
    expired, altered or unknown link are all just not valid, as ``check_link`` answers them."""
    try:
        _user_of_link(uid, token)
    except RecoveryError:
        return False
    return True


@sensitive_variables("token", "password")
def check_link(uid, token, password):
    """The user behind a recovery link, after checking the token and the current password."""
    user = _user_of_link(uid, token)
    if not isinstance(password, str) or not user.check_password(password):
        raise WrongPassword()
    return user


@sensitive_variables("token")
def _user_of_link(uid, token):
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
    return user


def request_link(request, email) -> None:
    """Send a recovery link to the account with this e-mail, if there is one with 2FA on and
    the per-account and per-address limits allow. The caller answers the same either way,
    so nothing here may reveal the account: a failing mail server is logged, not raised."""
    from ..compat.email import TotpRecoveryEmail

    if not is_enabled():
        return
    user = find_recoverable_user(email)
    if user is None or not throttling.allow_recovery_email(request, user):
        return
    try:
        TotpRecoveryEmail(request=request, context={"user": user}).send([getattr(user, user.get_email_field_name())])
    except Exception:
        logger.exception("Sending the TOTP recovery e-mail to user id %s failed.", user.pk)


@sensitive_variables("token", "password")
def recover(uid, token, password, *, request=None, sender=None):
    """Use a recovery link: with the right current password, 2FA is turned off. Sends
    ``totp_recovery_succeeded`` then ``totp_disabled`` and e-mails the user that 2FA is
    off. Returns the user, or None when 2FA was off already; raises RecoveryError
    (RecoveryDisabled while TOTP_EMAIL_RECOVERY is off, whatever the link)."""
    from ..compat.email import TotpDisabledEmail

    if not is_enabled():
        raise RecoveryDisabled()
    user = check_link(uid, token, password)
    try:
        enrollment.disable(user, notify=False)
    except NotEnrolled:
        return None
    sender = sender or recover
    signals.totp_recovery_succeeded.send_robust(sender=sender, request=request, user=user)
    signals.totp_disabled.send_robust(sender=sender, request=request, user=user)
    try:
        TotpDisabledEmail(request=request, context={"user": user}).send([getattr(user, user.get_email_field_name())])
    except Exception:
        logger.exception("Sending the TOTP-disabled e-mail to user id %s failed.", user.pk)
    return user
