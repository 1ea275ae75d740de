"""django-totp's ``backup_code_utils``: backup-code helpers; codes are stored only as keyed digests."""

from django.views.decorators.debug import sensitive_variables
from .backup_code import generate_backup_codes
from ..services import devices

__all__ = ["generate_backup_codes", "rotate_backup_codes", "store_backup_codes", "verify_backup_code"]


@sensitive_variables("codes")
def store_backup_codes(user, codes) -> list:
    """Replace the user's backup codes with these plaintext codes; returns them.

    As in django-totp, a device with backup codes is enabled: storing codes on a pending
    device confirms it. Each code must be one of this app's codes or 10 to 60 characters
    of letters, digits, '-' and '_' (django-totp's ``secrets.token_urlsafe(12)`` codes are
    16); the latter verify exactly as written. ValueError otherwise.
    """
    return devices.store_codes(user, list(codes))


@sensitive_variables("input_code")
def verify_backup_code(user, input_code) -> bool:
    """Consume a backup code: True once per code, False afterwards or when unknown."""
    try:
        return bool(devices.verify_backup(user, input_code))
    except (devices.LockedOut, devices.SecretUnavailable):
        # django-totp answers a boolean: locked out, or a secret no key opens (logged), is "no".
        return False


@sensitive_variables()
def rotate_backup_codes(user) -> list:
    """Replace every backup code of an enabled device with a fresh set and return it
    (shown once). The set comes from ``generate_backup_codes`` at django-totp's path,
    ``django_totp_native.backup_code_utils`` (looked up per call there, because that is
    where django-totp's tests patch it)."""
    from .. import backup_code_utils as public

    return devices.rotate_codes(user, codes=public.generate_backup_codes())
