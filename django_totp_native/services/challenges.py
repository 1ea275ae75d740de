"""Login challenge tokens: signed by the core, short-lived, purpose-bound and single-use."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone as dt_timezone
from typing import Optional

from django.views.decorators.debug import sensitive_variables
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.utils import timezone

from .. import core
from ..conf import conf
from ..models import UsedChallenge
from . import devices, keys
from .errors import InvalidChallenge, InvalidCode, NotEnrolled

PURPOSE = "totp_verification"
#: Longest token looked at; real tokens are far shorter.
MAX_TOKEN_LENGTH = 1024


@dataclass(frozen=True)
class Challenge:
    subject: str
    issued_at: int
    nonce: str


@sensitive_variables()
def issue(user) -> str:
    """A challenge token for a user who passed the password step."""
    return core.sign_challenge(keys.challenge_key(), str(user.pk), PURPOSE)


@sensitive_variables("token")
def read(token) -> Challenge:
    """Verify signature, purpose and age. Raises core.ExpiredToken or core.InvalidToken."""
    if not isinstance(token, str) or not token or len(token) > MAX_TOKEN_LENGTH or "\x00" in token:
        raise core.InvalidToken("malformed challenge token")
    subject, issued_at, nonce = core.verify_challenge(keys.challenge_key(), token, PURPOSE, conf.TOKEN_MAX_AGE)
    return Challenge(subject=subject, issued_at=int(issued_at), nonce=nonce)


def user_for(challenge: Challenge):
    """The user named by a verified challenge; User.DoesNotExist when gone."""
    User = get_user_model()
    try:
        pk = User._meta.pk.to_python(challenge.subject)
    except ValidationError:
        raise User.DoesNotExist("User not found.") from None
    return User._default_manager.get(pk=pk)


def is_used(challenge: Challenge) -> bool:
    return UsedChallenge.objects.filter(nonce=challenge.nonce).exists()


def _burn(challenge: Challenge, user) -> None:
    expires = datetime.fromtimestamp(challenge.issued_at, tz=dt_timezone.utc) + timedelta(
        seconds=conf.TOKEN_MAX_AGE + 60
    )
    UsedChallenge.objects.filter(expires_at__lt=timezone.now()).delete()
    UsedChallenge.objects.create(nonce=challenge.nonce, user=user, expires_at=expires)


@sensitive_variables("token", "otp_code", "backup_code", "challenge")
def complete_login(token, *, otp_code: Optional[str] = None, backup_code: Optional[str] = None):
    """Second login step: a valid challenge plus a code; returns the user.

    The token's nonce is burned in the same transaction that consumes the code, so a
    token logs in at most once and a failed code does not burn it. Raises
    InvalidChallenge, InvalidCode, NotEnrolled or LockedOut.
    """
    try:
        challenge = read(token)
        user = user_for(challenge)
    except (core.InvalidToken, get_user_model().DoesNotExist):
        raise InvalidChallenge() from None
    if not getattr(user, "is_active", True):
        raise InvalidChallenge()
    if not devices.is_enabled(user):
        raise NotEnrolled("TOTP is not enabled for this user.")
    if is_used(challenge):
        raise InvalidChallenge()

    def burn(_device) -> None:
        _burn(challenge, user)

    try:
        if otp_code is not None:
            ok = devices.verify_totp(user, otp_code, on_success=burn)
        else:
            ok = devices.verify_backup(user, backup_code, on_success=burn)
    except IntegrityError:
        raise InvalidChallenge() from None
    if not ok:
        raise InvalidCode("Invalid 2FA code.")
    return user
