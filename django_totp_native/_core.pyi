"""
Native TOTP/Fernet/challenge/backup-code/QR core of django-totp-native.
"""
from __future__ import annotations
import typing
__all__: list[str] = ['ExpiredToken', 'Fernet', 'InvalidToken', 'MultiFernet', 'NativeError', 'b32decode', 'b32encode', 'backup_code_digest', 'backup_code_digest_sealed', 'constant_time_equal', 'generate_backup_codes', 'hotp', 'normalize_backup_code', 'provisioning_uri', 'qr_png', 'qr_svg', 'random_bytes', 'random_secret', 'sign_challenge', 'totp', 'totp_match', 'totp_match_sealed', 'verify_challenge']
class NativeError(Exception):
    """
    A failure inside the native core (OpenSSL or libqrencode).
    """
class InvalidToken(NativeError):
    """
    A token that is malformed, tampered with, signed with another key or for another purpose.
    """
class ExpiredToken(InvalidToken):
    """
    A genuine token outside its validity window.
    """
class Fernet:
    """
    Symmetric authenticated encryption, a drop-in for ``cryptography.fernet.Fernet``.
    
    Tokens are byte-compatible with cryptography's (Fernet spec: version 0x80, timestamp,
    random IV, AES-128-CBC with PKCS#7 padding, HMAC-SHA256). Safe to share between threads.
    Raises InvalidToken (ExpiredToken when only the TTL check fails) instead of
    cryptography's InvalidToken.
    """
    @staticmethod
    def generate_key() -> bytes:
        """
        Return a fresh random key (32 bytes from the CSPRNG) as url-safe base64 bytes.
        
        Keep it secret: anyone holding it can read and forge tokens.
        """
    def __init__(self, key: bytes | str, backend: typing.Any = None) -> None:
        """
        Create a Fernet from ``key``: url-safe base64 (bytes or str) of 32 random bytes.
        
        Surrounding whitespace is ignored. Anything else raises ValueError ("Fernet key must be
        32 url-safe base64-encoded bytes."); a non-bytes/str key raises TypeError. ``backend``
        is ignored, as in cryptography.
        """
    def decrypt(self, token: bytes | str, ttl: int | None = None) -> bytes:
        """
        Return the plaintext of ``token`` (bytes or str).
        
        Raises InvalidToken when the token is malformed, tampered with or made with another key.
        Only when ``ttl`` (seconds) is given is its age checked: ExpiredToken when it is older
        than ``ttl`` or stamped more than 60 seconds in the future.
        """
    def decrypt_at_time(self, token: bytes | str, ttl: int, current_time: int) -> bytes:
        """
        decrypt with the age checked against ``current_time`` instead of the clock.
        
        ``ttl`` must not be None (ValueError), as in cryptography.
        """
    def encrypt(self, data: bytes) -> bytes:
        """
        Return the token (url-safe base64 bytes) of ``data`` stamped with the current time.
        
        ``data`` must be bytes; anything else raises TypeError.
        """
    def encrypt_at_time(self, data: bytes, current_time: int) -> bytes:
        """
        Return the token of ``data`` stamped with ``current_time`` (int Unix seconds).
        
        A negative time raises ValueError.
        """
    def extract_timestamp(self, token: bytes | str) -> int:
        """
        Return the timestamp (int Unix seconds) of an authentic ``token``, without a TTL check.
        
        Raises InvalidToken when the token is malformed or its signature does not verify.
        """
class MultiFernet:
    """
    Key rotation, a drop-in for ``cryptography.fernet.MultiFernet``.
    
    Encrypts with the first Fernet and decrypts with any of them, so a new key can be put
    first while tokens made with the old ones stay readable. Safe to share between threads.
    """
    def __init__(self, fernets: typing.Iterable[Fernet]) -> None:
        """
        Create a MultiFernet from an iterable of Fernet instances, the encrypting key first.
        
        An empty iterable raises ValueError; an item that is not a django_totp_native Fernet
        raises TypeError.
        """
    def decrypt(self, msg: bytes | str, ttl: int | None = None) -> bytes:
        """
        Return the plaintext of ``msg`` (bytes or str), trying each key in order.
        
        Raises InvalidToken when no key decrypts it, ExpiredToken when a key authenticates it
        but ``ttl`` is given and the token is outside its window.
        """
    def decrypt_at_time(self, msg: bytes | str, ttl: int, current_time: int) -> bytes:
        """
        decrypt with the age checked against ``current_time`` instead of the clock.
        """
    def encrypt(self, msg: bytes) -> bytes:
        """
        Return the token of ``msg`` (bytes) under the first key, stamped with the current time.
        """
    def encrypt_at_time(self, msg: bytes, current_time: int) -> bytes:
        """
        Return the token of ``msg`` under the first key, stamped with ``current_time``.
        """
    def extract_timestamp(self, msg: bytes | str) -> int:
        """
        Return the timestamp of ``msg`` when any key authenticates it; InvalidToken otherwise.
        """
    def rotate(self, msg: bytes | str) -> bytes:
        """
        Return ``msg`` re-encrypted under the first key, keeping its original timestamp.
        
        No TTL check. Raises InvalidToken when no key decrypts it.
        """
