"""Enrollment, code verification (replay guard + database lockout) and backup codes."""

from __future__ import annotations

import logging
import time
import unicodedata
from dataclasses import dataclass, field
from typing import Callable, Optional

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_variables

from .. import core
from ..conf import conf
from ..models import BackupCode, Totp
from . import attempts, keys
from .errors import AlreadyConfirmed, AlreadyEnrolled, InvalidChallenge, InvalidCode, LockedOut, NotEnrolled  # noqa: F401 (re-exported)

logger = logging.getLogger("django_totp_native")

#: Longest input looked at; anything longer cannot be a code and is rejected unread.
MAX_CODE_INPUT = 128
#: Longest TOTP input: the native matcher reads at most 64 code points and refuses longer
#: input, so anything longer is no code and must be refused here, before it is counted.
MAX_OTP_INPUT = 64

# Backup-code formats a device can hold. Each is digested under the device's key; the two
# never share a digest input (domain separation), so one cannot stand in for the other.
#
# 1. This project's codes: Crockford base32, CROCKFORD_CODE_LENGTH symbols once normalised
#    (case, O/0, I/L/1, '-' and spaces forgiven), as core.generate_backup_codes makes them.
# 2. Exact codes: EXACT_CODE_MIN..EXACT_CODE_MAX characters of [A-Za-z0-9_-], verified
#    exactly as written (case-sensitive; surrounding whitespace stripped). django-totp's
#    codes (secrets.token_urlsafe(12): 16 such characters) and codes a caller stores with
#    store_backup_codes are of this kind. The minimum is above any TOTP length (6..8
#    digits), so the session pages can tell the two apart.
#: Symbols of a generated backup code (without the '-' grouping).
CROCKFORD_CODE_LENGTH = 12
_CROCKFORD_SYMBOLS = frozenset("0123456789ABCDEFGHJKMNPQRSTVWXYZ")
EXACT_CODE_MIN = 10
#: Hex-encoded behind its prefix, the longest exact code stays within the core's 128-char limit.
EXACT_CODE_MAX = 60
_EXACT_SYMBOLS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")
# normalize_backup_code keeps this prefix and the upper-cased hex as they are, and no
# Crockford code normalises to anything this long, so exact digests are their own domain.
_EXACT_PREFIX = "EXACT"

OnSuccess = Optional[Callable[[Totp], None]]


@dataclass(frozen=True)
class Enrollment:
    """What a user needs to add the account to an authenticator app (shown once)."""

    svg: str
    otpauth_uri: str
    secret: str = field(repr=False)
    #: The pending device it belongs to (the session pages show it to one session only).
    device_pk: Optional[int] = None


# Lookups ----------------------------------------------------------------------------


def get_device(user) -> Optional[Totp]:
    if user is None or not getattr(user, "is_authenticated", False) or user.pk is None:
        return None
    return Totp.objects.filter(user_id=user.pk).first()


def is_enabled(user) -> bool:
    """True when the user has a confirmed TOTP device."""
    if user is None or not getattr(user, "is_authenticated", False) or user.pk is None:
        return False
    return Totp.objects.filter(user_id=user.pk, confirmed_at__isnull=False).exists()


def _require_device(user, *, confirmed: Optional[bool] = None) -> Totp:
    device = get_device(user)
    if device is None:
        raise NotEnrolled()
    if confirmed is True and not device.is_confirmed:
        raise NotEnrolled(_("TOTP is not enabled for this user."))
    return device


# Enrollment -------------------------------------------------------------------------


#: Longest account label put into a key URI, in UTF-8 bytes: every valid username fits a
#: QR code (the core refuses labels over 512 bytes; percent-encoding triples them).
MAX_ACCOUNT_LABEL_BYTES = 96


def account_label(user) -> str:
    """The account part of the authenticator's label: the username, shortened at a
    character boundary (with an ellipsis) when it is too long for a key URI."""
    name = user.get_username() or str(user.pk)
    encoded = name.encode("utf-8")
    if len(encoded) <= MAX_ACCOUNT_LABEL_BYTES:
        return name
    cut = encoded[: MAX_ACCOUNT_LABEL_BYTES - 3].decode("utf-8", "ignore")
    return cut + "\u2026"


@sensitive_variables("secret")
def provisioning_uri(user, secret: str) -> str:
    """The otpauth:// key URI of ``secret`` for the user, with the configured parameters."""
    return core.provisioning_uri(
        secret,
        account_label(user),
        conf.ISSUER,
        algorithm=conf.ALGORITHM,
        digits=conf.DIGITS,
        period=conf.PERIOD,
    )


