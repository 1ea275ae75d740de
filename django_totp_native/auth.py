"""django-totp's ``auth``, at its path; the code is in ``compat/auth.py``."""

from .compat.auth import *  # noqa: F401,F403
from .compat import face

__getattr__ = face(__name__)  # its settings-backed constants, read on every access
