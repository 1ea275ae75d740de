"""SimpleJWT tokens that say whether the second factor was passed (the [jwt] extra).

Tokens issued after the second factor carry the device proof (``sessions.TOKEN_CLAIM``);
SimpleJWT copies it from the refresh token into every access token made from it, also
when refresh tokens rotate. Disabling, resetting or recovering 2FA deletes the device,
so older tokens stop counting as verified (see ``permissions.HasSecondFactor``). Every
token also carries the user's credential generation and its family id
(``services.credentials``): the same changes end older tokens altogether, on refresh, on
this app's API and, through ``authentication.JWTAuthentication``, on the project's views.
"""

from __future__ import annotations

from typing import Optional

from django.core.exceptions import ValidationError
from django.views.decorators.debug import sensitive_variables

from .services import credentials, sessions


@sensitive_variables("refresh")
def tokens_for(
    user, *, second_factor: bool, device_proof: Optional[str] = None, generation: Optional[int] = None
) -> dict:
    """``{"refresh", "access"}`` for the user; with the device proof when ``second_factor``
    (``device_proof``, ``generation``: when the caller already has them, e.g. from the
    login it completed)."""
    from rest_framework_simplejwt.tokens import RefreshToken

    refresh = RefreshToken.for_user(user)
    credentials.stamp_token(refresh, user.pk, generation)
    proof = (device_proof or sessions.current_device_proof(user)) if second_factor else None
    if proof is not None:
        refresh[sessions.TOKEN_CLAIM] = proof
    return {"refresh": str(refresh), "access": str(refresh.access_token)}


@sensitive_variables("payload")
def is_current(payload) -> bool:
    """Is a SimpleJWT token with these claims still valid: its user's credential generation
    unchanged since it was issued, or it belongs to the client that made the change?"""
    from django.contrib.auth import get_user_model
    from rest_framework_simplejwt.settings import api_settings

    user_id = payload.get(api_settings.USER_ID_CLAIM) if isinstance(payload, dict) else None
    if user_id is None:
        return True  # no user: SimpleJWT refuses it on its own terms
    try:
        user_pk = (
            get_user_model().objects.filter(**{api_settings.USER_ID_FIELD: user_id}).values_list("pk", flat=True).first()
        )
    except (TypeError, ValueError, ValidationError):
        return False
    return user_pk is None or credentials.token_is_current(payload, user_pk)
