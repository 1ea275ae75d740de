"""Enrollment tokens: what /api/jwt/create/ gives a user who must enroll before anything else.

An administrator required 2FA for the user and they have no confirmed device, so the
password alone earns no access or refresh token. The enrollment token (signed by the
core, purpose-bound, short-lived) is accepted only by the enrollment endpoints, and only
while the user still has no confirmed device; confirming answers with real tokens.
"""

from __future__ import annotations

from typing import Optional

from django.contrib.auth import get_user_model
from django.views.decorators.debug import sensitive_variables

from .. import core
from ..conf import conf
from . import challenges, keys

PURPOSE = "totp_enrollment"


def issue(user) -> str:
    return core.sign_challenge(keys.challenge_key(), str(user.pk), PURPOSE)


@sensitive_variables("token")
def user_for(token) -> Optional[object]:
    """The active user the token names, or None for a bad, expired or stale token."""
    if not isinstance(token, str) or not token or len(token) > challenges.MAX_TOKEN_LENGTH:
        return None
    try:
        subject, _issued_at, _nonce = core.verify_challenge(
            keys.challenge_key(), token, PURPOSE, conf.ENROLLMENT_TOKEN_MAX_AGE
        )
        user = challenges.user_for(challenges.Challenge(subject=subject, issued_at=0, nonce=""))
    except (core.InvalidToken, get_user_model().DoesNotExist):
        return None
    return user if getattr(user, "is_active", True) else None
