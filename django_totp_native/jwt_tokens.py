"""SimpleJWT tokens that say whether the second factor was passed (the [jwt] extra).

Tokens issued after the second factor carry the device proof (``sessions.TOKEN_CLAIM``);
SimpleJWT copies it from the refresh token into every access token made from it, also
when refresh tokens rotate. Disabling, resetting or recovering 2FA deletes the device,
so older tokens stop counting as verified (see ``permissions.HasSecondFactor``).
"""

from __future__ import annotations

from typing import Optional

from django.views.decorators.debug import sensitive_variables

from .services import sessions


@sensitive_variables("refresh")
def tokens_for(user, *, second_factor: bool, device_proof: Optional[str] = None) -> dict:
    """``{"refresh", "access"}`` for the user; with the device proof when ``second_factor``
    (``device_proof``: when the caller already has it, e.g. from the login it completed)."""
    from rest_framework_simplejwt.tokens import RefreshToken

    refresh = RefreshToken.for_user(user)
    proof = (device_proof or sessions.current_device_proof(user)) if second_factor else None
    if proof is not None:
        refresh[sessions.TOKEN_CLAIM] = proof
    return {"refresh": str(refresh), "access": str(refresh.access_token)}
