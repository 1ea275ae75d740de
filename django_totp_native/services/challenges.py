"""Login challenge tokens: signed by the core, short-lived, purpose-bound and single-use.

Single use without a table of spent nonces: the password step hands out the next number
of a per-user sequence (``Totp.challenge_issued``, carried in the signed token), and the
login that completes with a challenge records its number in ``Totp.challenge_redeemed``
in the same UPDATE that consumes the code. A challenge is spent once its number is at
most ``challenge_redeemed``: using one also spends every older one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_variables

from .. import core
from ..conf import conf
from ..models import Totp
from . import attempts, devices, keys, sessions
from .errors import InvalidChallenge, InvalidCode, NotEnrolled

PURPOSE = "totp_verification"
#: Longest token looked at; real tokens are far shorter.
MAX_TOKEN_LENGTH = 1024


@dataclass(frozen=True)
class Challenge:
    subject: str  # the user's pk as text
    issued_at: int
    nonce: str
    sequence: int = 0


@dataclass(frozen=True)
class Login:
    """A completed second step: the user, and the proof their new credentials carry."""

    user: object
    device_proof: str


@sensitive_variables()
def issue_if_enabled(user) -> Optional[str]:
    """A challenge token when the user has 2FA on (one statement hands out its number), else None."""
    sequence = attempts.next_challenge(user.pk)
    if sequence is None:
        return None
    return core.sign_challenge(keys.challenge_key(), f"{sequence}:{user.pk}", PURPOSE)


@sensitive_variables()
def issue(user) -> str:
    """A challenge token for a user who passed the password step (and has 2FA on: for a
    user without, the token can never complete a login)."""
    token = issue_if_enabled(user)
    return token if token is not None else core.sign_challenge(keys.challenge_key(), f"0:{user.pk}", PURPOSE)


@sensitive_variables("token")
def read(token) -> Challenge:
    """Verify signature, purpose and age. Raises core.ExpiredToken or core.InvalidToken."""
    if not isinstance(token, str) or not token or len(token) > MAX_TOKEN_LENGTH or "\x00" in token:
        raise core.InvalidToken("malformed challenge token")
    subject, issued_at, nonce = core.verify_challenge(keys.challenge_key(), token, PURPOSE, conf.TOKEN_MAX_AGE)
    sequence, _, pk = subject.partition(":")
    if not pk or not sequence.isdigit():
        raise core.InvalidToken("malformed challenge token")
    return Challenge(subject=pk, issued_at=int(issued_at), nonce=nonce, sequence=int(sequence))


def user_for(challenge: Challenge):
    """The user named by a verified challenge; User.DoesNotExist when gone."""
    User = get_user_model()
    try:
        pk = User._meta.pk.to_python(challenge.subject)
    except ValidationError:
        raise User.DoesNotExist("User not found.") from None
    return User._default_manager.get(pk=pk)


def is_used(challenge: Challenge) -> bool:
    """True when the challenge can no longer complete a login (spent, or never issued)."""
    row = Totp.objects.filter(user_id=challenge.subject).values_list("challenge_issued", "challenge_redeemed").first()
    return row is None or not (row[1] < challenge.sequence <= row[0])


@sensitive_variables("token", "otp_code", "backup_code", "challenge")
def complete(token, *, otp_code: Optional[str] = None, backup_code: Optional[str] = None) -> Login:
    """Second login step: a valid challenge plus a code.

    The challenge is spent in the same UPDATE that consumes the code, so a token logs
    in at most once and a failed code does not spend it. A successful step costs three
    SQL statements (the user, the attempt, the consumption) and one commit. Raises
    InvalidChallenge, InvalidCode, NotEnrolled or LockedOut.
    """
    try:
        challenge = read(token)
        user = user_for(challenge)
    except (core.InvalidToken, get_user_model().DoesNotExist):
        raise InvalidChallenge() from None
    if not getattr(user, "is_active", True):
        raise InvalidChallenge()
    if otp_code is not None:
        device = devices.verify_totp(user, otp_code, challenge_sequence=challenge.sequence)
    else:
        device = devices.verify_backup(user, backup_code, challenge_sequence=challenge.sequence)
    if not device:
        raise InvalidCode(_("Invalid 2FA code."))
    return Login(user=user, device_proof=sessions.device_proof(device))


@sensitive_variables("token", "otp_code", "backup_code")
def complete_login(token, *, otp_code: Optional[str] = None, backup_code: Optional[str] = None):
    """``complete`` returning the user only (the django-totp-shaped entry point)."""
    return complete(token, otp_code=otp_code, backup_code=backup_code).user
