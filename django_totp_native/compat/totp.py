"""django-totp's ``totp``: the TOTP lifecycle helpers (thin names over the services)."""

from django.views.decorators.debug import sensitive_variables
from .. import core
from ..conf import conf
from ..services import devices
from . import lazy_names

__all__ = ["generate_totp_secret", "verify_totp_code", "create_totp_setup", "confirm_totp_setup", "disable_totp"]


@sensitive_variables()
def generate_totp_secret() -> str:
    """A new random base32 secret (160 bits, unpadded)."""
    return core.random_secret()


@sensitive_variables("input_code")
def verify_totp_code(user, input_code) -> bool:
    """True when the code is valid and was not used before (each code works once).

    Raises ValueError when the user has no TOTP secret. While the user is locked out
    after too many failures the answer is False.
    """
    try:
        return bool(devices.verify_totp(user, input_code))
    except (devices.LockedOut, devices.SecretUnavailable):
        # django-totp answers a boolean: locked out, or a secret no key opens (logged), is "no".
        return False


def create_totp_setup(user) -> str:
    """Start enrollment and return the QR code SVG (ValueError if TOTP already exists)."""
    return devices.start_enrollment(user).svg


@sensitive_variables("input_code")
def confirm_totp_setup(user, input_code) -> list:
    """Confirm enrollment with a valid code and return the new backup codes."""
    return devices.confirm_enrollment(user, input_code)


def disable_totp(user) -> None:
    """Remove the user's TOTP secret and backup codes (ValueError if there is none)."""
    devices.disable(user)


#: django-totp's module constant, read on every access (override_settings applies).
LAZY_NAMES = {"TOTP_ISSUER": lambda: conf.ISSUER}
__getattr__ = lazy_names(__name__, LAZY_NAMES)
