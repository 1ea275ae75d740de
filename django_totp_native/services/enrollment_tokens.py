"""Enrollment tokens: what /api/jwt/create/ gives a user who must enroll before anything else.

An administrator required 2FA for the user and they have no confirmed device, so the
password alone earns no access or refresh token. The enrollment token (signed by the
core, purpose-bound, short-lived) is accepted only by the enrollment endpoints, and only
while what it was issued for still holds (issue 18 item 1): the same password hash, the
same requirement (lifted or re-imposed: void), no confirmed device, and the same
credential generation (a disable, reset or recovery since: void). Confirming answers
with real tokens and spends it (the device is confirmed from then on).
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Optional

from django.contrib.auth import get_user_model
from django.utils.crypto import constant_time_compare
from django.views.decorators.debug import sensitive_variables

from .. import core
from ..conf import conf
from ..models import Totp, TotpRequirement
from . import attempts, challenges, keys

PURPOSE = "totp_enrollment"


@sensitive_variables("binding")
def _binding(user) -> Optional[str]:
    """What the token is bound to, as a keyed hash: None when no enrollment token may be
    valid for the user now (not required, or a confirmed device already)."""
    required_at = TotpRequirement.objects.filter(user_id=user.pk).values_list("required_at", flat=True).first()
    if required_at is None or Totp.objects.filter(user_id=user.pk, confirmed_at__isnull=False).exists():
        return None
    state = attempts.state_of(user.pk)
    generation = state.credential_generation if state is not None else 0
    binding = "|".join(
        ["enrollment", str(user.pk), getattr(user, "password", "") or "", required_at.isoformat(), str(generation)]
    )
    return hmac.new(keys.challenge_key(), binding.encode("utf-8"), hashlib.sha256).hexdigest()[:32]


def issue(user) -> str:
    binding = _binding(user) or ""
    return core.sign_challenge(keys.challenge_key(), f"{user.pk}:{binding}", PURPOSE)


@sensitive_variables("token", "binding", "expected")
def user_for(token) -> Optional[object]:
    """The active user the token names, or None for a bad, expired or stale token."""
    if not isinstance(token, str) or not token or len(token) > challenges.MAX_TOKEN_LENGTH:
        return None
    try:
        subject, _issued_at, _nonce = core.verify_challenge(
            keys.challenge_key(), token, PURPOSE, conf.ENROLLMENT_TOKEN_MAX_AGE
        )
        pk, _, binding = subject.rpartition(":")
        user = challenges.user_for(challenges.Challenge(subject=pk, issued_at=0, nonce=""))
    except (core.InvalidToken, get_user_model().DoesNotExist):
        return None
    expected = _binding(user)
    if not expected or not constant_time_compare(binding, expected):
        return None  # password changed, requirement lifted or re-imposed, enrolled, or reset since
    return user if getattr(user, "is_active", True) else None
