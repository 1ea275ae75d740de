"""django-totp's ``models`` constant (its models themselves are the app's, in ``models.py``)."""

from . import lazy_names


def _max_backup_codes():
    from ..conf import conf

    return conf.MAX_BACKUP_CODES


#: Read from the settings on every access, so override_settings applies (django-totp
#: froze it at import).
LAZY_NAMES = {"MAX_BACKUP_CODES": _max_backup_codes}
__getattr__ = lazy_names(__name__, LAZY_NAMES)
