"""django-totp's ``email``, at its path; the code is in ``compat/email.py``."""

from .compat.email import *  # noqa: F401,F403
from .compat import face

__getattr__ = face(__name__)  # its settings-backed constants, read on every access
