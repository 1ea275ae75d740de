"""Login challenge tokens: signed by the core, short-lived, purpose-bound and single-use.

Single use without a table of spent nonces: the password step hands out the next number
of a per-user sequence (``SecondFactorState.challenge_issued``, carried in the signed
token), and the login that completes with a challenge records its number in
``SecondFactorState.challenge_redeemed`` in the same write that consumes the code. A challenge is spent once its number is at
most ``challenge_redeemed``: using one also spends every older one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_variables

from .. import core, signals
from ..conf import conf
from . import attempts, keys, sessions, verification
from .errors import InvalidChallenge, InvalidCode, ReplayedCode

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
    #: The user's credential generation, read by the attempt (what new credentials carry).
    credential_generation: Optional[int] = None


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
    return attempts.challenge_is_spent(challenge.subject, challenge.sequence)


@sensitive_variables("token", "otp_code", "backup_code", "challenge")
def complete(token, *, otp_code: Optional[str] = None, backup_code: Optional[str] = None,
             request=None, sender=None) -> Login:
    """Second login step: a valid challenge plus a code.

    The challenge is spent in the same write that consumes the code, so a token logs in
    at most once and a failed code does not spend it. The attempt's first statement also
    reads the (active) user: a successful step costs two SQL statements on PostgreSQL,
    three elsewhere, and one commit. Sends ``totp_login_succeeded`` or
    ``totp_verification_failed``. Raises InvalidChallenge, InvalidCode, NotEnrolled or
    LockedOut.
    """
    try:
        challenge = read(token)
    except core.InvalidToken:
        raise InvalidChallenge() from None
    user_pk = attempts.pk_of(challenge.subject)
    try:
        if otp_code is not None:
            verified = verification.verify_otp(
                user_pk, otp_code, challenge_sequence=challenge.sequence, load_user=True, reason="login",
                request=request, sender=sender, detect_replay=True,
            )
        else:
            verified = verification.verify_static(
                user_pk, backup_code, challenge_sequence=challenge.sequence, load_user=True, reason="login",
                request=request, sender=sender,
            )
    except ReplayedCode:
        raise ReplayedCode(_("Invalid 2FA code.")) from None
    if not verified:
        raise InvalidCode(_("Invalid 2FA code."))
    signals.totp_login_succeeded.send_robust(sender=sender or complete, request=request, user=verified.user)
    return Login(user=verified.user, device_proof=sessions.device_proof(verified),
                 credential_generation=verified.credential_generation)


@sensitive_variables("otp_code", "backup_code")
def complete_signed_in(user, *, otp_code: Optional[str] = None, backup_code: Optional[str] = None,
                       request=None, sender=None) -> Login:
    """The second factor of a user signed in with the password only (a session that has
    not passed it yet): the same attempt as ``complete``, without a challenge. Sends
    ``totp_login_succeeded`` or ``totp_verification_failed``; raises InvalidCode,
    NotEnrolled or LockedOut."""
    try:
        verified = verification.verify_either(
            user, otp_code=otp_code, backup_code=backup_code, reason="login", request=request, sender=sender,
            detect_replay=True,
        )
    except ReplayedCode:
        raise ReplayedCode(_("Invalid 2FA code.")) from None
    if not verified:
        raise InvalidCode(_("Invalid 2FA code."))
    signals.totp_login_succeeded.send_robust(sender=sender or complete_signed_in, request=request, user=user)
    return Login(user=user, device_proof=sessions.device_proof(verified),
                 credential_generation=verified.credential_generation)


def signed_in_without_second_factor(user, *, request=None, sender=None) -> None:
    """A front end signed ``user`` in with the password alone (the user has no 2FA): sends
    ``non_totp_login_succeeded``, once per login, whichever front end it was."""
    signals.non_totp_login_succeeded.send_robust(
        sender=sender or signed_in_without_second_factor, request=request, user=user
    )


@sensitive_variables("token", "otp_code", "backup_code")
def complete_login(token, *, otp_code: Optional[str] = None, backup_code: Optional[str] = None):
    """``complete`` returning the user only (the django-totp-shaped entry point)."""
    return complete(token, otp_code=otp_code, backup_code=backup_code).user