def b32decode(text: bytes | str) -> bytes:
    """
    Return the bytes encoded by base32 ``text``.
    
    Case-insensitive; spaces and '-' are ignored; '=' padding is optional but must be
    correct when present. Anything else raises ValueError.
    """
def b32encode(data: bytes, padding: bool = False) -> str:
    """
    Return the RFC 4648 base32 text of ``data`` (bytes), unpadded unless ``padding``.
    """
def backup_code_digest(key: bytes | str, code: str) -> str:
    """
    Return the hex HMAC-SHA256 under ``key`` of the normalised ``code``.
    
    This is what is stored instead of the code. Raises as normalize_backup_code.
    """
def backup_code_digest_sealed(fernet: Fernet | MultiFernet, sealed_key: bytes | str, code: str) -> str:
    """
    backup_code_digest against a Fernet-sealed digest key, in one native call.
    
    ``fernet`` is a Fernet or MultiFernet; ``sealed_key`` the token of the device's raw
    digest key (``Totp.backup_key``). Equal to ``backup_code_digest(fernet.decrypt(
    sealed_key), code)``, but the key never becomes a Python object and is wiped. ``code``
    is normalised first: input that cannot be a backup code raises ValueError (as
    normalize_backup_code) without the key being opened. Raises InvalidToken when no key
    decrypts ``sealed_key`` or it holds an empty key.
    """
def constant_time_equal(a: bytes | str, b: bytes | str) -> bool:
    """
    Return True iff ``a`` and ``b`` are equal, in time that depends only on their lengths.
    
    Both must be bytes, or both str (compared as UTF-8).
    """
def generate_backup_codes(count: int = 10, length: int = 12, group: int = 4) -> list[str]:
    """
    Return ``count`` distinct random backup codes such as ``"7K3M-Q9XD-2HPA"``.
    
    ``length`` symbols from Crockford's base32 alphabet (no I, L, O, U), grouped by
    ``group`` with '-' (0: no separators). Show them to the user once; store only
    backup_code_digest of each.
    """
def hotp(key: bytes | str, counter: int, digits: int = 6, algorithm: str = 'SHA1') -> str:
    """
    Return the HOTP value (RFC 4226) of ``key`` at ``counter`` as a zero-padded string.
    
    ``key`` is the raw key (bytes) or a base32 secret (str). ``digits`` 6..8, ``algorithm``
    "SHA1", "SHA256" or "SHA512"; anything else raises ValueError.
    """
def normalize_backup_code(code: str) -> str:
    """
    Return the canonical form of a typed backup code.
    
    NFKC, whitespace and '-' dropped, upper-cased, O read as 0 and I/L as 1. Raises
    ValueError when empty, longer than 128 characters, or containing a character that
    cannot be part of a backup code.
    """
def provisioning_uri(secret: str, account: str, issuer: str | None = None, *, algorithm: str = 'SHA1', digits: int = 6, period: int = 30, image: str | None = None) -> str:
    """
    Return the otpauth://totp/ Key URI for an authenticator app.
    
    The issuer is both the label prefix and the ``issuer`` parameter; default-valued
    parameters are omitted. Raises ValueError for an empty account, a ':' in the issuer,
    an invalid base32 secret or bad parameters.
    """
def qr_png(data: str | bytes, *, ecc: str = 'M', border: int = 4, scale: int = 8) -> bytes:
    """
    Return ``data`` as a QR code in a 1-bit greyscale PNG image.
    
    ``data``, ``ecc`` and ``border`` are as for :func:`qr_svg`; each module is ``scale``
    pixels square (1..64), so the image is ``(size + 2 * border) * scale`` pixels wide.
    
    Raises ValueError for empty or too-long data and for a bad ``ecc``, ``border`` or
    ``scale``; TypeError for arguments of the wrong type.
    """
