"""TOTP two-factor authentication for Django and DRF, with a native (C++/OpenSSL) core.

Importing this package (or ``django_totp_native.core``) needs no Django settings.
"""

__version__ = "0.1.0"
