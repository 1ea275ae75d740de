"""django-totp's ``email_utils``: URL-safe encoding of user primary keys for recovery links."""

from ..services.recovery import decode_uid, encode_uid

__all__ = ["encode_uid", "decode_uid"]
