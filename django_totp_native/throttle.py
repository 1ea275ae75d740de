"""DRF throttles for every endpoint of this app, rate TOTP_THROTTLE_RATE (read per request)."""

from rest_framework.throttling import AnonRateThrottle, UserRateThrottle

from .conf import conf


class TotpUserThrottle(UserRateThrottle):
    """Per-user (or per-IP when anonymous) limit for TOTP actions."""

    scope = "totp_user"

    def get_rate(self):
        return conf.THROTTLE_RATE


class TotpAnonThrottle(AnonRateThrottle):
    """Per-IP limit for anonymous TOTP actions (login second step, recovery)."""

    scope = "totp_anon"

    def get_rate(self):
        return conf.THROTTLE_RATE


class TotpThrottle(TotpUserThrottle):
    """Deprecated alias of TotpUserThrottle, kept because django-totp still exports it."""
