"""Key material derived from settings: the Fernet used for secrets, digest and signing keys."""

import hmac
import hashlib
import threading

from django.core.exceptions import ImproperlyConfigured
from django.conf import settings as django_settings

from .. import core
from ..conf import conf

_cache_lock = threading.Lock()
_fernet_cache: dict = {}


def _as_bytes(key) -> bytes:
    if isinstance(key, bytes):
        return key
    if isinstance(key, str):
        return key.encode("ascii", "strict")
    raise TypeError("a Fernet key must be str or bytes")


def encryption_keys() -> list[bytes]:
    """The configured Fernet keys, first one encrypting; ImproperlyConfigured when unusable."""
    keys = conf.ENCRYPTION_KEYS
    if not keys:
        raise ImproperlyConfigured("TOTP_ENCRYPTION_KEY must be set to a valid Fernet key.")
    try:
        return [_as_bytes(k) for k in keys]
    except (TypeError, UnicodeEncodeError):
        raise ImproperlyConfigured("TOTP_ENCRYPTION_KEY must be a valid Fernet key.") from None


def fernet():
    """A MultiFernet over every configured key (cached per key tuple; keys come from settings)."""
    keys = tuple(encryption_keys())
    cached = _fernet_cache.get(keys)
    if cached is not None:
        return cached
    try:
        instance = core.MultiFernet([core.Fernet(k) for k in keys])
    except (ValueError, TypeError, core.NativeError):
        raise ImproperlyConfigured("TOTP_ENCRYPTION_KEY must be a valid Fernet key.") from None
    with _cache_lock:
        if len(_fernet_cache) > 8:
            _fernet_cache.clear()
        _fernet_cache[keys] = instance
    return instance


def _derive(label: bytes, key: bytes) -> bytes:
    return hmac.new(key, b"django_totp_native/" + label, hashlib.sha256).digest()


def backup_digest_keys() -> list[bytes]:
    """One digest key per Fernet key, so backup codes stay valid while keys are rotated."""
    return [_derive(b"backup-code-digest", k) for k in encryption_keys()]


def challenge_key() -> bytes:
    """Signing key of login challenge tokens: SECRET_KEY separated by TOTP_TOKEN_SALT."""
    secret = _as_bytes(django_settings.SECRET_KEY)
    return _derive(b"challenge/" + conf.TOKEN_SALT.encode("utf-8"), secret)
