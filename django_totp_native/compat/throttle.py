"""django-totp's ``throttle`` names that the app's own throttles (``throttle.py``) do not use."""

from ..conf import conf
from ..throttle import TotpUserThrottle
from . import lazy_names

__all__ = ["TotpThrottle"]


class TotpThrottle(TotpUserThrottle):
    """Deprecated alias of TotpUserThrottle, kept because django-totp still exports it."""


#: django-totp's module constant, read on every access (override_settings applies).
LAZY_NAMES = {"THROTTLE_RATE": lambda: conf.THROTTLE_RATE}
__getattr__ = lazy_names(__name__, LAZY_NAMES)
