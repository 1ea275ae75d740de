"""django-totp's ``backup_code_utils``, at its path; the code is in ``compat/backup_code_utils.py``."""

from .compat.backup_code_utils import *  # noqa: F401,F403