@sensitive_variables("secret", "sealed", "uri", "svg")
def start_enrollment(user) -> Enrollment:
    """A new pending device with a fresh secret; the caller shows the result once.

    A pending device the user already had is replaced, so its key (which someone else
    may have seen) can never be confirmed. Raises AlreadyEnrolled when the user has a
    confirmed device. Nothing is stored unless the key URI and QR code could be made.
    """
    if Totp.objects.filter(user_id=user.pk, confirmed_at__isnull=False).exists():
        raise AlreadyEnrolled()
    secret = core.random_secret()
    uri = provisioning_uri(user, secret)
    svg = core.qr_svg(uri)
    sealed = keys.as_text(keys.fernet().encrypt(secret.encode("ascii")))
    for _attempt_no in range(2):
        try:
            with transaction.atomic():
                Totp.objects.filter(user_id=user.pk, confirmed_at__isnull=True).delete()
                device = Totp.objects.create(user=user, secret_key=sealed, backup_key=keys.new_backup_key()[1])
        except IntegrityError:
            # A concurrent request stored a device between the delete and the insert: a
            # confirmed one stops us, a pending one is replaced on the second try.
            if Totp.objects.filter(user_id=user.pk, confirmed_at__isnull=False).exists():
                raise AlreadyEnrolled() from None
            continue
        return Enrollment(svg=svg, otpauth_uri=uri, secret=secret, device_pk=device.pk)
    raise AlreadyEnrolled(_("Another enrollment for this user is being started; try again."))


@sensitive_variables("code", "issued")
def confirm_enrollment(user, code, *, device_pk: Optional[int] = None) -> list[str]:
    """Confirm a pending device with a valid code; returns the new backup codes (shown once).

    One attempt (see ``verify_totp``) whose consuming UPDATE also sets ``confirmed_at``;
    the backup codes are inserted in the same transaction. ``device_pk``: the pending
    device the caller showed (the session pages); when the user's pending device is
    another one (enrollment restarted elsewhere), NotEnrolled. AlreadyConfirmed when the
    device is confirmed already.
    """
    issued: list[str] = []

    def finish(dev: Totp) -> None:
        # A pending device holds no codes (a new enrollment is a new row): insert only.
        issued.extend(_replace_backup_codes(dev, fresh=True))

    if not verify_totp(user, code, on_success=finish, pending=True, expected_pk=device_pk):
        raise InvalidCode()
    return issued


def disable(user) -> None:
    """Delete the device and its backup codes."""
    with transaction.atomic():
        deleted, _ = Totp.objects.filter(user_id=user.pk).delete()
    if not deleted:
        raise NotEnrolled()


@sensitive_variables("codes")
def store_codes(user, codes: list[str]) -> list[str]:
    """Replace the user's backup codes with the given plaintext codes (stored as digests).

    Like django-totp, storing backup codes enables TOTP: a pending device becomes confirmed.
    Every code must fit a format a device can hold (see could_be_backup_code), else
    ValueError and nothing changes.
    """
    codes = list(codes)
    device = _require_device(user)
    with transaction.atomic():
        _store_backup_codes(device, codes)
        if not device.is_confirmed:
            now = timezone.now()
            Totp.objects.filter(pk=device.pk, confirmed_at__isnull=True).update(confirmed_at=now)
            device.confirmed_at = now
    return codes


@sensitive_variables("codes")
def rotate_codes(user, codes: Optional[list[str]] = None) -> list[str]:
    """Replace every backup code of a confirmed device with a fresh set, atomically.

    A pending device is refused (NotEnrolled), unlike django-totp: new codes would turn
    on 2FA for a key nobody has proven to hold. ``codes``: the set to store (default:
    newly generated).
    """
    device = _require_device(user, confirmed=True)
    return _replace_backup_codes(device, codes)


@sensitive_variables("codes")
def _replace_backup_codes(device: Totp, codes: Optional[list[str]] = None, *, fresh: bool = False) -> list[str]:
    if codes is None:
        codes = core.generate_backup_codes(count=conf.MAX_BACKUP_CODES, length=CROCKFORD_CODE_LENGTH)
    codes = list(codes)
    _store_backup_codes(device, codes, fresh=fresh)
    return codes


