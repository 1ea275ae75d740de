"""django-otp devices with this project's guarantees (app label ``otp_native``).

``TOTPDevice``, ``StaticDevice`` and ``StaticToken`` keep django-otp's names, fields,
settings and behaviour, so code written for django-otp's ``otp_totp`` and ``otp_static``
runs unchanged; what they store and how they verify is this project's: the TOTP key is
sealed with TOTP_ENCRYPTION_KEY, static tokens are keyed digests, and every check is an
attempt of the one verification service (``services.verification``) through the device
adapters in ``adapters``.
"""
