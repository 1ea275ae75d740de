"""URL-safe encoding of user primary keys for recovery links (django-totp compatible)."""

from .services.recovery import decode_uid, encode_uid

__all__ = ["encode_uid", "decode_uid"]
