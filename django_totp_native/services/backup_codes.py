"""Backup codes: their formats, how they are stored (keyed digests under the device's
sealed key) and the digests a typed code is looked up by. Spending one is a verification
attempt (``verification.verify_static``)."""

from __future__ import annotations

import logging
from typing import Optional

from django.db import router, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_variables

from .. import core, signals
from ..conf import conf
from ..models import BackupCode, Totp
from . import attempts, keys
from .errors import NotEnrolled, SecretUnavailable

logger = logging.getLogger("django_totp_native")

#: Longest input looked at; anything longer cannot be a code and is rejected unread.
MAX_CODE_INPUT = 128
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



def _require_device(user, *, confirmed: Optional[bool] = None) -> Totp:
    device = None
    if user is not None and getattr(user, "pk", None) is not None:
        device = Totp.objects.filter(user_id=user.pk).first()
    if device is None:
        raise NotEnrolled()
    if confirmed is True and not device.is_confirmed:
        raise NotEnrolled(_("TOTP is not enabled for this user."))
    return device


@sensitive_variables("codes")
def store_codes(user, codes: list[str]) -> list[str]:
    """Replace the user's backup codes with the given plaintext codes (stored as digests).

    Like django-totp, storing backup codes enables TOTP: a pending device becomes confirmed.
    Every code must fit a format a device can hold (see could_be_backup_code), else
    ValueError and nothing changes.
    """
    codes = list(codes)
    _require_device(user)  # no user, no device: NotEnrolled before anything is locked
    with transaction.atomic(using=attempts.database()):
        attempts.lock_user(user.pk)
        device = _require_device(user)
        _store_backup_codes(device, codes)
        if not device.is_confirmed:
            now = timezone.now()
            Totp.objects.filter(pk=device.pk, confirmed_at__isnull=True).update(confirmed_at=now)
            device.confirmed_at = now
    return codes


@sensitive_variables("codes")
def rotate_codes(user, codes: Optional[list[str]] = None, *, request=None, sender=None) -> list[str]:
    """Replace every backup code of a confirmed device with a fresh set, atomically;
    sends ``backup_codes_rotated``.

    A pending device is refused (NotEnrolled), unlike django-totp: new codes would turn
    on 2FA for a key nobody has proven to hold. ``codes``: the set to store (default:
    newly generated).
    """
    _require_device(user, confirmed=True)
    with transaction.atomic(using=attempts.database()):
        # One rotation at a time per user, after any disable in flight: exactly the last
        # committed set is stored, never codes of a device deleted meanwhile.
        attempts.lock_user(user.pk)
        device = _require_device(user, confirmed=True)
        codes = _replace_backup_codes(device, codes)
    signals.backup_codes_rotated.send_robust(sender=sender or rotate_codes, request=request, user=user)
    return codes


@sensitive_variables("codes")
def _replace_backup_codes(device, codes: Optional[list[str]] = None, *, fresh: bool = False) -> list[str]:
    if codes is None:
        codes = core.generate_backup_codes(count=conf.MAX_BACKUP_CODES, length=CROCKFORD_CODE_LENGTH)
    codes = list(codes)
    _store_backup_codes(device, codes, fresh=fresh)
    return codes


@sensitive_variables("codes", "code", "candidates", "key", "forms", "digest", "digests", "rows")
def _store_backup_codes(device, codes: list[str], *, fresh: bool = False) -> None:
    """Replace all of the device's codes in one transaction, digested under its own key.

    A device without a key of its own (codes from before there were such keys) gets one
    here: every code it has is replaced, so none is left digested under the old scheme.
    Each code is stored in its own format: a Crockford code (forgiving), else an exact one.
    ``fresh``: the device has no codes yet (a new enrollment), so there is nothing to delete.
    """
    forms = []
    for code in codes:
        candidates = code_forms(code)
        if not candidates:
            raise ValueError(
                "A backup code must be one of this app's codes (12 Crockford base32 symbols, "
                f"grouped with '-') or {EXACT_CODE_MIN} to {EXACT_CODE_MAX} characters of "
                "letters, digits, '-' and '_'."
            )
        forms.append(candidates[0])
    # A fresh set is stored inside the enrollment's attempt, whose transaction it joins
    # (no savepoint: two round trips fewer; an error rolls the whole attempt back anyway).
    with transaction.atomic(using=router.db_for_write(BackupCode), savepoint=not fresh):
        if device.backup_key:  # its own key, opened natively per code
            digests = dict.fromkeys(keys.device_backup_digests(device, form)[0] for form in forms)
        else:
            key = _own_backup_key(device)
            digests = dict.fromkeys(core.backup_code_digest(key, form) for form in forms)
        rows = [BackupCode(totp_id=device.pk, digest=digest) for digest in digests]
        if not fresh:
            BackupCode.objects.filter(totp_id=device.pk).delete()
        BackupCode.objects.bulk_create(rows)


@sensitive_variables("key", "sealed")
def _own_backup_key(device) -> bytes:
    """Give a device from before per-device keys its own; returns the key."""
    key, sealed = keys.new_backup_key()
    if Totp.objects.filter(pk=device.pk, backup_key="").update(backup_key=sealed) == 1:
        if isinstance(device, Totp):
            device.backup_key = sealed
        return key
    # A concurrent call gave it one first: use that one.
    stored = Totp.objects.values_list("backup_key", flat=True).get(pk=device.pk)
    if isinstance(device, Totp):
        device.backup_key = stored
    return keys.device_backup_digest_keys(Totp(pk=device.pk, backup_key=stored))[0]


@sensitive_variables("text")
def could_be_backup_code(text) -> bool:
    """True when ``text`` fits a backup-code format a device can hold.

    Anything else cannot be a backup code of any user, so callers refuse it without
    counting an attempt (and without a database query).
    """
    return bool(code_forms(text))


@sensitive_variables("code")
def code_forms(code) -> list[str]:
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
def digests_for(device, forms: list[str]) -> list[str]:
    """The digests the code's ``forms`` would be stored under for ``device`` (a device row
    or a reserved attempt: anything with ``backup_key`` and ``user_id``)."""
    try:
        # One native call per form opens the device's key: it never becomes a Python object.
        return [digest for form in forms for digest in keys.device_backup_digests(device, form)]
    except core.InvalidToken:
        logger.error(
            "The backup-code key of device id %s (user id %s) cannot be decrypted with any TOTP_ENCRYPTION_KEY.",
            device.pk, device.user_id,
        )
        raise SecretUnavailable() from None


