"""django-totp's ``encryption``, at its path; the code is in ``compat/encryption.py``."""

from .compat.encryption import *  # noqa: F401,F403