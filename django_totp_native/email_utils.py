"""django-totp's ``email_utils``, at its path; the code is in ``compat/email_utils.py``."""

from .compat.email_utils import *  # noqa: F401,F403