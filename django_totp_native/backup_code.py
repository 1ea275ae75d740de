"""django-totp's ``backup_code``, at its path; the code is in ``compat/backup_code.py``."""

from .compat.backup_code import *  # noqa: F401,F403