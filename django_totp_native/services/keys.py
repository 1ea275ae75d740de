"""Key material derived from settings: the Fernet used for secrets, digest and signing keys."""

import hashlib
import hmac
import secrets
import threading

from django.views.decorators.debug import sensitive_variables
from django.core.exceptions import ImproperlyConfigured
from django.conf import settings as django_settings

from .. import core
from ..conf import conf

_cache_lock = threading.Lock()
_fernet_cache: dict = {}


@sensitive_variables("token")
def as_text(token) -> str:
    """A Fernet token or key as ASCII text (the core returns bytes; the database stores text)."""
    if isinstance(token, (bytes, bytearray, memoryview)):
        return bytes(token).decode("ascii")
    return token


@sensitive_variables("key")
def _as_bytes(key) -> bytes:
    if isinstance(key, bytes):
        return key
    if isinstance(key, str):
        return key.encode("ascii", "strict")
    raise TypeError("a Fernet key must be str or bytes")


@sensitive_variables("keys")
def encryption_keys() -> list[bytes]:
    """The configured Fernet keys, first one encrypting; ImproperlyConfigured when unusable."""
    keys = conf.ENCRYPTION_KEYS
    if not keys:
        raise ImproperlyConfigured("TOTP_ENCRYPTION_KEY must be set to a valid Fernet key.")
    try:
        return [_as_bytes(k) for k in keys]
    except (TypeError, UnicodeEncodeError):
        raise ImproperlyConfigured("TOTP_ENCRYPTION_KEY must be a valid Fernet key.") from None


@sensitive_variables("keys")
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


@sensitive_variables("key")
def _derive(label: bytes, key: bytes) -> bytes:
    return hmac.new(key, b"django_totp_native/" + label, hashlib.sha256).digest()


@sensitive_variables()
def legacy_backup_digest_keys() -> list[bytes]:
    """Digest keys of backup codes issued before devices had their own (one per Fernet key).

    Such codes work only while the Fernet key they were made under stays configured; a
    new set of codes moves the device to its own key (``device_backup_digest_keys``).
    """
    return [_derive(b"backup-code-digest", k) for k in encryption_keys()]


#: Bytes of a device's backup-code digest key.
BACKUP_KEY_BYTES = 32


@sensitive_variables("key")
def new_backup_key() -> tuple[bytes, str]:
    """A fresh random digest key for one device's backup codes: (the key, the key sealed
    with the first Fernet key, for ``Totp.backup_key``).

    Sealed rather than derived from TOTP_ENCRYPTION_KEY so that rotating that key only
    re-seals it (``rotate_totp_keys``): the stored digests, and the codes, stay valid.
    """
    key = secrets.token_bytes(BACKUP_KEY_BYTES)
    return key, as_text(fernet().encrypt(key))


@sensitive_variables()
def device_backup_digest_keys(device) -> list[bytes]:
    """The keys that a backup code of ``device`` may be digested under.

    Raises core.InvalidToken when the device's sealed key opens with no configured key.
    """
    if not device.backup_key:
        return legacy_backup_digest_keys()
    return [fernet().decrypt(device.backup_key.encode("ascii"))]


@sensitive_variables("code")
def device_backup_digests(device, code: str) -> list[str]:
    """The digests a backup code of ``device`` may be stored under (the verify path).

    A device's own key is opened and used in one native call: it never becomes a Python
    object. Legacy devices (no key of their own) use the settings-derived keys. Raises
    core.InvalidToken when the sealed key opens with no configured key, ValueError as
    core.normalize_backup_code.
    """
    if not device.backup_key:
        return [core.backup_code_digest(k, code) for k in legacy_backup_digest_keys()]
    return [core.backup_code_digest_sealed(fernet(), device.backup_key, code)]


@sensitive_variables("secret")
def challenge_key() -> bytes:
    """Signing key of login challenge tokens: SECRET_KEY separated by TOTP_TOKEN_SALT."""
    secret = _as_bytes(django_settings.SECRET_KEY)
    return _derive(b"challenge/" + conf.TOKEN_SALT.encode("utf-8"), secret)
