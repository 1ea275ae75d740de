"""Exceptions raised by the services; views map them to HTTP answers."""

from django.utils.translation import gettext_lazy as _, ngettext

from ..conf import conf


class TotpError(ValueError):
    """Base class. A ValueError, like django-totp's errors, with a message safe to show."""

    code = "totp_error"


class NotEnrolled(TotpError):
    code = "not_enrolled"

    def __init__(self, message=_("User does not have an associated TOTP secret.")):
        super().__init__(message)


class AlreadyEnrolled(TotpError):
    code = "already_enrolled"

    def __init__(self, message=_("TOTP already exists for this user.")):
        super().__init__(message)


class AlreadyConfirmed(TotpError):
    code = "already_confirmed"

    def __init__(self, message=_("Backup codes already exist for this user.")):
        super().__init__(message)


class InvalidCode(TotpError):
    code = "invalid_code"

    def __init__(self, message=_("Invalid TOTP code.")):
        super().__init__(message)


class ReplayedCode(InvalidCode):
    """A wrong code that is the one this device's last accepted time step used: counted as a
    wrong code like any other, but a page may tell the user to wait for the next code. The
    message is InvalidCode's, so an API answer does not change."""

    code = "invalid_code"


class LockedOut(TotpError):
    """Too many failed codes: either a backoff delay (retry_after seconds) or a hard lock."""

    code = "locked_out"

    def __init__(self, retry_after=None):
        self.retry_after = retry_after
        if retry_after is None and conf.EMAIL_RECOVERY:
            message = _(
                "Too many failed attempts: two-factor verification is locked. "
                "Ask an administrator to unlock it, or use account recovery."
            )
        elif retry_after is None:
            message = _(
                "Too many failed attempts: two-factor verification is locked. Ask an administrator to unlock it."
            )
        else:
            seconds = int(retry_after) + 1
            message = ngettext(
                "Too many failed attempts. Try again in %(seconds)d second.",
                "Too many failed attempts. Try again in %(seconds)d seconds.",
                seconds,
            ) % {"seconds": seconds}
        super().__init__(message)


class InvalidChallenge(TotpError):
    code = "invalid_challenge"

    def __init__(self, message=_("Invalid or expired challenge token.")):
        super().__init__(message)


class SecretUnavailable(TotpError):
    """The device's sealed secret (or backup-code key) opens with none of the configured
    TOTP_ENCRYPTION_KEY keys: a lost or wrong key, not a wrong code. Never counted as a
    failed attempt; the server log names the device (``totp_status --check-keys`` lists
    every such device)."""

    code = "totp_unavailable"

    def __init__(self, message=_(
        "Two-factor verification is unavailable for this account right now. "
        "Please contact the site's administrator."
    )):
        super().__init__(message)
