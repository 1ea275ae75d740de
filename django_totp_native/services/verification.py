"""The one verification service: every code of every kind of device is checked here.

``verify_otp`` and ``verify_static`` run one attempt (``attempts``): the attempt is
counted on the user's state row and the device read by one statement, the code is matched
natively against the sealed secret (or digested natively under the sealed key), and on
success one conditional write consumes it. They answer a ``Verified`` (never a half-filled
model instance) or None for a wrong code. Only a wrong code counts as a failed attempt: an
error while checking or consuming (a database outage, a failing ``on_success``) rolls the
attempt back whole, the count included, and propagates.

Front ends (DRF views, session pages, admin, commands) and integrations (the django-otp
devices, the two-factor-auth method, the allauth adapter) call these, through their
device adapter; none of them counts, verifies or consumes on its own.
"""

from __future__ import annotations

import logging
import time
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from typing import Callable, Optional

from django.db import transaction
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from .. import core, signals
from ..conf import conf
from . import adapters as adapter_registry
from . import attempts, backup_codes, keys
from .adapters import DeviceAdapter, OtpParameters
from .errors import NotEnrolled, ReplayedCode, SecretUnavailable

logger = logging.getLogger("django_totp_native")

#: Longest TOTP input: the native matcher reads at most 64 code points and refuses longer
#: input, so anything longer is no code and must be refused here, before it is counted.
MAX_OTP_INPUT = 64

OTP, STATIC = "otp", "static"


@dataclass(frozen=True)
class Verified:
    """A successful attempt: whose, which device, and what it consumed."""

    user_id: object
    adapter: str
    #: The device's primary key and confirmation time (the device proof is made of them).
    pk: object
    confirmed_at: Optional[datetime]
    #: OTP or STATIC.
    kind: str
    #: The accepted time step (OTP only).
    step: Optional[int] = None
    #: The user, when the attempt loaded it (a login by challenge).
    user: object = field(default=None, repr=False, compare=False)
    #: The user's credential generation as the attempt read it (``credentials``).
    credential_generation: int = field(default=0, compare=False)

    @property
    def is_confirmed(self) -> bool:
        return bool(self.confirmed_at)


#: Runs inside the attempt's transaction after the code was consumed, with the device row
#: as the attempt read it (``attempts.Reserved``); if it raises, nothing is consumed.
OnSuccess = Optional[Callable[["attempts.Reserved"], None]]


# What input can be a code ----------------------------------------------------------------


@sensitive_variables("code", "text")
def otp_text(code, digits: Optional[int] = None) -> Optional[str]:
    """The code an authenticator app shows, as typed (NFKC: full-width digits count; spaces
    anywhere are ignored), or None when the input cannot be a code of ``digits`` digits
    (None: of any length a device may have, 6 to 10). Junk is rejected here, so it
    neither counts nor queries."""
    if not isinstance(code, str) or not code or len(code) > MAX_OTP_INPUT:
        return None
    text = "".join(unicodedata.normalize("NFKC", code).split())
    lengths = range(6, 11) if digits is None else (digits,)
    if len(text) in lengths and text.isascii() and text.isdigit():
        return text
    return None


@sensitive_variables("code")
def could_be_otp(code, digits: Optional[int] = None) -> bool:
    """True when ``code`` has the shape of a TOTP code (see ``otp_text``)."""
    return otp_text(code, digits) is not None


@sensitive_variables("value", "text")
def split_code(value) -> tuple[Optional[str], Optional[str]]:
    """(otp_code, backup_code) from one input field, as every front end reads it.

    TOTP_DIGITS digits (NFKC, spaces ignored) is a TOTP code; anything that could be a
    backup code of some format a device can hold is a backup code; anything else is
    neither, (None, None): refused before it could cost an attempt.
    """
    text = otp_text(value, conf.DIGITS)
    if text is not None:
        return text, None
    if backup_codes.could_be_backup_code(value):
        return None, value
    return None, None


# Verification ----------------------------------------------------------------------------


