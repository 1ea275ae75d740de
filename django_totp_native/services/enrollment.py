"""Enrollment: a pending device with a fresh secret, confirmed by its first code; and
turning 2FA off. Confirming is a verification attempt (``verification.verify_otp``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_variables

from .. import core, signals
from ..conf import conf
from ..models import Totp
from . import attempts, backup_codes, credentials, keys, sessions, verification
from .errors import AlreadyEnrolled, InvalidCode, NotEnrolled


@dataclass(frozen=True)
class Enrollment:
    """What a user needs to add the account to an authenticator app (shown once)."""

    svg: str
    otpauth_uri: str
    secret: str = field(repr=False)
    #: The pending device it belongs to (the session pages show it to one session only).
    device_pk: Optional[int] = None


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
    try:
        with transaction.atomic(using=attempts.database()):
            # Serialised with every other change and attempt of this user: a concurrent
            # start replaces ours (or we replace it), a confirmation in between stops us.
            attempts.lock_user(user.pk)
            if Totp.objects.filter(user_id=user.pk, confirmed_at__isnull=False).exists():
                raise AlreadyEnrolled()
            Totp.objects.filter(user_id=user.pk, confirmed_at__isnull=True).delete()
            device = Totp.objects.create(user=user, secret_key=sealed, backup_key=keys.new_backup_key()[1])
    except IntegrityError:
        # Only a device made without the lock (an import, direct ORM use) gets here.
        raise AlreadyEnrolled(_("Another enrollment for this user is being started; try again.")) from None
    return Enrollment(svg=svg, otpauth_uri=uri, secret=secret, device_pk=device.pk)


@dataclass(frozen=True)
class Confirmed:
    """A confirmed enrollment: the first backup codes (shown once) and the device proof
    that the credentials of the confirming client now carry."""

    backup_codes: list = field(repr=False)
    device_proof: str
    #: The user's credential generation, read by the attempt (what new tokens carry).
    credential_generation: Optional[int] = None


@sensitive_variables("code")
def confirm_enrollment(user, code, *, device_pk: Optional[int] = None, request=None, sender=None) -> list[str]:
    """``confirm`` answering the backup codes only (django-totp's shape)."""
    return confirm(user, code, device_pk=device_pk, request=request, sender=sender).backup_codes


@sensitive_variables("code", "issued")
def confirm(user, code, *, device_pk: Optional[int] = None, request=None, sender=None) -> Confirmed:
    """Confirm a pending device with a valid code; returns the new backup codes (shown once).

    One attempt (see ``verify_totp``) whose consuming UPDATE also sets ``confirmed_at``;
    the backup codes are inserted in the same transaction. ``device_pk``: the pending
    device the caller showed (the session pages); when the user's pending device is
    another one (enrollment restarted elsewhere), NotEnrolled. AlreadyConfirmed when the
    device is confirmed already.
    """
    issued: list[str] = []

    def finish(row) -> None:
        # A pending device holds no codes (a new enrollment is a new row): insert only.
        issued.extend(backup_codes._replace_backup_codes(row, fresh=True))

    verified = verification.verify_otp(
        user, code, on_success=finish, pending=True, device_pk=device_pk,
        reason="confirm", request=request, sender=sender,
    )
    if not verified:
        raise InvalidCode()
    signals.totp_created.send_robust(sender=sender or confirm, request=request, user=user)
    return Confirmed(backup_codes=issued, device_proof=sessions.device_proof(verified),
                     credential_generation=verified.credential_generation)


def disable(user, *, request=None, sender=None, notify: bool = True) -> None:
    """Delete the device and its backup codes; sends ``totp_disabled`` (``notify``: the
    caller sends it, after a signal of its own). NotEnrolled when there was none.

    Every session and JWT of the user issued before ends (``credentials``), except the
    credential of ``request`` when it is the user's own: the client that turned 2FA off
    stays signed in. An administrator's reset (``request`` of another user) and a recovery
    (none) end them all.
    """
    with transaction.atomic(using=attempts.database()):
        # After any attempt or change in flight for the user; raises the credential
        # generation: every credential bound to it (enrollment tokens too) ends here.
        generation = attempts.lock_user(
            user.pk, new_generation=True, survivor=credentials.surviving_family(request, user)
        )
        deleted, _ = Totp.objects.filter(user_id=user.pk).delete()
        if not deleted:
            raise NotEnrolled()  # inside: nothing changed, so no credential ends either
    credentials.keep_changing_session(request, user, generation)
    credentials.revoke_other_credentials(request, user)
    if notify:
        signals.totp_disabled.send_robust(sender=sender or disable, request=request, user=user)