@sensitive_variables("codes", "code", "candidates", "key", "forms", "digest", "digests", "rows")
def _store_backup_codes(device: Totp, codes: list[str], *, fresh: bool = False) -> None:
    """Replace all of the device's codes in one transaction, digested under its own key.

    A device without a key of its own (codes from before there were such keys) gets one
    here: every code it has is replaced, so none is left digested under the old scheme.
    Each code is stored in its own format: a Crockford code (forgiving), else an exact one.
    ``fresh``: the device has no codes yet (a new enrollment), so there is nothing to delete.
    """
    forms = []
    for code in codes:
        candidates = _code_forms(code)
        if not candidates:
            raise ValueError(
                "A backup code must be one of this app's codes (12 Crockford base32 symbols, "
                f"grouped with '-') or {EXACT_CODE_MIN} to {EXACT_CODE_MAX} characters of "
                "letters, digits, '-' and '_'."
            )
        forms.append(candidates[0])
    # A fresh set is stored inside the enrollment's attempt, whose transaction it joins
    # (no savepoint: two round trips fewer; an error rolls the whole attempt back anyway).
    with transaction.atomic(savepoint=not fresh):
        if device.backup_key:  # its own key, opened natively per code
            digests = dict.fromkeys(keys.device_backup_digests(device, form)[0] for form in forms)
        else:
            key = _own_backup_key(device)
            digests = dict.fromkeys(core.backup_code_digest(key, form) for form in forms)
        rows = [BackupCode(totp=device, digest=digest) for digest in digests]
        if not fresh:
            BackupCode.objects.filter(totp=device).delete()
        BackupCode.objects.bulk_create(rows)


@sensitive_variables("key", "sealed")
def _own_backup_key(device: Totp) -> bytes:
    """Give a device from before per-device keys its own; returns the key."""
    key, sealed = keys.new_backup_key()
    if Totp.objects.filter(pk=device.pk, backup_key="").update(backup_key=sealed) == 1:
        device.backup_key = sealed
        return key
    # A concurrent call gave it one first: use that one.
    device.backup_key = Totp.objects.values_list("backup_key", flat=True).get(pk=device.pk)
    return keys.device_backup_digest_keys(device)[0]


# Verification -----------------------------------------------------------------------


@sensitive_variables("code")
def verify_totp(
    user,
    code,
    *,
    on_success: OnSuccess = None,
    challenge_sequence: Optional[int] = None,
    pending: bool = False,
    expected_pk: Optional[int] = None,
):
    """Check a TOTP code once: a true value (the device row) at most once per time step.

    One transaction (``attempts``): the attempt is counted and the device row read and
    locked by one UPDATE, the code is matched natively, and on success one conditional
    UPDATE records the step (``last_used_step < step``) — so of any number of concurrent
    requests with the same code exactly one succeeds. ``on_success`` runs inside the same
    transaction; if it raises, nothing is consumed and the attempt counts as failed. With
    ``challenge_sequence`` (the login's second step) the device must be confirmed and the
    challenge unspent; success spends it. ``pending``: the device must be pending (the
    enrollment's first code), and success confirms it in the same UPDATE; ``expected_pk``:
    the device must be this one. Raises NotEnrolled, AlreadyConfirmed, InvalidChallenge, or
    LockedOut while backoff or the hard lock applies.
    """
    if not _well_formed_otp(code):
        return None

    @sensitive_variables("code", "step")
    def check(row: attempts.Reserved) -> bool:
        step = _match_step(row, code)
        if step is None:
            return False
        confirmed_at = timezone.now() if pending else None
        return attempts.succeed(row, step=step, challenge_sequence=challenge_sequence, confirmed_at=confirmed_at)

    confirmed = True if challenge_sequence is not None else (False if pending else None)
    return _attempt(user, check, on_success, confirmed=confirmed, expected_pk=expected_pk, challenge_sequence=challenge_sequence)


@sensitive_variables("code", "forms")
def verify_backup(
    user,
    code,
    *,
    on_success: OnSuccess = None,
    challenge_sequence: Optional[int] = None,
):
    """Consume a backup code: one conditional UPDATE on its digest (``is_used = false``),
    inside the same kind of attempt as ``verify_totp``."""
    forms = _code_forms(code)
    if not forms:
        return None

    @sensitive_variables("code", "forms", "digests")
    def check(row: attempts.Reserved) -> bool:
        digests = _backup_digests(row, forms)
        if not digests:
            return False
        used = BackupCode.objects.filter(totp_id=row.pk, digest__in=digests, is_used=False).update(
            is_used=True, used_at=timezone.now()
        )
        return used >= 1 and attempts.succeed(row, challenge_sequence=challenge_sequence)

    confirmed = True if challenge_sequence is not None else None
    return _attempt(user, check, on_success, confirmed=confirmed, expected_pk=None, challenge_sequence=challenge_sequence)


