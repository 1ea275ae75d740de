"""django-totp compatible backup-code helpers; codes are stored only as keyed digests."""

from .services import devices


def store_backup_codes(user, codes) -> list:
    """Replace the user's backup codes with these plaintext codes; returns them."""
    return devices.store_codes(user, list(codes))


def verify_backup_code(user, input_code) -> bool:
    """Consume a backup code: True once per code, False afterwards or when unknown."""
    try:
        return devices.verify_backup(user, input_code)
    except devices.LockedOut:
        return False


def rotate_backup_codes(user) -> list:
    """Replace every backup code with a fresh set and return it (shown once)."""
    return devices.rotate_codes(user)
