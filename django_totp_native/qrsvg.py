"""django-totp's ``qrsvg``, at its path; the code is in ``compat/qrsvg.py``."""

from .compat.qrsvg import *  # noqa: F401,F403