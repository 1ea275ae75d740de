"""django-totp's name of the app config, ``apps.DjangoTotpConfig``."""

from . import lazy_names


def _app_config_class():
    from ..apps import DjangoTotpNativeConfig

    return DjangoTotpNativeConfig


# Served lazily rather than bound as a second class name in apps.py, because Django picks
# an app's config automatically only when apps.py shows exactly one AppConfig subclass.
LAZY_NAMES = {"DjangoTotpConfig": _app_config_class}
__getattr__ = lazy_names(__name__, LAZY_NAMES)
