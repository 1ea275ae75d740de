"""django-totp's device (``models.Totp``) as the app's front ends call it.

Lookups live here; the work is done by the services split out by job, whose names this
module keeps available: ``enrollment`` (start, confirm, disable), ``backup_codes``
(formats, storing, rotating) and ``verification`` (every attempt, for every kind of
device; ``verify_totp`` and ``verify_backup`` below are its calls for this device).
"""

from __future__ import annotations

from typing import Optional

from django.views.decorators.debug import sensitive_variables

from .. import core  # noqa: F401 (tests patch the core through this module)
from ..conf import conf
from ..models import Totp
from . import attempts, verification
from .backup_codes import (  # noqa: F401 (re-exported)
    CROCKFORD_CODE_LENGTH,
    EXACT_CODE_MAX,
    EXACT_CODE_MIN,
    MAX_CODE_INPUT,
    _own_backup_key,
    could_be_backup_code,
    crockford_code_form,
    exact_code_form,
    rotate_codes,
    store_codes,
)
from .enrollment import (  # noqa: F401 (re-exported)
    MAX_ACCOUNT_LABEL_BYTES,
    Enrollment,
    account_label,
    Confirmed,
    confirm,
    confirm_enrollment,
    disable,
    provisioning_uri,
    start_enrollment,
)
from .errors import (  # noqa: F401 (re-exported)
    AlreadyConfirmed,
    AlreadyEnrolled,
    InvalidChallenge,
    InvalidCode,
    LockedOut,
    NotEnrolled,
    SecretUnavailable,
)
from .verification import MAX_OTP_INPUT, Verified  # noqa: F401 (re-exported)


def get_device(user) -> Optional[Totp]:
    if user is None or not getattr(user, "is_authenticated", False) or user.pk is None:
        return None
    return Totp.objects.filter(user_id=user.pk).first()


def is_enabled(user) -> bool:
    """True when the user has a confirmed TOTP device."""
    if user is None or not getattr(user, "is_authenticated", False) or user.pk is None:
        return False
    return Totp.objects.filter(user_id=user.pk, confirmed_at__isnull=False).exists()


@sensitive_variables("code")
def verify_totp(user, code, *, on_success=None, challenge_sequence: Optional[int] = None, pending: bool = False,
                expected_pk: Optional[int] = None, **kwargs) -> Optional[Verified]:
    """A TOTP code of the user's device, once (see ``verification.verify_otp``)."""
    return verification.verify_otp(user, code, on_success=on_success, challenge_sequence=challenge_sequence,
                                   pending=pending, device_pk=expected_pk, **kwargs)


@sensitive_variables("code")
def verify_backup(user, code, *, on_success=None, challenge_sequence: Optional[int] = None,
                  **kwargs) -> Optional[Verified]:
    """A backup code of the user's device, once (see ``verification.verify_static``)."""
    return verification.verify_static(user, code, on_success=on_success, challenge_sequence=challenge_sequence,
                                      **kwargs)


def clear_lockout(user) -> bool:
    """Administrator action: forget failed attempts and lift backoff and hard lock."""
    return verification.clear_lockout(user)


def is_locked(user) -> bool:
    """True when the user's failed attempts reached TOTP_MAX_FAILURES (an administrator
    must unlock)."""
    state = attempts.state_of(getattr(user, "pk", user))
    return state is not None and state.failed_attempts >= conf.MAX_FAILURES
