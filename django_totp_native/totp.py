"""django-totp's ``totp``, at its path; the code is in ``compat/totp.py``."""

from .compat.totp import *  # noqa: F401,F403
from .compat import face

__getattr__ = face(__name__)  # its settings-backed constants, read on every access
