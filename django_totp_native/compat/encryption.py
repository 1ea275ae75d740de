"""django-totp's ``encryption``: Fernet helpers (tokens byte-compatible with cryptography.fernet)."""

from django.views.decorators.debug import sensitive_variables
from django.core.exceptions import ImproperlyConfigured

from .. import core
from ..services import keys

__all__ = ["generate_fernet_key", "resolve_fernet_key", "encrypt", "decrypt"]


@sensitive_variables()
def generate_fernet_key() -> str:
    """A new random Fernet key, as text for settings or the environment."""
    return keys.as_text(core.Fernet.generate_key())


@sensitive_variables()
def resolve_fernet_key(default=None) -> bytes:
    """The key that encrypts (the first TOTP_ENCRYPTION_KEY), or ``default``.

    Raises ImproperlyConfigured when neither is a valid Fernet key.
    """
    try:
        key = keys.encryption_keys()[0]
    except ImproperlyConfigured:
        if default is None:
            raise
        key = default if isinstance(default, bytes) else str(default).encode("ascii")
    try:
        core.Fernet(key)
    except (ValueError, TypeError, core.NativeError):
        raise ImproperlyConfigured("TOTP_ENCRYPTION_KEY must be a valid Fernet key.") from None
    return key


@sensitive_variables("value")
def encrypt(value: str) -> str:
    """Encrypt text with the first key; returns the Fernet token as text."""
    return keys.as_text(keys.fernet().encrypt(value.encode("utf-8")))


@sensitive_variables("value")
def decrypt(value: str) -> str:
    """Decrypt a Fernet token made with any configured key (core.InvalidToken otherwise)."""
    data = keys.fernet().decrypt(value.encode("ascii") if isinstance(value, str) else value)
    return data.decode("utf-8") if isinstance(data, bytes) else data