def _attempt(
    user,
    check,
    on_success: OnSuccess,
    *,
    confirmed: Optional[bool],
    expected_pk: Optional[int],
    challenge_sequence: Optional[int],
):
    """Run one attempt (see ``attempts``); the reserved row when it succeeded, else None."""
    if user is None or getattr(user, "pk", None) is None:
        raise NotEnrolled()
    try:
        with transaction.atomic():
            row = attempts.reserve(user.pk, confirmed=confirmed, challenge_sequence=challenge_sequence)
            if expected_pk is not None and row.pk != expected_pk:
                raise NotEnrolled(_("This enrollment was replaced by a newer one; scan the new QR code."))
            if not check(row):
                return None  # the counted attempt commits
            if on_success is not None:
                on_success(_as_device(row))
            return row
    except (NotEnrolled, AlreadyConfirmed, LockedOut, InvalidChallenge):
        raise
    except BaseException:
        # The check or on_success failed: everything rolled back, so count it again.
        attempts.count_failure(user.pk)
        raise


def _as_device(row: "attempts.Reserved") -> Totp:
    # Only for on_success callbacks (enrollment): the login path builds no model instance.
    return Totp(
        pk=row.pk,
        user_id=row.user_id,
        secret_key=row.secret_key,
        backup_key=row.backup_key,
        last_used_step=row.last_used_step,
        confirmed_at=row.confirmed_at,
    )


def clear_lockout(user) -> bool:
    """Administrator action: forget failed attempts and lift backoff and hard lock."""
    return bool(Totp.objects.filter(user_id=user.pk).update(failed_attempts=0, next_attempt_at=None))


def is_locked(device: Totp) -> bool:
    return device.failed_attempts >= conf.MAX_FAILURES


@sensitive_variables("code", "text")
def _well_formed_otp(code) -> bool:
    # A string that cannot be a code is rejected without touching the database, so junk
    # input neither consumes attempts nor changes state.
    if not isinstance(code, str) or not code or len(code) > MAX_OTP_INPUT:
        return False
    text = "".join(unicodedata.normalize("NFKC", code).split())
    return len(text) == conf.DIGITS and text.isascii() and text.isdigit()


@sensitive_variables("text")
def could_be_backup_code(text) -> bool:
    """True when ``text`` fits a backup-code format a device can hold.

    Anything else cannot be a backup code of any user, so callers refuse it without
    counting an attempt (and without a database query).
    """
    return bool(_code_forms(text))


@sensitive_variables("code")
def _code_forms(code) -> list[str]:
    """The digest inputs ``code`` could stand for: its Crockford form first, then its exact form."""
    if not isinstance(code, str) or not code or len(code) > MAX_CODE_INPUT or "\x00" in code:
        return []
    forms = [form for form in (crockford_code_form(code), exact_code_form(code)) if form is not None]
    return forms


@sensitive_variables("code", "normalized")
def crockford_code_form(code: str) -> Optional[str]:
    """The digest input of ``code`` as one of this app's codes (normalised), or None."""
    try:
        normalized = core.normalize_backup_code(code)
    except (ValueError, TypeError):
        return None
    if len(normalized) == CROCKFORD_CODE_LENGTH and _CROCKFORD_SYMBOLS.issuperset(normalized):
        return normalized
    return None


@sensitive_variables("code", "text")
def exact_code_form(code) -> Optional[str]:
    """The digest input of ``code`` as an exact (case-sensitive) code: a prefix plus the hex
    of its ASCII, after stripping surrounding whitespace; None when it is not of that format."""
    if not isinstance(code, str):
        return None
    exact = code.strip()
    if not (EXACT_CODE_MIN <= len(exact) <= EXACT_CODE_MAX and _EXACT_SYMBOLS.issuperset(exact)):
        return None
    return _EXACT_PREFIX + exact.encode("ascii").hex().upper()


@sensitive_variables("forms", "digest")
def _backup_digests(device, forms: list[str]) -> list[str]:
    """The digests the code's ``forms`` would be stored under for ``device``."""
    try:
        # One native call per form opens the device's key: it never becomes a Python object.
        return [digest for form in forms for digest in keys.device_backup_digests(device, form)]
    except core.InvalidToken:
        logger.error(
            "The backup-code key of user id %s cannot be decrypted with any TOTP_ENCRYPTION_KEY.",
            device.user_id,
        )
        return []


@sensitive_variables("code")
def _match_step(device, code: str) -> Optional[int]:
    try:
        return core.totp_match_sealed(
            keys.fernet(),
            device.secret_key,
            code,
            time.time(),
            period=conf.PERIOD,
            digits=conf.DIGITS,
            algorithm=conf.ALGORITHM,
            window=conf.TOLERANCE,
            after_step=device.last_used_step,
        )
    except core.InvalidToken:
        logger.error(
            "The TOTP secret of user id %s cannot be decrypted with any TOTP_ENCRYPTION_KEY.",
            device.user_id,
        )
        return None
