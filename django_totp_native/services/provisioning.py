"""What the enrollment page shows for a pending device: QR code (SVG or PNG), key URI, secret."""

from __future__ import annotations

from typing import Optional

from django.db import transaction

from .. import core
from ..conf import conf
from ..models import Totp
from . import devices, keys
from .errors import AlreadyEnrolled, NotEnrolled


def _pending_device(user) -> Optional[Totp]:
    device = devices.get_device(user)
    if device is not None and device.is_confirmed:
        raise AlreadyEnrolled("Two-factor authentication is already turned on for this account.")
    return device


def _uri(user, secret: str) -> str:
    return core.provisioning_uri(
        secret,
        user.get_username(),
        conf.ISSUER,
        algorithm=conf.ALGORITHM,
        digits=conf.DIGITS,
        period=conf.PERIOD,
    )


def _pending_secret(device: Totp) -> str:
    # Only an unconfirmed device is ever opened here: until the user has confirmed it, its
    # secret is what the enrollment page shows anyway (re-rendering after a typo must show
    # the same key the user already scanned).
    sealed = device.secret_key.encode("ascii") if isinstance(device.secret_key, str) else device.secret_key
    return keys.fernet().decrypt(sealed).decode("ascii")


def pending_enrollment(user) -> devices.Enrollment:
    """The enrollment a user is in the middle of, started now when there is none.

    Raises AlreadyEnrolled when the user already has a confirmed device.
    """
    device = _pending_device(user)
    if device is None:
        try:
            return devices.start_enrollment(user)
        except AlreadyEnrolled:
            # A concurrent request (double click) created it first: show that one.
            device = _pending_device(user)
            if device is None:
                raise
    secret = _pending_secret(device)
    uri = _uri(user, secret)
    return devices.Enrollment(svg=core.qr_svg(uri), otpauth_uri=uri, secret=secret)


def restart_enrollment(user) -> None:
    """Drop an unconfirmed device (a new secret is made on the next visit)."""
    with transaction.atomic():
        Totp.objects.filter(user_id=user.pk, confirmed_at__isnull=True).delete()


def pending_qr_png(user, *, scale: int = 8) -> bytes:
    """The QR code of the pending enrollment as a PNG image.

    Raises NotEnrolled when no enrollment is pending and AlreadyEnrolled when confirmed.
    """
    device = _pending_device(user)
    if device is None:
        raise NotEnrolled("No two-factor enrollment is in progress.")
    return core.qr_png(_uri(user, _pending_secret(device)), scale=scale)
