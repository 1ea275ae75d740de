"""django-totp's ``backup_code``: backup-code generation (plaintext codes, shown once)."""

from .. import core
from ..conf import conf
from ..services.backup_codes import CROCKFORD_CODE_LENGTH

__all__ = ["generate_backup_codes"]


def generate_backup_codes() -> list:
    """TOTP_MAX_BACKUP_CODES new, distinct codes from the native CSPRNG.

    Unlike django-totp's ``secrets.token_urlsafe(12)`` codes these are Crockford base32
    (``XXXX-XXXX-XXXX``), easy to read aloud and forgiving when typed: case, O/0 and I/L/1
    confusions, spaces and dashes do not matter.
    """
    return list(core.generate_backup_codes(count=conf.MAX_BACKUP_CODES, length=CROCKFORD_CODE_LENGTH))