@sensitive_variables("code")
def verify_otp(
    user,
    code,
    *,
    adapter: Optional[DeviceAdapter] = None,
    device_pk=None,
    on_success: OnSuccess = None,
    challenge_sequence: Optional[int] = None,
    pending: bool = False,
    load_user: bool = False,
    reason: Optional[str] = None,
    request=None,
    sender=None,
    parameters: Optional[OtpParameters] = None,
    for_time: Optional[float] = None,
    success_sets: Optional[Callable[[int], dict]] = None,
    detect_replay: bool = False,
) -> Optional[Verified]:
    """Check a TOTP code once: a ``Verified`` at most once per time step, else None.

    ``user``: the user, or only their primary key with ``load_user`` (a login by
    challenge: the active user is read by the attempt's statement). ``challenge_sequence``:
    the login's challenge must be issued and unspent, and success spends it; the device
    must be confirmed. ``pending``: the device must be pending (the enrollment's first
    code) and success confirms it in the same write. ``device_pk``: the device must be
    this one. ``on_success`` runs inside the attempt's transaction. ``reason``: sent with
    ``totp_verification_failed`` when the code is wrong. ``parameters``: the OTP
    parameters to match with instead of the stored ones (django-otp verifies with the
    device instance's fields); ``for_time``: the time to match at (default now);
    ``success_sets(step)``: further device columns the consuming write sets. Raises
    NotEnrolled, AlreadyConfirmed, InvalidChallenge, or LockedOut while backoff or the
    hard lock applies. ``detect_replay``: a wrong code that is the code of the step this
    device last accepted raises ReplayedCode instead of answering None, after it was
    counted and signalled like any wrong code (a page then says to wait for the next code).
    """
    adapter = adapter or adapter_registry.totp()
    if not could_be_otp(code, adapter.digits_hint()):
        return _failed(None, user, reason, request, sender)
    replayed = False

    @sensitive_variables("code", "step")
    def check(row: attempts.Reserved) -> Optional[Verified]:
        nonlocal replayed
        step = match_step(row, code, parameters=parameters, for_time=for_time)
        if step is None:
            replayed = detect_replay and is_replay(row, code, parameters=parameters, for_time=for_time)
            return None
        confirmed_at = timezone.now() if pending else None
        also_sets = success_sets(step) if success_sets is not None else None
        if not attempts.succeed(row, step=step, challenge_sequence=challenge_sequence, confirmed_at=confirmed_at,
                                also_sets=also_sets):
            return None
        return Verified(row.user_id, adapter.label, row.pk, confirmed_at or row.confirmed_at, OTP, step, row.user,
                        row.credential_generation)

    confirmed = True if challenge_sequence is not None else (False if pending else None)
    verified = _attempt(user, check, on_success, adapter=adapter, confirmed=confirmed, device_pk=device_pk,
                        challenge_sequence=challenge_sequence, load_user=load_user, reason=reason,
                        request=request, sender=sender)
    if verified is None and replayed:
        raise ReplayedCode()
    return verified


@sensitive_variables("code", "forms")
def verify_static(
    user,
    code,
    *,
    adapter: Optional[DeviceAdapter] = None,
    device_pk=None,
    on_success: OnSuccess = None,
    challenge_sequence: Optional[int] = None,
    load_user: bool = False,
    reason: Optional[str] = None,
    request=None,
    sender=None,
) -> Optional[Verified]:
    """Spend a static (backup) code: one conditional write on its digest, inside the same
    kind of attempt as ``verify_otp``; a ``Verified`` at most once per code, else None."""
    adapter = adapter or adapter_registry.totp()
    forms = adapter.code_forms(code)
    if not forms:
        return _failed(None, user, reason, request, sender)

    @sensitive_variables("forms", "digests")
    def check(row: attempts.Reserved) -> Optional[Verified]:
        digests = backup_codes.digests_for(row, forms)
        if not digests or not attempts.spend_code(row, digests, challenge_sequence=challenge_sequence):
            return None
        return Verified(row.user_id, adapter.label, row.pk, row.confirmed_at, STATIC, None, row.user,
                        row.credential_generation)

    confirmed = True if challenge_sequence is not None else None
    return _attempt(user, check, on_success, adapter=adapter, confirmed=confirmed, device_pk=device_pk,
                    challenge_sequence=challenge_sequence, load_user=load_user, reason=reason, request=request,
                    sender=sender)


