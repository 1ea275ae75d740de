"""What the enrollment page shows for a pending device: QR code (SVG or PNG), key URI, secret.

A pending key is shown to one enrollment only: the browser session that started it may
see it again (a reload, a typo in the code), every other session starts a new one, which
voids the old key. So someone who learnt the password and looked at the enrollment page
cannot plant a key the real user later confirms.
"""

from __future__ import annotations

from typing import Optional

from django.db import transaction
from django.views.decorators.debug import sensitive_variables
from django.utils.translation import gettext as _

from .. import core
from ..models import Totp
from . import attempts, devices, keys
from .errors import AlreadyEnrolled, NotEnrolled


def _pending_device(user) -> Optional[Totp]:
    device = devices.get_device(user)
    if device is not None and device.is_confirmed:
        raise AlreadyEnrolled(_("Two-factor authentication is already turned on for this account."))
    return device


@sensitive_variables("sealed")
def _pending_secret(device: Totp) -> str:
    # Only an unconfirmed device is ever opened here, and only for the session that
    # started it: until the user has confirmed it, its secret is what that session's
    # enrollment page shows anyway.
    sealed = device.secret_key.encode("ascii") if isinstance(device.secret_key, str) else device.secret_key
    return keys.fernet().decrypt(sealed).decode("ascii")


@sensitive_variables("secret", "uri")
def pending_enrollment(user, owned_device_pk: Optional[int] = None) -> devices.Enrollment:
    """The enrollment this session is in the middle of (``owned_device_pk``: the pending
    device it started), else a new one that replaces any other pending device.

    Raises AlreadyEnrolled when the user already has a confirmed device.
    """
    device = _pending_device(user)
    if device is None or owned_device_pk is None or device.pk != owned_device_pk:
        return devices.start_enrollment(user)
    secret = _pending_secret(device)
    uri = devices.provisioning_uri(user, secret)
    return devices.Enrollment(svg=core.qr_svg(uri), otpauth_uri=uri, secret=secret, device_pk=device.pk)


def restart_enrollment(user) -> None:
    """Drop an unconfirmed device (a new secret is made on the next visit)."""
    with transaction.atomic(using=attempts.database()):
        attempts.lock_user(user.pk)
        Totp.objects.filter(user_id=user.pk, confirmed_at__isnull=True).delete()


@sensitive_variables("secret")
def pending_qr_png(user, owned_device_pk: Optional[int], *, scale: int = 8) -> bytes:
    """The QR code of this session's pending enrollment as a PNG image.

    Raises NotEnrolled when this session has no enrollment pending and AlreadyEnrolled
    when the device is confirmed.
    """
    device = _pending_device(user)
    if device is None or owned_device_pk is None or device.pk != owned_device_pk:
        raise NotEnrolled(_("No two-factor enrollment is in progress."))
    secret = _pending_secret(device)
    return core.qr_png(devices.provisioning_uri(user, secret), scale=scale)
