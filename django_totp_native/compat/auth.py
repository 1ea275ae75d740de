"""django-totp's ``auth``: helpers for the two-step login flow (challenge tokens)."""

from django.views.decorators.debug import sensitive_variables
from django.contrib.auth import get_user_model
from django.core.signing import BadSignature, SignatureExpired

from .. import core
from ..conf import conf
from ..services import challenges, devices
from . import lazy_names

__all__ = ["is_totp_enabled", "generate_challenge_token", "verify_challenge_token", "get_user_from_challenge_token"]


def is_totp_enabled(user) -> bool:
    """True when the user has confirmed a TOTP device."""
    return devices.is_enabled(user)


@sensitive_variables()
def generate_challenge_token(user) -> str:
    """A short-lived, signed, single-use token naming the user, for the second login step."""
    return challenges.issue(user)


@sensitive_variables("token")
def verify_challenge_token(token: str):
    """The user id in a valid challenge token; SignatureExpired or BadSignature otherwise.

    This only checks the token: it is burned when a login completes with it.
    """
    try:
        challenge = challenges.read(token)
    except core.ExpiredToken:
        raise SignatureExpired("TOTP token has expired.") from None
    except core.InvalidToken:
        raise BadSignature("Invalid or tampered TOTP token.") from None
    if challenges.is_used(challenge):
        raise BadSignature("Invalid or tampered TOTP token.")
    return get_user_model()._meta.pk.to_python(challenge.subject)


@sensitive_variables("token")
def get_user_from_challenge_token(token: str):
    """The user named by a valid challenge token (User.DoesNotExist when gone)."""
    User = get_user_model()
    try:
        return User._default_manager.get(pk=verify_challenge_token(token))
    except User.DoesNotExist:
        raise User.DoesNotExist("User not found.") from None


#: django-totp's module constants, read on every access (override_settings applies).
LAZY_NAMES = {
    "TOKEN_SALT": lambda: conf.TOKEN_SALT,
    "TOKEN_MAX_AGE": lambda: conf.TOKEN_MAX_AGE,
    # As in django-totp: the user model class, not the settings string.
    "AUTH_USER_MODEL": get_user_model,
}
__getattr__ = lazy_names(__name__, LAZY_NAMES)