def qr_svg(data: str | bytes, *, ecc: str = 'M', border: int = 4, dark: str = '#000000', light: str = '#ffffff') -> str:
    """
    Return ``data`` as a QR code in a standalone SVG document.
    
    ``data`` (str, encoded as UTF-8, or bytes) is stored byte-exact in 8-bit mode in the
    smallest symbol at error correction level ``ecc`` ("L", "M", "Q" or "H"). The SVG has a
    ``viewBox`` in modules (no fixed width or height, so it scales with its container),
    ``shape-rendering="crispEdges"``, an opaque ``light`` background and every dark module
    in one ``<path>`` filled with ``dark``. ``border`` is the quiet zone in modules (0..64;
    scanners want 4). Colours must be "#rgb" or "#rrggbb".
    
    Raises ValueError for empty or too-long data (at most 2953 bytes at "L", 2331 at "M",
    1663 at "Q", 1273 at "H") and for a bad ``ecc``, ``border`` or colour; TypeError for
    arguments of the wrong type.
    """
def random_bytes(n: int) -> bytes:
    """
    Return ``n`` bytes from OpenSSL's CSPRNG (``RAND_bytes``).
    
    Raises ValueError for a negative ``n`` or more than 1 MiB.
    """
def random_secret(nbytes: int = 20) -> str:
    """
    Return a new random TOTP secret as unpadded RFC 4648 base32 text.
    
    ``nbytes`` random bytes (default 20, as authenticator apps expect) from the CSPRNG;
    fewer than 16 raises ValueError.
    """
def sign_challenge(key: bytes | str, subject: str, purpose: str, issued_at: int | None = None) -> str:
    """
    Return a compact URL-safe challenge token for ``subject`` and ``purpose``.
    
    The token carries a version, ``subject`` (e.g. a user pk as text, 1-255 bytes),
    ``issued_at`` (Unix seconds, default now) and a random 128-bit nonce, authenticated with
    HMAC-SHA256 under ``key`` (bytes or str). The purpose is authenticated, not carried.
    """
def totp(key: bytes | str, for_time: int | float | None, period: int = 30, digits: int = 6, algorithm: str = 'SHA1', t0: int = 0) -> str:
    """
    Return the TOTP value (RFC 6238) of ``key`` at Unix time ``for_time``.
    
    ``key`` is bytes (raw) or str (base32). ``for_time`` is an int or float (None: now).
    Raises ValueError for bad parameters or a time before ``t0``.
    """
def totp_match(key: bytes | str, code: str, for_time: int | float | None, *, period: int = 30, digits: int = 6, algorithm: str = 'SHA1', t0: int = 0, window: int = 1, after_step: int = -1) -> int | None:
    """
    Return the time step at which ``code`` is valid for ``key``, or None.
    
    Steps within ``window`` of ``for_time``'s step are tried; only steps greater than
    ``after_step`` (the last step accepted for this key: the replay floor) count, and the
    nearest to now wins. ``code`` is NFKC-normalised with whitespace ignored and must then
    be exactly ``digits`` ASCII digits; anything else (including non-str) gives None, never
    an exception. Bad parameters raise ValueError.
    """
def totp_match_sealed(fernet: Fernet | MultiFernet, sealed_secret: bytes | str, code: str, for_time: int | float | None, *, period: int = 30, digits: int = 6, algorithm: str = 'SHA1', t0: int = 0, window: int = 1, after_step: int = -1) -> int | None:
    """
    totp_match against a Fernet-sealed base32 secret, in one native call.
    
    ``fernet`` is a Fernet or MultiFernet; ``sealed_secret`` the token (as django-totp
    stores it). The plaintext secret never becomes a Python object and is wiped. Raises
    InvalidToken when no key decrypts it; otherwise as totp_match.
    """
def verify_challenge(key: bytes | str, token: bytes | str, purpose: str, max_age: int, now: int | None = None) -> tuple[str, int, str]:
    """
    Return ``(subject, issued_at, nonce_hex)`` of a genuine ``token``.
    
    Raises InvalidToken for a malformed or forged token, or one made for another purpose or
    under another key; ExpiredToken when older than ``max_age`` seconds or issued more than
    60 seconds in the future. The caller burns ``nonce_hex`` to make the token single-use.
    """