@sensitive_variables("otp_code", "backup_code")
def verify_either(user, *, otp_code: Optional[str] = None, backup_code: Optional[str] = None,
                  **kwargs) -> Optional[Verified]:
    """The form every front end offers: a TOTP code, or else a backup code (the one that
    was given; with neither, a wrong code). Keywords as ``verify_otp``."""
    if otp_code is not None:
        return verify_otp(user, otp_code, **kwargs)
    kwargs.pop("pending", None)
    kwargs.pop("detect_replay", None)
    return verify_static(user, backup_code, **kwargs)


def _user_pk(user, given_as_pk: bool = False):
    """The primary key of a user object (None when anonymous or not a user), or ``user``
    itself when the caller passed a primary key (a login by challenge, ``load_user``)."""
    if given_as_pk:
        return user
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return getattr(user, "pk", None)


def _attempt(user, check, on_success: OnSuccess, *, adapter, confirmed, device_pk, challenge_sequence, load_user,
             reason, request, sender) -> Optional[Verified]:
    user_pk = _user_pk(user, given_as_pk=load_user)
    if user_pk is None:
        raise NotEnrolled()
    loaded_user = None
    try:
        with transaction.atomic(using=attempts.database()):
            row = attempts.reserve(
                user_pk, confirmed=confirmed, challenge_sequence=challenge_sequence, adapter=adapter,
                device_pk=device_pk, load_user=load_user,
            )
            loaded_user = row.user
            verified = check(row)
            if verified is not None and on_success is not None:
                on_success(row)
    except attempts.Conflict:
        # A concurrent success consumed the same step or code first (only possible where
        # the state lock is missing): rolled back; it counts as the wrong code it now is.
        verified = None
        with transaction.atomic(using=attempts.database()):
            attempts.reserve(user_pk, confirmed=None, adapter=adapter, device_pk=device_pk)
    if verified is None:
        return _failed(loaded_user, user, reason, request, sender)
    return verified


def _failed(loaded_user, user, reason, request, sender) -> None:
    if reason is not None:
        who = loaded_user if loaded_user is not None else (user if hasattr(user, "_meta") else None)
        signals.totp_verification_failed.send_robust(
            sender=sender or verify_otp, request=request, user=who, reason=reason
        )
    return None


@sensitive_variables("code")
def is_replay(row: attempts.Reserved, code: str, *, parameters: Optional[OtpParameters] = None,
              for_time: Optional[float] = None) -> bool:
    """Whether ``code``, which matched no step after the device's replay floor, is the code
    of the floor step itself (the code just used, still within the window). Read-only: the
    floor step can never be accepted again, so saying so gives a guesser nothing."""
    floor = row.replay_floor
    return floor >= 0 and match_step(row, code, parameters=parameters, for_time=for_time,
                                     after_step=floor - 1) == floor


@sensitive_variables("code")
def match_step(row: attempts.Reserved, code: str, *, parameters: Optional[OtpParameters] = None,
               for_time: Optional[float] = None, after_step: Optional[int] = None) -> Optional[int]:
    """The time step ``code`` matches for the reserved device (later than its replay floor,
    or than ``after_step``), natively against the sealed secret, with the device's OTP
    parameters (or the given ones); else None."""
    parameters = parameters or row.adapter.otp_parameters(row.parameters)
    try:
        return core.totp_match_sealed(
            keys.fernet(),
            row.secret,
            code,
            time.time() if for_time is None else for_time,
            period=parameters.period,
            digits=parameters.digits,
            algorithm=parameters.algorithm,
            t0=parameters.effective_t0,
            window=parameters.tolerance,
            after_step=row.replay_floor if after_step is None else after_step,
        )
    except core.InvalidToken:
        logger.error(
            "The TOTP secret of %s device id %s (user id %s) cannot be decrypted with any TOTP_ENCRYPTION_KEY.",
            row.adapter.label, row.pk, row.user_id,
        )
        raise SecretUnavailable() from None


def clear_lockout(user) -> bool:
    """Administrator action: forget failed attempts and lift backoff and hard lock."""
    return attempts.clear_lockout(_user_pk(user))
